"""plotext curves of one or more runs: loss, cost or accuracy per epoch. The y labels are
round numbers at even steps on evenly spaced rows; the key to the curves is never drawn over
the plot's rows (a short key in the title, or `legend()` for a line beside the plot)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from linclf.engine.records import EpochStats
from linclf.tui import curveaxes as ax

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
    config: Mapping = field(default_factory=dict, compare=False)  # for x by update step


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


NICE = (1.0, 2.0, 2.5, 5.0)
FRAME_ROWS = 5  # title, top and bottom of the frame, the x tick labels, the x label


def nice_ticks(low: float, high: float, rows: int) -> tuple[list[float], float, int]:
    """Round y ticks for data in [low, high] on a plot `rows` rows high: (the ticks from the
    bottom row up, the top of the axis, rows between ticks). A tick every `every` rows and the
    axis's top chosen to match put every label on a row of its own, evenly spaced, at most 6."""
    rows = max(2, rows)
    fewest = max(1, math.ceil((rows - 1) / 5))
    # Of the spacings that give 3 to 6 labels, the one whose axis hugs the data most.
    options = [
        _axis(low, high, rows, every) for every in range(fewest, max(fewest, (rows - 1) // 2) + 1)
    ]
    return min(options, key=lambda option: option[1] - option[0][0])


def _axis(low: float, high: float, rows: int, every: int) -> tuple[list[float], float, int]:
    spans = (rows - 1) / every  # steps of the axis, bottom row to top row
    raw = (high - low) / spans or max(abs(low), 1.0) * 0.01
    exponent = math.floor(math.log10(raw))
    while True:
        for factor in NICE:
            step = factor * 10.0**exponent
            first = math.floor(low / step + 1e-9)
            if (first + spans) * step >= high - 1e-12:
                count = int(spans) + 1
                ticks = [round((first + k) * step, 12) for k in range(count)]
                return ticks, (first + spans) * step, every
        exponent += 1


def tick_label(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if round(step / 10.0 ** math.floor(math.log10(step) + 1e-9), 6) == 2.5:
        decimals += 1
    return f"{value:.{decimals}f}"


def plottable(value) -> bool:
    return value is not None and math.isfinite(value) and abs(value) <= LIMIT


class Curves(PlotextPlot):
    """Training and validation curves; `metric` cycles loss → cost → accuracy. One run shows
    train and val; several show each run's val curve, labelled by the config that differs."""

    metric: reactive[str] = reactive("loss")
    # How the curves are drawn (the app's keys e, y and u set them on every plot at once).
    level: reactive[str] = reactive("off", init=False)
    log_y: reactive[bool] = reactive(False, init=False)
    x_by: reactive[str] = reactive("epoch", init=False)

    class Drawn(Message):
        """The plot was rebuilt: its legend() may have changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.series: list[Series] = []
        self.skipped = 0  # values not drawn (NaN, inf, or beyond LIMIT)
        self.keys: list[tuple[str, str, str, str | None]] = []  # marker, colour, label, under
        self._range: tuple[float, float] | None = None  # of the values drawn
        self._sized = None  # the size the y ticks and the title were chosen for
        self._drawn = 0.0
        self._pending = False
        self._built: tuple | None = None  # (what it was built from, the built plot)
        self.drawn_x = "epoch"  # x_by, unless a run's steps per epoch cannot be told

    def show(self, series: list[tuple]) -> None:
        """series: (label, history[, config]) per run; redrawn at most every REDRAW_SECONDS."""
        self.series = [Series(s[0], thinned(tuple(s[1])), *s[2:]) for s in series]
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

    watch_level = watch_log_y = watch_x_by = watch_metric

    def point_count(self) -> int:
        return sum(len(s.history) for s in self.series)

    def legend(self) -> Text:
        """The key to the curves, in their markers and colours; a curve drawn exactly under
        an earlier one says which ("hidden under +")."""
        text = Text()
        for marker, colour, label, same_as in self.keys:
            text.append(f"{marker} ", style=f"bold {RICH_COLOURS[colour]}")
            text.append(label)
            if same_as is not None:
                text.append(f" (hidden under {same_as})", style="dim")
            text.append("  ")
        return text

    def replot(self) -> None:
        self._drawn, self._pending = time.monotonic(), False
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        self.drawn_x = ax.drawn_x(self.x_by, [s.config for s in self.series])
        plt.xlabel("update step" if self.drawn_x == "step" else "epoch")
        scale = 100.0 if self.metric == "acc" else 1.0
        self.skipped, last = 0, 0
        self.keys = []
        shapes: list[set] = []  # the points of each curve, in the order drawn
        values: list[float] = []
        sides = ("train", "val") if len(self.series) == 1 else ("val",)
        for k, series in enumerate(self.series):
            for j, side in enumerate(sides):
                points = [(s.epoch, getattr(s, f"{side}_{self.metric}")) for s in series.history]
                good = [(e, v * scale) for e, v in points if e is not None and plottable(v)]
                self.skipped += len(points) - len(good)
                if not good:
                    continue
                xs, raw, ys = ax.points(good, series.config, self.drawn_x, self.level, self.log_y)
                if not xs:
                    continue
                last = max(last, max(e for e, _ in good))
                style = k + j
                marker, colour = MARKERS[style % len(MARKERS)], COLOURS[style % len(COLOURS)]
                if self.level != "off":  # the raw curve stays in view, faint
                    plt.plot(xs, raw, marker="⋅", color="gray")
                # No plotext label: its legend would be drawn over the plot's top rows.
                plt.plot(xs, ys, marker=marker, color=colour)
                values += ys
                shapes.append({(x, float(f"{v:.6g}")) for x, v in zip(xs, ys)})
                label = f"{series.label} {side}".strip() if len(self.series) > 1 else side
                self.keys.append((marker, colour, label, None))
        self._hidden(shapes)
        if last and self.drawn_x == "epoch":
            ticks: list[float] = list(epoch_ticks(last))
            plt.xticks(ticks)
        self._range = (min(values), max(values)) if values else None
        self._sized = None  # the y ticks and the title are chosen for the size when drawn
        self.refresh()
        self.post_message(self.Drawn())

    def _hidden(self, shapes: list[set]) -> None:
        """A curve drawn later covers an earlier one where their points coincide: a curve
        whose every point is covered says by which ("hidden under +")."""
        for k, shape in enumerate(shapes):
            covering = [j for j in range(k + 1, len(shapes)) if shape & shapes[j]]
            if covering and shape <= set().union(*(shapes[j] for j in covering)):
                marker, colour, label, _ = self.keys[k]
                under = " ".join(self.keys[j][0] for j in covering)
                self.keys[k] = (marker, colour, label, under)

    def _y_axis(self, low: float, high: float) -> None:
        rows = self.size.height - FRAME_ROWS
        ticks, top, _ = nice_ticks(low, high, rows)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        self.plt.ylim(ticks[0], top)
        self.plt.yticks(ticks, [tick_label(t, step) for t in ticks])

    def _title(self) -> None:
        """plotext drops a title wider than the plot: the parts that fit, most needed first
        (what is drawn and how, values not drawn, the key of one run's two curves, the key
        hint). How it is drawn is never left out: "per epoch" goes first (the x label says it)."""
        drawn = f" · {ax.setting(self.level, self.log_y)}"
        what = f"{TITLES[self.metric]} per {self.drawn_x}"
        if len(what + drawn) > self.size.width - 8:
            what = TITLES[self.metric]
        parts = [what + drawn]
        if self.skipped:
            parts.append(f" · {self.skipped} NaN/inf/huge values not drawn")
        if len(self.series) == 1:
            parts.append("  " + "  ".join(f"{m} {label}" for m, _, label, _ in self.keys))
        parts.append("  (a: loss / cost / accuracy)")
        title = ""
        for part in parts:
            if len(title + part) <= self.size.width - 8:
                title += part
        self.plt.title(title)

    def render(self):
        # A layout pass of the screen renders every widget again: the plot is built (tens of
        # milliseconds) only when its data, metric, size or theme changed since the last build.
        key = (self._drawn, self.metric, self.size, self.app.theme, self.level, self.log_y)
        if self._built is not None and self._built[0] == key:
            return self._built[1]
        if self._sized != self.size:
            self._sized = self.size
            if self._range is not None and self.log_y:
                self.plt.yticks(*ax.log_axis(*self._range))
            elif self._range is not None:
                self._y_axis(*self._range)
            self._title()
        try:
            built = super().render()
        except Exception as err:  # noqa: BLE001 - a plot that cannot be built is a note, not a crash
            built = Text(f"curves cannot be drawn: {type(err).__name__}", style="dim")
        self._built = (key, built)
        return built
