"""PNG figures of a run: curves, class templates, histograms. matplotlib's object-oriented
API only (no pyplot): no global state, safe from any thread.

Each figure is drawn once: its margins are fixed to fit its labels (savefig's
bbox_inches="tight" would draw it twice, once to measure and once to write: ~35 % more CPU).
A run's figures are described by run_plots() as plain data, so that they can be drawn here
(draw_all) or in the plot worker process (engine/training/plot_worker.py); matplotlib is
imported only
where a figure is made, so describing them costs a process nothing.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from linclf.engine.config import TrainConfig
from linclf.engine.data.splits import CLASS_NAMES
from linclf.engine.files import atomic_write
from linclf.engine.training.model import class_templates

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 110
# Margins (fractions of the figure) that fit the tick labels, axis labels and titles of the
# 9-inch-wide two-panel figures below.
TWO_PANELS = dict(left=0.085, right=0.99, top=0.92, wspace=0.25)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def save_figure(fig: Figure, path: Path) -> None:
    """Save as PNG, atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    atomic_write(path, buffer.getvalue())


def _curve_panel(ax, history, kind: str, title: str) -> None:
    """Training (green) and validation (red) `kind` per epoch on one axis."""
    from matplotlib.ticker import MaxNLocator

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
    fig = _figure(9, 4)
    fig.subplots_adjust(bottom=0.12, **TWO_PANELS)
    for ax, kind in zip(fig.subplots(1, 2), ("loss", "cost")):
        _curve_panel(ax, history, kind, f"{kind} {title}".strip())
    return fig


def templates_png(W: np.ndarray, scale: int = 4) -> bytes:
    """Spec figure 4 as PNG bytes: each class template (class_templates) enlarged scale times
    (nearest neighbour: one template pixel is a scale×scale block) under its class name, in
    matplotlib's own DejaVu Sans. Drawn with Pillow (which matplotlib itself requires): about
    50 ms here against 0.3 s for the same content as a matplotlib figure."""
    from matplotlib import get_data_path
    from PIL import Image, ImageDraw, ImageFont

    pixels = np.rint(class_templates(W) * 255).astype(np.uint8)  # as imshow maps [0, 1]
    K, side, gap, label = W.shape[0], 32 * scale, 14, 22
    canvas = np.full((gap + label + side + gap, K * side + (K + 1) * gap, 3), 255, np.uint8)
    for k in range(K):
        left = gap + k * (side + gap)
        canvas[gap + label : gap + label + side, left : left + side] = (
            pixels[k].repeat(scale, axis=0).repeat(scale, axis=1)
        )
    image = Image.fromarray(canvas)
    font_path = Path(get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    font = ImageFont.truetype(str(font_path), 13)
    draw = ImageDraw.Draw(image)
    for k, name in enumerate(CLASS_NAMES[:K]):
        centre = gap + k * (side + gap) + side // 2
        draw.text((centre, gap + label - 5), name, fill=(0, 0, 0), font=font, anchor="ms")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def histogram_figure(p_true: np.ndarray, correct: np.ndarray, head: str) -> Figure:
    """Exercise 2.2: ground-truth-class probability, correctly vs incorrectly classified."""
    fig = _figure(9, 3.7)
    fig.subplots_adjust(bottom=0.14, **TWO_PANELS)
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


def run_plots(run_dir: Path, config: TrainConfig, history, W: np.ndarray, test) -> list:
    """The PNGs of a run as (kind, path, data) jobs for draw(): curves.png, templates.png and,
    when the test set was scored (test: TestScores), histograms.png."""
    title = f"({config.head}, eta={config.eta:g}, lam={config.lam:g})"
    jobs = [
        ("curves", run_dir / "curves.png", {"history": list(history), "title": title}),
        ("templates", run_dir / "templates.png", {"W": W}),
    ]
    if test is not None:
        data = {"p_true": test.p_true, "correct": test.correct, "head": config.head}
        jobs.append(("histograms", run_dir / "histograms.png", data))
    return jobs


def draw(kind: str, path: Path, data: dict) -> None:
    """Draw one job of run_plots and write it, atomically."""
    if kind == "templates":
        atomic_write(path, templates_png(data["W"]))
    elif kind == "curves":
        save_figure(curves_figure(data["history"], data["title"]), path)
    else:
        save_figure(histogram_figure(data["p_true"], data["correct"], data["head"]), path)


def draw_all(jobs: list) -> None:
    """Draw the jobs of run_plots one after the other, in this process."""
    for kind, path, data in jobs:
        draw(kind, path, data)


def warm_up() -> None:
    """Load the fonts, the renderer and the PNG writers, as a first figure would."""
    fig = _figure(1, 1)
    fig.text(0.5, 0.5, "0.1 epoch")
    fig.savefig(io.BytesIO(), format="png", dpi=DPI)
    templates_png(np.zeros((1, 3072)))
