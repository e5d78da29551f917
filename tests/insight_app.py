"""A tiny app that hosts the insight widgets over a real run store, to try them in a terminal
(tmux, a pty) before the app wires them in:

    python tests/insight_app.py OUT

`/` filters (the expressions of `linclf runs --filter`), `1` the hyper-parameter view (`m`
cycles its metric), `2` the curves of the runs shown (`e` smoothing, `y` log y, `u` x by
step, `v` metric), `p` exports the runs' histories as CSV and the curves as PNG into OUT's
exports/ and shows the paths, `q` quits."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import ContentSwitcher, Static

from linclf.engine.insight import export, runrows
from linclf.engine.insight.runfilter import matches_all
from linclf.engine.store.runread import read_history
from linclf.tui.widgets.filterbar import FilterBar
from linclf.tui.widgets.hparams import HParamsView
from linclf.tui.widgets.trend import TrendPlot


class InsightApp(App):
    CSS = "ContentSwitcher { height: 1fr; } ContentSwitcher > * { height: 1fr; }"
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("1", "show('hparams')", "Hyper-parameters"),
        Binding("2", "show('trend')", "Curves"),
        Binding("p", "export", "Export"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "leave", "Leave the filter", show=False),
    ]

    def __init__(self, out: Path) -> None:
        super().__init__()
        self.out = out
        self.rows = runrows.read_rows(out)

    def compose(self) -> ComposeResult:
        yield FilterBar(runrows.kinds(runrows.columns(self.rows)))
        yield Static(id="status")
        with ContentSwitcher(initial="hparams"):
            yield HParamsView(id="hparams")
            yield TrendPlot(id="trend")

    def on_mount(self) -> None:
        self.apply([])
        self.query_one(HParamsView).focus()

    def shown(self, conditions) -> list[runrows.RunRow]:
        return [row for row in self.rows if matches_all(conditions, row.cells)]

    def apply(self, conditions) -> None:
        rows = self.shown(conditions)
        self.query_one(HParamsView).show(rows)
        runs = [(r.cells["run"], r.cells, read_history(r.path)) for r in rows]
        self.query_one(TrendPlot).show(runs)
        summary = self.query_one(FilterBar).summary()
        self.query_one("#status", Static).update(summary.append(f" · {len(rows)} runs"))

    def on_filter_bar_applied(self, message: FilterBar.Applied) -> None:
        self.apply(message.conditions)
        self.action_leave()

    def action_leave(self) -> None:
        self.query_one(f"#{self.query_one(ContentSwitcher).current}").focus()

    def action_filter(self) -> None:
        self.query_one(FilterBar).focus_input()

    def action_show(self, view: str) -> None:
        self.query_one(ContentSwitcher).current = view
        self.query_one(f"#{view}").focus()

    def action_export(self) -> None:
        plot = self.query_one(TrendPlot)
        folder = self.out / "exports"
        csv = export.write_histories(plot.runs, export.new_path(folder, "runs", ".csv"))
        png = plot.export_png(export.new_path(folder, "curves", ".png"))
        self.query_one("#status", Static).update(f"saved {csv.name} and {png.name} in {folder}")


if __name__ == "__main__":
    InsightApp(Path(sys.argv[1])).run()
