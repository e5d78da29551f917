"""The ten class templates of a run's W (spec figure 4) in truecolor half blocks, scaled so
that all ten fit the view with their labels (at 80×24 too)."""

from __future__ import annotations

import math

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from linclf.engine.data.splits import CLASS_NAMES

GAP = 1  # columns between templates
MIN_SIZE = 4  # pixels per side: smaller is no longer a picture


def layout(count: int, width: int, height: int) -> tuple[int, int]:
    """(pixels per side, templates per row) of the largest even size at which count
    templates, each with a label line above it, fit width × height cells (a cell is one pixel
    wide and two tall)."""
    best = (MIN_SIZE, min(count, max(1, width // (MIN_SIZE + GAP))))
    for per_row in range(1, count + 1):
        rows = math.ceil(count / per_row)
        size = min(32, width // per_row - GAP, 2 * (height // rows - 1))
        size -= size % 2
        if size > best[0]:
            best = (size, per_row)
    return best


def resample(image: np.ndarray, size: int) -> np.ndarray:
    """image (32×32×3) averaged down (or repeated up) to size×size×3."""
    edges = np.linspace(0, image.shape[0], size + 1)
    starts = np.minimum(edges[:-1].astype(int), image.shape[0] - 1)
    stops = np.maximum(edges[1:].astype(int), starts + 1)
    rows = np.stack([image[a:b].mean(axis=0) for a, b in zip(starts, stops)])
    return np.stack([rows[:, a:b].mean(axis=1) for a, b in zip(starts, stops)], axis=1)


class TemplatesView(Widget):
    """Templates of the followed run, redrawn whenever its weights.npz is replaced."""

    DEFAULT_CSS = "TemplatesView { height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.images: np.ndarray | None = None
        self.caption = "Class templates appear when a run has weights (saved every few seconds)."
        self._styles: dict[tuple, Style] = {}

    def show(self, W: np.ndarray | None, caption: str) -> None:
        """W of shape (10, 3072) (else the caption says why there is no picture)."""
        from linclf.engine.training.model import class_templates

        self.caption = caption
        self.images = None
        if W is not None:
            W = np.nan_to_num(W.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
            self.images = class_templates(W)
        self.refresh()

    def clear(self, caption: str) -> None:
        self.images, self.caption = None, caption
        self.refresh()

    def _style(self, top: list[int], bottom: list[int]) -> Style:
        key = (*top, *bottom)
        style = self._styles.get(key)
        if style is None:
            if len(self._styles) > 50_000:
                self._styles.clear()
            style = self._styles[key] = Style(
                color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom)
            )
        return style

    def render(self) -> Text:
        text = Text(self.caption + "\n", style="dim", no_wrap=True, overflow="ellipsis")
        if self.images is None:
            return text
        count = len(self.images)
        size, per_row = layout(count, self.size.width or 80, max(1, (self.size.height or 20) - 1))
        pixels = [
            (255 * resample(image, size)).round().astype(int).clip(0, 255).tolist()
            for image in self.images
        ]
        for first in range(0, count, per_row):
            group = range(first, min(first + per_row, count))
            for k in group:
                name = CLASS_NAMES[k] if k < len(CLASS_NAMES) else str(k)
                text.append(f"{name[:size]:^{size}}" + " " * GAP, style="bold")
            text.append("\n")
            for y in range(0, size, 2):
                for k in group:
                    image = pixels[k]
                    for x in range(size):
                        text.append("▀", self._style(image[y][x], image[y + 1][x]))
                    text.append(" " * GAP)
                text.append("\n")
        return text
