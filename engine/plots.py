"""PNG figures of a run (matplotlib, Agg backend): curves, class templates, histograms."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from linclf.engine.data import CLASS_NAMES  # noqa: E402
from linclf.engine.model import probabilities, scores  # noqa: E402
from linclf.engine.runs import atomic_write  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def save_figure(fig, path: Path) -> None:
    """Save as PNG (atomically) and release the figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
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


def curves_figure(history, title: str = ""):
    """Spec figure 3: loss and cost per epoch, training and validation."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, kind in zip(axes, ("loss", "cost")):
        _curve_panel(ax, history, kind, f"{kind} {title}".strip())
    return fig


def side_by_side_curves(series, kind: str = "loss"):
    """One panel per (title, history): training and validation `kind` per epoch."""
    fig, axes = plt.subplots(1, len(series), figsize=(5 * len(series), 4), sharey=True)
    for ax, (title, history) in zip(np.atleast_1d(axes), series):
        _curve_panel(ax, history, kind, title)
    return fig


def class_templates(W: np.ndarray) -> np.ndarray:
    """Each row of W as a 32×32×3 image scaled to [0, 1] (spec figure 4); shape (K, 32, 32, 3)."""
    images = W.reshape(W.shape[0], 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64)
    low = images.min(axis=(1, 2, 3), keepdims=True)
    span = images.max(axis=(1, 2, 3), keepdims=True) - low
    return (images - low) / np.where(span > 0, span, 1)


def templates_figure(W: np.ndarray):
    fig, axes = plt.subplots(1, W.shape[0], figsize=(1.4 * W.shape[0], 1.8))
    for ax, image, name in zip(axes, class_templates(W), CLASS_NAMES):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(name, fontsize=8)
        ax.axis("off")
    return fig


def true_class_probabilities(net: dict, X: np.ndarray, y: np.ndarray, head: str):
    """Probability of the ground-truth class per example, and whether it was classified right."""
    S = scores(X, net)
    P = probabilities(S, head)
    return P[y, np.arange(y.size)], np.argmax(S, axis=0) == y


def histogram_figure(p_true: np.ndarray, correct: np.ndarray, head: str):
    """Exercise 2.2: ground-truth-class probability, correctly vs incorrectly classified."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
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


def save_run_plots(run_dir: Path, training) -> None:
    cfg = training.config
    save_figure(
        curves_figure(training.history, f"({cfg.head}, eta={cfg.eta:g}, lam={cfg.lam:g})"),
        run_dir / "curves.png",
    )
    save_figure(templates_figure(training.net["W"]), run_dir / "templates.png")
    test = training.data.test
    p_true, correct = true_class_probabilities(training.net, test.X, test.y, cfg.head)
    save_figure(histogram_figure(p_true, correct, cfg.head), run_dir / "histograms.png")
