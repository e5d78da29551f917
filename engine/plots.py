"""PNG figures of a run: curves, class templates, histograms. matplotlib's object-oriented
API only (no pyplot): no global state, safe from any thread."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from linclf.engine.config import TrainConfig
from linclf.engine.data import CLASS_NAMES
from linclf.engine.files import atomic_write
from linclf.engine.model import class_templates


def save_figure(fig: Figure, path: Path) -> None:
    """Save as PNG, atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    atomic_write(path, buffer.getvalue())


def _curve_panel(ax, history, kind: str, title: str) -> None:
    """Training (green) and validation (red) `kind` per epoch on one axis."""
    epochs = [s.epoch for s in history]
    ax.plot(
        epochs, [getattr(s, f"train_{kind}") for s in history], color="tab:green", label="training"
    )
    ax.plot(
        epochs, [getattr(s, f"val_{kind}") for s in history], color="tab:red", label="validation"
    )
    ax.set_xlabel("epoch")
    ax.set_ylabel(kind)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()


def curves_figure(history, title: str = "") -> Figure:
    """Spec figure 3: loss and cost per epoch, training and validation."""
    fig = Figure(figsize=(10, 4))
    for ax, kind in zip(fig.subplots(1, 2), ("loss", "cost")):
        _curve_panel(ax, history, kind, f"{kind} {title}".strip())
    return fig


def side_by_side_curves(series, kind: str = "loss") -> Figure:
    """One panel per (title, history): training and validation `kind` per epoch."""
    fig = Figure(figsize=(5 * len(series), 4))
    axes = fig.subplots(1, len(series), sharey=True)
    for ax, (title, history) in zip(np.atleast_1d(axes), series):
        _curve_panel(ax, history, kind, title)
    return fig


def templates_figure(W: np.ndarray) -> Figure:
    fig = Figure(figsize=(1.4 * W.shape[0], 1.8))
    for ax, image, name in zip(fig.subplots(1, W.shape[0]), class_templates(W), CLASS_NAMES):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(name, fontsize=8)
        ax.axis("off")
    return fig


def histogram_figure(p_true: np.ndarray, correct: np.ndarray, head: str) -> Figure:
    """Exercise 2.2: ground-truth-class probability, correctly vs incorrectly classified."""
    fig = Figure(figsize=(10, 3.6))
    axes = fig.subplots(1, 2, sharex=True)
    bins = np.linspace(0, 1, 41)
    for ax, mask, label, color in (
        (axes[0], correct, "correctly", "tab:blue"),
        (axes[1], ~correct, "incorrectly", "tab:orange"),
    ):
        ax.hist(p_true[mask], bins=bins, color=color)
        ax.set_title(f"{head}: {label} classified ({int(mask.sum())})")
        ax.set_xlabel("probability of the true class")
        ax.set_ylabel("test images")
    return fig


def save_run_plots(run_dir: Path, config: TrainConfig, history, W: np.ndarray, test) -> None:
    """curves.png, templates.png and, when the test set was scored (test: TestScores),
    histograms.png."""
    title = f"({config.head}, eta={config.eta:g}, lam={config.lam:g})"
    save_figure(curves_figure(history, title), run_dir / "curves.png")
    save_figure(templates_figure(W), run_dir / "templates.png")
    if test is not None:
        save_figure(
            histogram_figure(test.p_true, test.correct, config.head), run_dir / "histograms.png"
        )
