"""The curves a view shows, as a PNG: one metric of several runs, smoothed or not (the raw
curve kept faint under the smoothed one), on a linear or log y axis, by epoch or by update
step, with the setting written on the figure. Written with engine/training/plots.py's save_figure;
matplotlib is imported only here, when a figure is made."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from linclf.engine.insight import smoothing as sm
from linclf.engine.insight.export import Run
from linclf.engine.text import printable
from linclf.engine.training.plots import save_figure

MAX_POINTS = 4000  # per curve: a longer history is downsampled, keeping its extremes
METRICS = ("train_loss", "val_loss", "train_cost", "val_cost", "train_acc", "val_acc")


def setting(metric: str, level: str, log_y: bool, x_by: str) -> str:
    """The view's setting in words, as the figure (and a view) shows it."""
    smooth = "raw" if sm.LEVELS[level] == 0 else f"EMA {sm.LEVELS[level]:g} ({level}), raw faint"
    return f"{metric} · {smooth} · {'log' if log_y else 'linear'} y · x by {x_by}"


def _points(config, history, metric: str, x_by: str, log_y: bool):
    xs = sm.x_values([s.epoch for s in history], config, x_by)
    ys = [getattr(s, metric) for s in history]
    pairs = [
        (x, y)
        for x, y in zip(xs or [], ys)
        if x is not None and y is not None and math.isfinite(y) and (y > 0 or not log_y)
    ]
    return [x for x, _ in pairs], [y for _, y in pairs]


def curves_png(
    runs: Sequence[Run],
    path: Path,
    metric: str = "val_loss",
    level: str = "off",
    log_y: bool = False,
    x_by: str = "epoch",
) -> Path:
    """Draw `metric` of each run and write the PNG to path. x_by "step" falls back to epochs
    (and says so) when a run's steps per epoch cannot be told from its config."""
    from matplotlib.figure import Figure

    if metric not in METRICS or level not in sm.LEVELS or x_by not in ("epoch", "step"):
        raise ValueError(f"cannot draw {metric!r} with smoothing {level!r} by {x_by!r}")
    if x_by == "step" and any(sm.steps_per_epoch(config) is None for _, config, _ in runs):
        x_by = "epoch"
    fig = Figure(figsize=(9, 4.5))
    fig.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.12)
    ax = fig.subplots()
    weight = sm.LEVELS[level]
    for index, (name, config, history) in enumerate(runs):
        xs, ys = _points(config, history, metric, x_by, log_y)
        if not xs:
            continue
        color = f"C{index % 10}"
        label = printable(name)[-40:].replace("$", r"\$")  # "$…$" is mathtext
        if weight:
            raw_x, raw_y = sm.downsample(xs, ys, MAX_POINTS)
            ax.plot(raw_x, raw_y, color=color, alpha=0.25, linewidth=1)
            xs, ys = sm.downsample(xs, sm.ema(ys, weight), MAX_POINTS)
        else:
            xs, ys = sm.downsample(xs, ys, MAX_POINTS)
        ax.plot(xs, ys, color=color, linewidth=1.6, label=label)
    if log_y:
        from matplotlib.ticker import LogFormatter

        ax.set_yscale("log")
        # Plain numbers (0.5, not 5×10⁻¹); minor ticks labelled only over a short range.
        ax.yaxis.set_major_formatter(LogFormatter())
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    ax.set_xlabel("update step" if x_by == "step" else "epoch")
    ax.set_ylabel(metric)
    ax.set_title(setting(metric, level, log_y, x_by), fontsize=10)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    save_figure(fig, path)
    return path
