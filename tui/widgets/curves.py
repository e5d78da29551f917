"""plotext curves of one or more runs: loss, cost or accuracy per epoch."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from linclf.engine.records import EpochStats

METRICS = ("loss", "cost", "acc")
TITLES = {"loss": "loss", "cost": "cost", "acc": "accuracy (%)"}
# Compared runs differ in colour and in marker, so they stay apart without colour too.
COLOURS = ("cyan", "orange", "green", "magenta", "yellow", "red", "blue", "white")
RICH_COLOURS = dict(zip(COLOURS, COLOURS)) | {"orange": "dark_orange"}  # the same in rich
MARKERS = ("•", "+", "x", "*", "o", "#", "%", "@")
MAX_POINTS = 500
LIMIT = 1e12  # values beyond this would squash every other curve flat (and upset plotext)
REDRAW_SECONDS = 0.5  # a fast run replots at most this often: each build costs milliseconds


@dataclass(frozen=True)
class Series:
    label: str
    history: tuple[EpochStats, ...]


def epoch_ticks(last: int, most: int = 8) -> list[int]:
    """Whole-number epoch ticks from 1 to last, at most `most` of them."""
    step = max(1, math.ceil(last / most))
    ticks = list(range(1, last + 1, step))
    return ticks if ticks[-1] == last or len(ticks) < most else [*ticks[:-1], last]


def thinned(history: tuple[EpochStats, ...]) -> tuple[EpochStats, ...]:
    """At most about MAX_POINTS epochs, evenly spread, the last one kept: a terminal shows no
    more, and plotext's cost grows with the points (a key must answer within 200 ms)."""
    step = math.ceil(len(history) / MAX_POINTS)
    return history if step <= 1 else history[::-1][::step][::-1]


def plottable(value) -> bool:
    return value is not None and math.isfinite(value) and abs(value) <= LIMIT


class Curves(PlotextPlot):
    """Training and validation curves; `metric` cycles loss → cost → accuracy. One run shows
    train and val; several show each run's val curve, labelled by the config that differs."""

    metric: reactive[str] = reactive("loss")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.series: list[Series] = []
        self.skipped = 0  # values not drawn (NaN, inf, or beyond LIMIT)
        self._drawn = 0.0
        self._pending = False
        self._built: tuple | None = None  # (what it was built from, the built plot)

    def show(self, series: list[tuple[str, tuple[EpochStats, ...]]]) -> None:
        """series: (label, history) per run; redrawn at most every REDRAW_SECONDS."""
        self.series = [Series(label, thinned(tuple(history))) for label, history in series]
        wait = self._drawn + REDRAW_SECONDS - time.monotonic()
        if wait <= 0:
            self.replot()
        elif not self._pending:
            self._pending = True
            self.set_timer(wait, self.replot, name="replot")

    def next_metric(self) -> None:
        self.metric = METRICS[(METRICS.index(self.metric) + 1) % len(METRICS)]

    def watch_metric(self) -> None:
        self.replot()

    def point_count(self) -> int:
        return sum(len(s.history) for s in self.series)

    def replot(self) -> None:
        self._drawn, self._pending = time.monotonic(), False
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("epoch")
        scale = 100.0 if self.metric == "acc" else 1.0
        self.skipped, last = 0, 0
        sides = ("train", "val") if len(self.series) == 1 else ("val",)
        for k, series in enumerate(self.series):
            for j, side in enumerate(sides):
                points = [(s.epoch, getattr(s, f"{side}_{self.metric}")) for s in series.history]
                good = [(e, v * scale) for e, v in points if e is not None and plottable(v)]
                self.skipped += len(points) - len(good)
                if not good:
                    continue
                last = max(last, max(e for e, _ in good))
                style = k + j
                plt.plot(
                    [e for e, _ in good],
                    [v for _, v in good],
                    label=f"{series.label} {side}".strip(),
                    marker=MARKERS[style % len(MARKERS)],
                    color=COLOURS[style % len(COLOURS)],
                )
        if last:
            plt.xticks(epoch_ticks(last))
        # plotext drops a title wider than the plot: the note replaces the key hint (the
        # footer shows the key too).
        note = f" · {self.skipped} NaN/inf/huge values not drawn" if self.skipped else ""
        plt.title(f"{TITLES[self.metric]} per epoch{note or '  (a: loss / cost / accuracy)'}")
        self.refresh()

    def render(self):
        # A layout pass of the screen renders every widget again: the plot is built (tens of
        # milliseconds) only when its data, metric, size or theme changed since the last build.
        key = (self._drawn, self.metric, self.size, self.app.theme)
        if self._built is not None and self._built[0] == key:
            return self._built[1]
        try:
            built = super().render()
        except Exception as err:  # noqa: BLE001 - a plot that cannot be built is a note, not a crash
            built = Text(f"curves cannot be drawn: {type(err).__name__}", style="dim")
        self._built = (key, built)
        return built
