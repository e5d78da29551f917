"""What the curve widgets share to make a curve readable: the x of each point (epoch or update
step), EMA smoothing with the raw points kept for a faint curve, and a log y axis drawn as log10
on a linear one with the values themselves as labels (plotext's own log scale takes the log
again at each build)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from linclf.engine.insight import smoothing as sm

LEVELS = tuple(sm.LEVELS)


def log_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Ticks between two positive values, at most `most`: 1-2-5 steps where they fit, else
    1-5, else every decade (or every few); the two ends when none fall in."""
    decades = range(math.floor(math.log10(low)), math.floor(math.log10(high)) + 1)
    ticks: list[float] = []
    for mantissas in ((1.0,), (1.0, 5.0), (1.0, 2.0, 5.0)):
        found = [m * 10.0**k for k in decades for m in mantissas if low <= m * 10.0**k <= high]
        if len(found) > most:
            break
        ticks = found
    if not ticks and len(decades) > most:
        step = math.ceil(len(decades) / most)
        ticks = [10.0**k for k in decades[::step] if low <= 10.0**k <= high]
    return ticks if len(ticks) >= 2 else [low, high]


def drawn_x(x_by: str, configs: Sequence[Mapping]) -> str:
    """x_by, unless some run's steps per epoch cannot be told from its config: then epochs."""
    if x_by == "step" and any(sm.steps_per_epoch(c) is None for c in configs):
        return "epoch"
    return x_by


def points(
    good: Sequence[tuple[int, float]], config: Mapping, x_by: str, level: str, log_y: bool
) -> tuple[list, list, list]:
    """(x, raw y, shown y) of a curve's finite points: x by epoch or step, y as log10 on a
    log axis (values ≤ 0 dropped there), shown y smoothed at `level` (raw when off)."""
    kept = [(e, v) for e, v in good if v > 0 or not log_y]
    xs = sm.x_values([e for e, _ in kept], config, x_by) or [e for e, _ in kept]
    raw = [v for _, v in kept]
    shown = [y for y in sm.ema(raw, sm.LEVELS[level]) if y is not None]
    if log_y:
        raw, shown = [math.log10(y) for y in raw], [math.log10(y) for y in shown]
    return xs, raw, shown


def log_axis(low: float, high: float) -> tuple[list[float], list[str]]:
    """y ticks (as log10) and their labels for log10 values from low to high."""
    ticks = log_ticks(10.0**low, 10.0**high)
    return [math.log10(t) for t in ticks], [f"{t:.3g}" for t in ticks]


def setting(level: str, log_y: bool) -> str:
    """How a plot is drawn, short enough for its title at 80 columns ("EMA high · log y")."""
    smooth = "raw" if sm.LEVELS[level] == 0 else f"EMA {level}"
    return f"{smooth} · log y" if log_y else smooth
