"""The ten class templates of W, drawn with truecolor half blocks (two pixels per cell)."""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from linclf.engine.data import CLASS_NAMES

CELL_WIDTH = 34  # 32 pixels and a gap


def _rgb(pixel: np.ndarray) -> str:
    r, g, b = (int(round(255 * c)) for c in pixel)
    return f"rgb({r},{g},{b})"


class TemplatesView(Widget):
    """Spec figure 4 in the terminal; as many templates per row as the width allows."""

    DEFAULT_CSS = "TemplatesView { height: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.images: np.ndarray | None = None

    def show(self, W: np.ndarray) -> None:
        from linclf.engine.model import class_templates

        self.images = class_templates(W)
        self.refresh(layout=True)

    def _per_row(self) -> int:
        return max(1, (self.size.width or 80) // CELL_WIDTH)

    def get_content_height(self, container, viewport, width: int) -> int:
        if self.images is None:
            return 1
        rows = -(-len(self.images) // max(1, width // CELL_WIDTH))
        return rows * 18

    def render(self) -> Text:
        if self.images is None:
            return Text("Class templates appear when a run finishes.", style="dim")
        text = Text()
        per_row = self._per_row()
        for first in range(0, len(self.images), per_row):
            group = range(first, min(first + per_row, len(self.images)))
            for k in group:
                text.append(f"{CLASS_NAMES[k]:^32.32}  ", style="bold")
            text.append("\n")
            for y in range(0, 32, 2):
                for k in group:
                    image = self.images[k]
                    for x in range(32):
                        top, bottom = _rgb(image[y, x]), _rgb(image[y + 1, x])
                        text.append("▀", Style.parse(f"{top} on {bottom}"))
                    text.append("  ")
                text.append("\n")
            text.append("\n")
        return text
