"""The hyper-parameter view: the chosen metric against each hyper-parameter that varies between
the runs given (a search's trials, or the marked runs), one small plot each
(engine/insight/hparams.py
lays them out: a log axis where values span decades, categories for text and switches).
Two plots a row from 60 columns up, one below; readable at 80×24. `m` cycles the metric."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from linclf.engine.insight import hparams
from linclf.engine.insight.runrows import RunRow

TWO_COLUMNS = 60  # terminal columns from which two plots sit side by side
PANEL_ROWS = 10


class ParamPlot(PlotextPlot):
    """One panel: each run a point (metric against the parameter's value)."""

    def __init__(self, panel: hparams.Panel, metric: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.panel = panel
        self.metric = metric

    def on_mount(self) -> None:
        panel, plt = self.panel, self.plt
        scale = 100.0 if self.metric in hparams.FRACTIONS else 1.0
        plt.clear_data()
        plt.clear_figure()
        plt.scatter(list(panel.xs), [y * scale for y in panel.ys], marker="•", color="cyan")
        plt.xticks(list(panel.ticks), list(panel.labels))
        if panel.scale == hparams.CATEGORY and len(panel.ticks) == 1:
            plt.xlim(-1, 1)
        axis = {hparams.LOG: " (log)", hparams.CATEGORY: ""}.get(panel.scale, "")
        plt.title(f"{panel.name}{axis}")


class HParamsView(Vertical, can_focus=True):
    """Small multiples of a metric against every varying hyper-parameter."""

    BINDINGS = [Binding("m", "next_metric", "Metric")]
    DEFAULT_CSS = f"""
    HParamsView {{ height: 1fr; }}
    HParamsView > #hparams-title {{ height: 1; }}
    HParamsView > VerticalScroll {{ height: 1fr; }}
    HParamsView Grid {{ grid-size: 2; grid-rows: {PANEL_ROWS}; height: auto; }}
    HParamsView Grid.narrow {{ grid-size: 1; }}
    HParamsView ParamPlot {{ height: {PANEL_ROWS}; }}
    """

    metric: reactive[str] = reactive("best_val_acc", init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[RunRow] = []
        self.panels: list[hparams.Panel] = []

    def compose(self) -> ComposeResult:
        yield Static(id="hparams-title")
        with VerticalScroll():
            yield Grid(id="hparams-grid")

    def show(self, rows: Sequence[RunRow]) -> None:
        """Draw the panels for these runs (a search's trials, the marked runs)."""
        self.rows = list(rows)
        self._redraw()

    def action_next_metric(self) -> None:
        metrics = hparams.METRICS
        self.metric = metrics[(metrics.index(self.metric) + 1) % len(metrics)]

    def watch_metric(self) -> None:
        self._redraw()

    def on_resize(self) -> None:
        self.query_one(Grid).set_class(self.size.width < TWO_COLUMNS, "narrow")

    def title_text(self) -> Text:
        scored = sum(_scored(r, self.metric) for r in self.rows)
        if not self.panels:
            why = "no runs" if not self.rows else "no hyper-parameter varies between them"
            return Text(f"{self.metric}: {why} · m: metric", style="dim")
        count = len(self.panels)
        return Text(
            f"{self.metric} against {count} varying hyper-parameter{'s' if count > 1 else ''} · "
            f"{scored} of {len(self.rows)} runs · m: metric"
        )

    def _redraw(self) -> None:
        self.panels = hparams.panels(self.rows, self.metric)
        grid = self.query_one(Grid)
        grid.remove_children()
        grid.mount_all(ParamPlot(panel, self.metric) for panel in self.panels)
        self.query_one("#hparams-title", Static).update(self.title_text())


def _scored(row: RunRow, metric: str) -> bool:
    value = row.cells.get(metric)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


class HParamsScreen(ModalScreen[None]):
    """The hyper-parameter view over the whole screen (escape, h or q closes it)."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("h", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]
    DEFAULT_CSS = "HParamsScreen { background: $surface; }"

    def __init__(self, rows: Sequence[RunRow]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        yield HParamsView(id="hparams")
        yield Static(Text("escape closes · m: next metric", style="dim"))

    def on_mount(self) -> None:
        view = self.query_one(HParamsView)
        view.show(self.rows)
        view.focus()
