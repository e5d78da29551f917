"""The Runs view: the overview table of every run under --out, live; below it the curves of
the highlighted run (or of the runs marked with space, overlaid), and beside them its config,
the config diff of the marked runs, or the leaderboard of its search."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable

from linclf.engine.store.runwatch import RunSnap
from linclf.engine.text import printable
from linclf.tui import describe as d
from linclf.tui.chosen import ChosenReader
from linclf.tui.insight import Insight, summary
from linclf.tui.widgets.compare import ComparePanel
from linclf.tui.widgets.curves import COLOURS, Curves
from linclf.tui.widgets.filterbar import FilterBar
from linclf.tui.widgets.hparams import HParamsScreen
from linclf.tui.widgets.line import Line
from linclf.tui.widgets.noteedit import NoteEditor
from linclf.tui.widgets.runtable import RunsTable


def overlay(runs: list[RunSnap]) -> list[tuple[str, tuple, dict]]:
    """Curves of several runs, each labelled by the config that differs (one: no label)."""
    fields = d.varied_fields(runs)
    return [(d.legend(s, fields) if len(runs) > 1 else "", s.history, s.info.config) for s in runs]


class RunsPanel(Vertical):
    BINDINGS = [
        Binding("space", "toggle_mark", "Compare", show=False),
        Binding("enter", "follow", "Follow", show=False),
        Binding("z", "zoom", "Zoom"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "leave_filter", "Clear filter", show=False),
        Binding("h", "hparams", "Hyper-params", show=False),
        Binding("n", "note", "Note", show=False),
    ]

    class Follow(Message):
        """Open this run in the Run view (it follows the run live)."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, out: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.out = out
        self.system: dict[str, str] = {}
        self.left_out = 0
        self.chosen = ChosenReader()
        self._shown: tuple = ()
        self._all: tuple = ({}, {}, {}, 0)  # the last update's arguments, before the filter

    def compose(self) -> ComposeResult:
        yield Line("", id="runs-help")
        yield FilterBar(id="runs-filter")
        yield RunsTable(id="runs-table")
        yield Line("", id="run-legend")
        with Horizontal(id="compare"):
            yield Curves(id="run-curves")
            yield ComparePanel("", id="run-side")

    def on_mount(self) -> None:
        self.query_one(FilterBar).display = False
        self.table.flags = lambda snap: self.insight.flags(snap) if self.insight else Text()
        self.table.any_flagged = lambda snaps: bool(
            self.insight and self.insight.any_flagged(snaps)
        )
        self._help()

    @property
    def insight(self) -> Insight | None:
        return getattr(self.app, "insight", None)

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    @property
    def runs(self) -> dict[Path, RunSnap]:
        return self.table.snaps

    def _help(self) -> None:
        table = self.table
        count = len(table.snaps)
        line = Text()
        if self.insight is not None and self.insight.conditions:  # first: what hides runs
            line.append_text(summary(self.insight, count, len(self._all[0]))).append(" · ")
        for group, searches in sorted(table.searches.items()):
            runs = [s for s in table.snaps.values() if s.group == group]
            for search in searches:  # a search's progress first: it is what a watcher waits for
                line.append(f"{printable(group or '.')}/{printable(search.name)} ", style="bold")
                line.append_text(d.search_progress(search, runs))
                line.append(" · ")
        line.append(f"{d.plural(count, 'run')} under {printable(self.out)}")
        if self.left_out:
            line.append(
                f" (the newest; {self.left_out}+ older folders not read: pass a narrower --out)"
            )
        line.append(
            f" · sorted by {table.sort_label()} (o, O) · enter: follow · space: compare"
            " · z: full-width plot"
        )
        self.query_one("#runs-help", Line).show(line)

    def update(
        self, snaps: dict[Path, RunSnap], searches: dict, system: dict[str, str], left_out: int = 0
    ) -> None:
        table = self.table
        self._all = (snaps, searches, system, left_out)
        if self.insight is not None:
            snaps = self.insight.shown(snaps)
        self.system, self.left_out = system, left_out
        folders = {snap.group for snap in snaps.values()} | set(searches)
        chosen = {g: self.chosen.read(self._folder(g)) for g in folders}
        table.update_runs(snaps, searches, {g: c for g, c in chosen.items() if c is not None})
        table.marked[:] = [path for path in table.marked if path in snaps]
        self._help()  # repaints only when its text changes
        self._show()

    def _folder(self, group: str) -> Path:
        return Path(group) if Path(group).is_absolute() else self.out / group

    def action_zoom(self) -> None:
        """The curves at the full width (no form, no side panel) and most of the height."""
        self.screen.toggle_class("-zoom")

    def on_hide(self) -> None:
        self.screen.remove_class("-zoom")

    def on_curves_drawn(self, event: Curves.Drawn) -> None:
        event.stop()
        curves = self.query_one("#run-curves", Curves)
        self.query_one("#run-legend", Line).show(curves.legend() if len(curves.series) > 1 else "")

    def on_runs_table_resorted(self, _event) -> None:
        self._help()
        self._show()

    def on_show(self) -> None:
        self._show()

    def _show(self) -> None:
        """Redraw the curves and the side panel, only when what they show has changed and
        only while the view is on screen (on_show catches up): a plot costs milliseconds of
        the core that a run trains on."""
        if not self.is_on_screen:
            return
        table = self.table
        marked = [table.snaps[p] for p in table.marked if p in table.snaps]
        snap, group = table.highlighted_run(), table.highlighted_group()
        searches = table.searches.get(group, ()) if group is not None else ()
        system = self.system.get(f"group:{group}", "")
        chosen = table.chosen.get(group) if group is not None else None
        shown = (tuple(marked), snap, group, searches, system, chosen)
        if shown == self._shown:
            return
        self._shown = shown
        curves, side = self.query_one("#run-curves", Curves), self.query_one(ComparePanel)
        if len(marked) >= 2:
            curves.show(overlay(marked))
            side.show_diff(marked, d.varied_fields(marked))
            return
        group_runs = [s for s in table.snaps.values() if s.group == group]
        if snap is not None:
            curves.show([("", snap.history, snap.info.config)])
            side.show_run(snap, searches, system, group_runs, chosen)
        elif group is not None:
            # A group's heading: the leaders of its search, else its newest runs, overlaid.
            runs = [s for search in searches for s in search.leaders] or [
                s for s in table.snaps.values() if s.group == group
            ]
            runs = list({s.path: s for s in runs}.values())[: len(COLOURS)]
            curves.show(overlay(runs))
            side.show_group(group, searches, system, group_runs, chosen)
        else:
            curves.show([])
            side.update(
                Text(f"No runs under {printable(self.out)} yet: they appear here as they start.")
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.table:
            self._show()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.table:
            event.stop()
            self.action_follow()

    def action_toggle_mark(self) -> None:
        self.table.toggle_mark()
        self._show()

    def sort(self, reverse: bool) -> None:
        """o (next column) or O (reverse order), also from the palette."""
        if reverse:
            self.table.action_sort_reverse()
        else:
            self.table.action_sort_next()

    def action_filter(self) -> None:
        """/: the filter line, with the columns the runs have."""
        bar = self.query_one(FilterBar)
        bar.kinds = self.insight.kinds() if self.insight else {}
        bar.display = True
        bar.focus_input()

    def on_filter_bar_applied(self, event: FilterBar.Applied) -> None:
        event.stop()
        if self.insight is not None:
            self.insight.set_filter(event.conditions, event.text)
        self.leave_filter(keep=True)

    def action_leave_filter(self) -> None:
        if self.query_one(FilterBar).display or (self.insight and self.insight.conditions):
            self.leave_filter()

    def leave_filter(self, keep: bool = False) -> None:
        """Back to the table; escape (keep False) also clears the filter."""
        bar = self.query_one(FilterBar)
        if not keep and self.insight is not None:
            self.insight.set_filter([], "")
            bar.conditions, bar.text = [], ""
        bar.display = False
        self.table.focus()
        self.update(*self._all)

    def action_hparams(self) -> None:
        """h: the hyper-parameter view of the marked runs, else of the highlighted search or
        folder, else of every run shown."""
        if self.insight is None:
            return
        table = self.table
        group = table.highlighted_group()
        paths = list(table.marked)
        if len(paths) < 2 and group is not None:
            paths = [p for p, s in table.snaps.items() if s.group == group]
        if len(paths) < 2:
            paths = list(table.snaps)
        self.app.push_screen(HParamsScreen(self.insight.rows(paths)))

    def action_note(self) -> None:
        """n: the highlighted run's note and tags."""
        snap = self.table.highlighted_run()
        if snap is not None:
            self.app.push_screen(NoteEditor(snap.path), lambda saved: self._noted(snap, saved))

    def _noted(self, snap: RunSnap, saved) -> None:
        if saved is not None and self.insight is not None:
            self.insight.reread(snap.path)
            self.table.rebuild()
            self.update(*self._all)

    def action_follow(self) -> None:
        snap = self.table.highlighted_run()
        if snap is not None:
            self.post_message(self.Follow(snap.path))
