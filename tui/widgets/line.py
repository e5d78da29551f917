"""One line of text that repaints only when its text changes, and never asks for a new layout
(its height is fixed): the status lines of a live view are set on every poll, and a layout
pass repaints the whole screen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Line(Static):
    DEFAULT_CSS = "Line { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }"

    def __init__(self, text: str | Text = "", **kwargs) -> None:
        super().__init__(Text(text) if isinstance(text, str) else text, **kwargs)
        self.text = Text(text) if isinstance(text, str) else text

    def show(self, text: str | Text) -> None:
        """Plain strings are shown as they are (a "[" in a path is not markup)."""
        text = Text(text) if isinstance(text, str) else text
        if text != self.text:
            self.text = text
            self.update(text, layout=False)
