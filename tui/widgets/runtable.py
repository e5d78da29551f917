"""The runs overview: every run under the store's root, grouped under its search or report,
with the config columns that differ between runs, its state, epochs, best validation and test
accuracy (a search's chosen trial: the test accuracy its best.json records). Sorted by any
column (o: next column, O: reverse); rows update in place, each cell at its full width."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from linclf.engine import format as fmt
from linclf.engine.store.runwatch import RunSnap
from linclf.engine.store.searchread import SearchProgress
from linclf.tui import describe as d
from linclf.tui.chosen import Chosen

# The run's own columns come first, so that they stay in view on a narrow terminal; the config
# columns that differ follow (the table scrolls sideways when they do not fit).
FIXED = ("run", "state", "epochs", d.VAL, "test")
# Shown in the epochs column ("12/40"): never a config column of its own.
IN_FIXED = ("n_epochs",)
NAME_WIDTH = 19  # "*" (marked for comparison), the indent under a group heading, the name
FLAGS = "alerts·tags"
GROUP = "group:"  # row keys of group headings
REFRESH_SECONDS = 2.0


def _number_key(value) -> tuple:
    return (value is None or value != value, -(value or 0.0) if value == value else 0.0)


class RunsTable(DataTable):
    class Resorted(Message):
        """The order changed (the panel shows which column sorts)."""

    BINDINGS = [
        Binding("o", "sort_next", "Sort", show=False),
        Binding("O", "sort_reverse", "Reverse", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.snaps: dict[Path, RunSnap] = {}
        self.searches: dict[str, tuple[SearchProgress, ...]] = {}
        self.marked: list[Path] = []
        self.launched: set[Path] = set()  # runs this app started: "+" before the name
        self.chosen: dict[str, Chosen] = {}  # group → its search's best.json
        self.fields: list[str] = []
        self.sort_column = 0  # by run name: newest first
        self.reverse = False
        self._table_layout: tuple = ()
        self._keep_date = False  # when runs differ only in their date, it stays in their names
        self._name_width = NAME_WIDTH - 1  # wider when shorter names would look the same
        self._in_cells: dict[Path, RunSnap] = {}  # the run each row's cells show
        self._flush_pending, self._flushed = False, 0.0
        # A run's alerts, tags and note (tui/insight.py), in a column while any run has some.
        self.flags: Callable[[RunSnap], Text] = lambda snap: Text()
        self.any_flagged: Callable[[dict], bool] = lambda snaps: False
        self._flagged = False

    @property
    def _fixed(self) -> tuple[str, ...]:
        return (*FIXED, FLAGS) if self._flagged else FIXED

    @property
    def headers(self) -> list[str]:
        return [*self._fixed, *(d.field_label(n) for n in self.fields)]

    def _name_cell(self, snap: RunSnap) -> Text:
        mark = "*" if snap.path in self.marked else "+" if snap.path in self.launched else " "
        indent = " " if self._grouped else ""
        name = d.short_name(snap.path.name, self._name_width - len(indent), self._keep_date)
        return Text(mark + indent + name, style="bold" if mark == "*" else "")

    def _test_acc(self, snap: RunSnap) -> float | None:
        chosen = self.chosen.get(snap.group)
        if snap.info.test_acc is None and chosen is not None and chosen.is_run(snap.path):
            return chosen.test_acc
        return snap.info.test_acc

    def _cells(self, snap: RunSnap) -> list:
        return [
            self._name_cell(snap),
            d.state_text(snap.state),
            Text(d.epochs_text(snap), justify="right"),
            Text(fmt.percent(d.last_val(snap)), justify="right"),
            Text(fmt.percent(self._test_acc(snap)), justify="right"),
            *([self.flags(snap)] if self._flagged else []),
            *(Text(d.value_text(snap.info.config.get(n)), justify="right") for n in self.fields),
        ]

    def _sort_key(self, snap: RunSnap):
        column = self.sort_column
        fixed = self._fixed
        if column >= len(fixed):
            value = snap.info.config.get(self.fields[column - len(fixed)])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return (0, *_number_key(-value))
            return (1, d.value_text(value))
        name = fixed[column]
        if name == FLAGS:
            return (not self.flags(snap), self.flags(snap).plain)
        if name == "state":
            return (snap.state,)
        if name == "epochs":
            return (-snap.epochs,)
        if name in (d.VAL, "test"):
            return _number_key(d.last_val(snap) if name == d.VAL else self._test_acc(snap))
        return (snap.path.name,)  # names begin with the date and time

    @property
    def _grouped(self) -> bool:
        return bool(self.searches) or any(snap.group for snap in self.snaps.values())

    def ordered(self) -> list[tuple[str, list[RunSnap]]]:
        """(group, its runs) in display order: groups by name, runs by the sort column."""
        groups: dict[str, list[RunSnap]] = {}
        for snap in self.snaps.values():
            groups.setdefault(snap.group, []).append(snap)
        # Names start with the time: newest first unless reversed; other columns best first.
        newest_first = self.sort_column == 0
        for runs in groups.values():
            runs.sort(key=self._sort_key, reverse=newest_first != self.reverse)
        return sorted(groups.items())

    def heading(self, group: str, runs: list[RunSnap]) -> list:
        """The cells of a group's heading row: its name, live and dead runs, trials done."""
        live = sum(s.live for s in runs)
        dead = sum(s.state == "dead" for s in runs)
        state = Text()
        if live:
            state.append(f"{live} live ", style="green")
        if dead:
            state.append(f"{dead} dead", style="red")
        searches = self.searches.get(group, ())
        done = sum(s.done for s in searches), sum(s.total for s in searches)
        chosen = self.chosen.get(group)
        return [
            Text(f"▾ {d.short_name(group or '.', NAME_WIDTH - 3)}/", style="bold"),
            state,
            Text(d.plural(len(runs), "run"), justify="right"),
            Text(f"{done[0]}/{done[1]} done" if searches else "", justify="right"),
            Text(fmt.percent(chosen.test_acc) if chosen else "", justify="right"),
        ]

    def update_runs(
        self, snaps: dict[Path, RunSnap], searches: dict, chosen: dict[str, Chosen] | None = None
    ) -> None:
        """Show snaps: rows change in place; a new run, a new set of columns or a new order of
        sorting rebuilds the table (keeping the highlighted row)."""
        old, self.snaps, self.searches = self.snaps, snaps, searches
        if chosen is not None and chosen != self.chosen:
            self.chosen, old = chosen, {}  # every test cell may change
        self.fields = [f for f in d.varied_fields(snaps.values()) if f not in IN_FIXED]
        self._flagged = self.any_flagged(snaps)
        layout = (
            tuple(self.fields),
            tuple(sorted(snaps)),
            self.sort_column,
            self.reverse,
            self._flagged,
        )
        if layout != self._table_layout:
            self._table_layout = layout
            self._fit_names([path.name for path in snaps])
            self.rebuild()
        elif not self._flush_pending and any(old.get(p) is not s for p, s in snaps.items()):
            # Any change to a cell makes the table render every visible row anew (tens of
            # milliseconds): running runs are updated in place at most every REFRESH_SECONDS.
            self._flush_pending = True
            wait = self._flushed + REFRESH_SECONDS - time.monotonic()
            self.set_timer(max(0.01, wait), self._flush, name="flush runs")

    def _fit_names(self, names: list[str]) -> None:
        """The narrowest name column (from NAME_WIDTH) in which no two runs look the same."""
        unique = len(set(names))
        self._keep_date = len({d.without_date(n) for n in names}) < unique
        width, longest = NAME_WIDTH - 2, max(map(len, names), default=0)
        while (
            width < longest
            and len({d.short_name(n, width, self._keep_date) for n in names}) < unique
        ):
            width += 1
        self._name_width = width + 1  # the indent under a group heading

    def _flush(self) -> None:
        self._flush_pending, self._flushed = False, time.monotonic()
        for path, snap in self.snaps.items():
            if self._in_cells.get(path) is not snap and str(path) in self.rows:
                self._update_row(str(path), self._cells(snap))
                self._in_cells[path] = snap
        if self._grouped:
            for group, runs in self.ordered():
                if GROUP + group in self.rows:
                    self._update_row(GROUP + group, self.heading(group, runs))

    @property
    def columns_keys(self) -> list:
        return [column.key for column in self.ordered_columns]

    def _update_row(self, row: str, cells: list) -> None:
        """Set the cells that changed: every update makes the table render its rows anew. A
        cell wider than its column widens it; a narrower one leaves the width alone (to shrink
        it the table measures every cell of the column: with 20 live runs that was a tenth of
        a core), and the next rebuild fits the columns again."""
        for key, cell, old in zip(self.columns_keys, cells, self.get_row(row)):
            if cell != old:
                width = cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))
                grows = width > self.columns[key].content_width
                self.update_cell(row, key, cell, update_width=grows)

    def rebuild(self) -> None:
        keep = self.highlighted
        self.clear(columns=True)
        self._in_cells = {}
        self.add_columns(*map(Text, self.headers))  # a key is never markup
        self.sort_column = min(self.sort_column, len(self.headers) - 1)
        grouped = self._grouped
        for group, runs in self.ordered():
            if grouped:
                cells = self.heading(group, runs)
                cells += [""] * (len(self.headers) - len(cells))
                self.add_row(*cells, key=GROUP + group)
            for snap in runs:
                self.add_row(*self._cells(snap), key=str(snap.path))
                self._in_cells[snap.path] = snap
        if keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep), animate=False)

    @property
    def highlighted(self) -> str | None:
        """The key of the highlighted row: a run's path, or GROUP + a group's name."""
        if not self.row_count or self.cursor_row < 0:
            return None
        return self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value

    def highlighted_run(self) -> RunSnap | None:
        key = self.highlighted
        return self.snaps.get(Path(key)) if key and not key.startswith(GROUP) else None

    def highlighted_group(self) -> str | None:
        key = self.highlighted
        if key is None:
            return None
        if key.startswith(GROUP):
            return key[len(GROUP) :]
        snap = self.snaps.get(Path(key))
        return snap.group if snap else None

    def toggle_mark(self) -> None:
        snap = self.highlighted_run()
        if snap is None:
            return
        if snap.path in self.marked:
            self.marked.remove(snap.path)
        else:
            self.marked.append(snap.path)
        self.update_cell(
            str(snap.path), self.columns_keys[0], self._name_cell(snap), update_width=True
        )

    def action_sort_next(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(self.headers)
        self._resort()

    def action_sort_reverse(self) -> None:
        self.reverse = not self.reverse
        self._resort()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.column_index == self.sort_column:
            self.reverse = not self.reverse
        else:
            self.sort_column, self.reverse = event.column_index, False
        self._resort()

    def _resort(self) -> None:
        self.update_runs(self.snaps, self.searches)
        self.post_message(self.Resorted())

    def sort_label(self) -> str:
        return f"{self.headers[self.sort_column]}{' ↑' if self.reverse else ''}"
