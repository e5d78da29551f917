"""Run history: this session's runs and earlier run folders; overlay their curves."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from linclf.engine import format as fmt
from linclf.engine.runread import list_runs, load_run, number
from linclf.tui.widgets.curves import Curves
from linclf.tui.widgets.epochs import EpochTable


class RunsPanel(Vertical):
    """Highlight a run to see its table and curves; space marks runs to overlay."""

    BINDINGS = [("space", "toggle_mark", "Overlay")]

    def __init__(self, out: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.out = out
        self.runs: dict[str, dict] = {}
        self.marked: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("Runs in outputs/ (enter: show · space: overlay)", id="runs-help")
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield EpochTable(id="run-epochs")
        yield Curves(id="run-curves")

    def on_mount(self) -> None:
        self.query_one("#runs-table", DataTable).add_columns(
            "", "run", "status", "epochs", "test acc"
        )
        self.reload()

    def reload(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        table.clear()
        self.runs = {}
        for folder in list_runs(self.out):
            run = load_run(folder)  # never raises: what is missing shows as a marker
            key = str(folder)
            self.runs[key] = run
            table.add_row(
                "*" if key in self.marked else "",
                Text(folder.name),
                Text(str(run.get("status", "?"))[:20]),
                str(len(run["history"])),
                fmt.percent(number(run.get("test_acc"))),
                key=key,
            )
        self.marked = [key for key in self.marked if key in self.runs]

    def _highlighted(self) -> str | None:
        table = self.query_one("#runs-table", DataTable)
        if not self.runs or table.cursor_row < 0:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    def _show(self) -> None:
        key = self._highlighted()
        if key is None:
            return
        self.query_one("#run-epochs", EpochTable).show(self.runs[key]["history"])
        keys = [key] + [k for k in self.marked if k != key]
        series = [
            (Path(k).name[-24:] if len(keys) > 1 else "", self.runs[k]["history"]) for k in keys
        ]
        self.query_one("#run-curves", Curves).show(series)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "runs-table":
            self._show()

    def action_toggle_mark(self) -> None:
        key = self._highlighted()
        if key is None:
            return
        if key in self.marked:
            self.marked.remove(key)
        else:
            self.marked.append(key)
        table = self.query_one("#runs-table", DataTable)
        table.update_cell(key, table.ordered_columns[0].key, "*" if key in self.marked else "")
        self._show()
