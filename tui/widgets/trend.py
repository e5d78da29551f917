"""Curves that can be read: one metric of one or more runs with EMA smoothing (the raw curve
kept faint under the smoothed one), a log y axis, and x by epoch or by update step; the
setting is written on the plot. Keys: e cycles smoothing off → low → high, y toggles log y,
u toggles epochs / update steps, v cycles the metric. export_png() writes what is shown as a
PNG through the engine's plots (engine/insight/curveplot.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from linclf.engine.insight import curveplot
from linclf.engine.insight import smoothing as sm
from linclf.engine.insight.export import Run
from linclf.engine.text import printable
from linclf.tui.curveaxes import LEVELS, log_ticks
from linclf.tui.widgets.curves import COLOURS, LIMIT, MARKERS


class TrendPlot(PlotextPlot, can_focus=True):
    BINDINGS = [
        Binding("e", "next_smoothing", "Smooth"),
        Binding("y", "toggle_log_y", "Log y"),
        Binding("u", "toggle_x", "x: epoch/step"),
        Binding("v", "next_metric", "Metric"),
    ]

    metric: reactive[str] = reactive("val_loss", init=False)
    level: reactive[str] = reactive("off", init=False)
    log_y: reactive[bool] = reactive(False, init=False)
    x_by: reactive[str] = reactive("epoch", init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.runs: list[Run] = []
        self.drawn_x = "epoch"  # x_by, unless a run's steps per epoch cannot be told

    def show(self, runs: Sequence[Run]) -> None:
        """runs: (label, config as read, history) each."""
        self.runs = list(runs)
        self.replot()

    def action_next_smoothing(self) -> None:
        self.level = LEVELS[(LEVELS.index(self.level) + 1) % len(LEVELS)]

    def action_toggle_log_y(self) -> None:
        self.log_y = not self.log_y

    def action_toggle_x(self) -> None:
        self.x_by = "step" if self.x_by == "epoch" else "epoch"

    def action_next_metric(self) -> None:
        metrics = curveplot.METRICS
        self.metric = metrics[(metrics.index(self.metric) + 1) % len(metrics)]

    def watch_metric(self) -> None:
        self.replot()

    watch_level = watch_log_y = watch_x_by = watch_metric

    def setting(self) -> str:
        """What the plot shows, as its title says it."""
        text = curveplot.setting(self.metric, self.level, self.log_y, self.drawn_x)
        return text if self.drawn_x == self.x_by else f"{text} (steps unknown)"

    def _points(self, config, history) -> tuple[list, list]:
        xs = sm.x_values([s.epoch for s in history], config, self.drawn_x) or []
        pairs = [
            (x, y)
            for x, y in zip(xs, (getattr(s, self.metric) for s in history))
            if x is not None
            and y is not None
            and math.isfinite(y)
            and abs(y) <= LIMIT
            and (y > 0 or not self.log_y)
        ]
        return [x for x, _ in pairs], [y for _, y in pairs]

    def _y(self, ys: list) -> list:
        """On a log axis the values are drawn as their log10 on a linear one, labelled with
        the values themselves (plotext's own log scale takes the log again at each build)."""
        return [math.log10(y) for y in ys] if self.log_y else ys

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        unknown = any(sm.steps_per_epoch(config) is None for _, config, _ in self.runs)
        self.drawn_x = "epoch" if self.x_by == "step" and unknown else self.x_by
        weight = sm.LEVELS[self.level]
        most = max(200, 2 * self.size.width)
        low, high = math.inf, -math.inf
        for index, (label, config, history) in enumerate(self.runs):
            xs, ys = self._points(config, history)
            if not xs:
                continue
            colour, marker = COLOURS[index % len(COLOURS)], MARKERS[index % len(MARKERS)]
            if weight:
                raw_x, raw_y = sm.downsample(xs, ys, most)
                plt.plot(raw_x, self._y(raw_y), color="gray", marker="⋅")
                ys = sm.ema(ys, weight)
            xs, ys = sm.downsample(xs, ys, most)
            plt.plot(xs, self._y(ys), color=colour, marker=marker, label=printable(label)[-30:])
            finite = [y for y in ys if y is not None and math.isfinite(y)]
            low, high = min(low, *finite), max(high, *finite)
        if self.log_y and low <= high:
            ticks = log_ticks(low, high)
            plt.yticks([math.log10(t) for t in ticks], [f"{t:.3g}" for t in ticks])
        plt.xlabel("update step" if self.drawn_x == "step" else "epoch")
        plt.title(self.setting())
        self.refresh()

    def render(self):
        try:
            return super().render()
        except Exception as err:  # noqa: BLE001 - a plot that cannot be built is a note
            return Text(f"curves cannot be drawn: {type(err).__name__}", style="dim")

    def export_png(self, path: Path) -> Path:
        """The curves as shown, with their setting, as a PNG at path."""
        return curveplot.curves_png(
            self.runs, path, self.metric, self.level, self.log_y, self.drawn_x
        )
