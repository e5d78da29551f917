"""The report's figures, drawn at the PDF's text width (document.TEXT_WIDTH_IN) so that their
fonts print at the sizes set here (8-9.5 pt). matplotlib's object-oriented API only (no pyplot,
no global rcParams): every size is passed explicitly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from linclf.engine.data.splits import CLASS_NAMES
from linclf.engine.records import EpochStats
from linclf.engine.report.document import TEXT_WIDTH_IN
from linclf.engine.training.model import class_templates

TITLE, LABEL, TICK, LEGEND = 9.5, 9, 8, 8
TRAIN, VALIDATION = "tab:green", "tab:red"


def _figure(height: float) -> Figure:
    return Figure(figsize=(TEXT_WIDTH_IN, height), layout="constrained")


def _axes(ax, title: str, ylabel: str, xlabel: str = "epoch") -> None:
    ax.set_title(title, fontsize=TITLE)
    ax.set_xlabel(xlabel, fontsize=LABEL)
    ax.set_ylabel(ylabel, fontsize=LABEL)
    ax.tick_params(labelsize=TICK)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _epochs(history: Sequence[EpochStats]) -> list[int]:
    return [s.epoch for s in history]


def loss_and_cost(
    runs: Sequence[tuple[str, Sequence[EpochStats], bool]], share: Sequence[int] = ()
) -> Figure:
    """Spec figure 3 for each (title, history, has λ): training (green) and validation (red)
    loss as solid lines, the cost as dashed ones when λ > 0 (for λ = 0 they coincide). Two
    panels a row (one panel alone: full width); the panels whose indices are in share get one
    y-range, from epoch 2 on (the first epoch's cost would set the scale), the others their own."""
    columns = 1 if len(runs) == 1 else 2
    rows = (len(runs) + 1) // 2
    fig = _figure(1.95 * rows)
    axes = list(np.atleast_1d(fig.subplots(rows, columns)).flat)
    shared = [
        value
        for index in share
        for s in runs[index][1][1:]
        for value in (s.train_loss, s.val_loss, s.train_cost, s.val_cost)
    ]
    for index, (ax, (title, history, has_lam)) in enumerate(zip(axes, runs)):
        if index in share and shared:
            low, high = min(shared), max(shared)
            ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
        epochs = _epochs(history)
        for split, colour in (("train", TRAIN), ("val", VALIDATION)):
            ax.plot(epochs, [getattr(s, f"{split}_loss") for s in history], color=colour)
            if has_lam:
                costs = [getattr(s, f"{split}_cost") for s in history]
                ax.plot(epochs, costs, color=colour, linestyle="--")
        _axes(ax, title, "loss, cost" if has_lam else "loss = cost")
    styles: tuple[tuple[str, Literal["-", "--"]], ...] = (("loss", "-"), ("cost", "--"))
    handles = [
        Line2D([], [], color=colour, linestyle=style, label=f"{name} {kind}")
        for kind, style in styles
        for name, colour in (("training", TRAIN), ("validation", VALIDATION))
    ]
    fig.legend(handles=handles, loc="outside upper center", ncols=4, frameon=False, fontsize=LEGEND)
    return fig


def templates(rows: Sequence[tuple[str, np.ndarray]]) -> Figure:
    """Spec figure 4: one row of ten class templates per (label, W), class names on top and
    each row's label on its left, so the settings compare column by column. One mosaic image
    on one axes: forty small axes would take seconds to lay out."""
    gap, size = 3, 32
    step = size + gap
    mosaic = np.ones((len(rows) * step - gap, len(CLASS_NAMES) * step - gap, 3))
    for r, (_, W) in enumerate(rows):
        for c, image in enumerate(class_templates(W)):
            mosaic[r * step : r * step + size, c * step : c * step + size] = image
    fig = _figure(0.62 * len(rows) + 0.3)
    ax = fig.subplots()
    ax.imshow(mosaic, interpolation="nearest")
    centres = [i * step + size / 2 - 0.5 for i in range(max(len(rows), len(CLASS_NAMES)))]
    ax.set_xticks(centres[: len(CLASS_NAMES)], CLASS_NAMES, fontsize=LEGEND)
    ax.set_yticks(centres[: len(rows)], [label for label, _ in rows], fontsize=LEGEND)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return fig


def validation_accuracy(series: Sequence[tuple[str, Sequence[EpochStats], str]]) -> Figure:
    """Validation accuracy per epoch for each (label, history, colour): how far a run's
    number depends on the epoch it stops at."""
    fig = _figure(2.3)
    ax = fig.subplots()
    for label, history, colour in series:
        ax.plot(
            _epochs(history),
            [100 * s.val_acc for s in history],
            color=colour,
            label=label,
            linewidth=1.2,
        )
    _axes(ax, "", "validation accuracy (%)")
    fig.legend(loc="outside upper center", ncols=len(series), frameon=False, fontsize=LEGEND)
    return fig


def gap_against_training(
    series: Sequence[tuple[str, Sequence[Sequence[float]], Sequence[Sequence[float]]]],
    losses: Sequence[tuple[str, Sequence[EpochStats]]],
) -> Figure:
    """Exercise 2.2. Left, each (title, history) of losses: training solid, validation dashed,
    each on its own y-axis (twin axes: the heads' losses differ by about K). Right, each
    (label, train_acc per seed, val_acc per seed): the mean accuracy gap against the mean
    training accuracy, one point per epoch, all on shared axes."""
    fig = _figure(2.3)
    left, right = fig.subplots(1, 2)
    colours = ("tab:blue", "tab:orange")
    axes = [left, left.twinx()]
    lines = []
    for ax, (title, history), colour in zip(axes, losses, colours):
        epochs = _epochs(history)
        lines += ax.plot(epochs, [s.train_loss for s in history], color=colour, label=title)
        ax.plot(epochs, [s.val_loss for s in history], color=colour, linestyle="--")
        ax.tick_params(labelsize=TICK, colors=colour, axis="y")
    _axes(left, "loss (solid: training, dashed: validation)", "")
    # Each twin axis knows only its own lines: one legend for both heads.
    left.legend(handles=lines, fontsize=LEGEND - 1, frameon=False, loc="upper right")
    palette = ("tab:blue", "tab:cyan", "tab:orange", "tab:red", "tab:brown", "tab:purple")
    for (label, train, val), colour in zip(series, palette):
        mean_train = np.mean(np.asarray(train), axis=0)
        gap = mean_train - np.mean(np.asarray(val), axis=0)
        right.plot(100 * mean_train, 100 * gap, marker=".", markersize=3, color=colour, label=label)
    _axes(
        right, "accuracy gap at equal fit", "train − val accuracy (points)", "training accuracy (%)"
    )
    right.xaxis.set_major_locator(MaxNLocator(6))
    right.legend(fontsize=LEGEND - 1, frameon=False)
    return fig


def true_class_densities(
    heads: Sequence[tuple[str, Sequence[tuple[np.ndarray, np.ndarray]]]],
) -> Figure:
    """Exercise 2.2: for each (label, [(p_true, correct) on training, on test]), the density of
    the probability of the true class, correctly and incorrectly classified images in two
    columns, training and test in two rows, both heads in each panel; shared axes."""
    fig = _figure(2.9)
    axes = fig.subplots(2, 2, sharex=True, sharey=True)
    bins = np.linspace(0, 1, 26)
    for row, split in enumerate(("training", "test")):
        for column, (title, wanted) in enumerate((("correctly", True), ("incorrectly", False))):
            ax = axes[row][column]
            for (label, splits), colour in zip(heads, ("tab:blue", "tab:orange")):
                p_true, correct = splits[row]
                ax.hist(
                    p_true[correct == wanted],
                    bins=bins,
                    density=True,
                    histtype="step",
                    linewidth=1.6,
                    color=colour,
                    label=label if row == column == 0 else None,
                )
            _axes(
                ax,
                f"{split}, {title} classified",
                "density" if column == 0 else "",
                "probability of the true class" if row == 1 else "",
            )
            ax.xaxis.set_major_locator(MaxNLocator(6))
    fig.legend(loc="outside upper center", ncols=len(heads), frameon=False, fontsize=LEGEND)
    return fig
