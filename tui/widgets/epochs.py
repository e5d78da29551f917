"""The epoch table, in the formatter's columns (engine/format.py)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from linclf.engine import format as fmt
from linclf.engine.records import EpochStats


class EpochTable(DataTable):
    """One row per epoch. The newest row stays in view (also after a resize) unless the user
    has moved up to read older rows; End (or moving back to the last row) follows again,
    Home goes to the first epoch."""

    BINDINGS = [
        Binding("end", "scroll_bottom", "Newest epoch", show=False),
        Binding("home", "scroll_top", "First epoch", show=False),
    ]

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns(*fmt.EPOCH_HEADERS)

    @property
    def following(self) -> bool:
        return self.cursor_row >= self.row_count - 1

    def show(self, history: tuple[EpochStats, ...] | list[EpochStats]) -> None:
        self.clear()
        self.extend(history)

    def extend(self, rows) -> None:
        following = self.following
        for stats in rows:
            self.add_row(*(Text(cell, justify="right") for cell in fmt.epoch_cells(stats)))
        if rows and following:
            self.move_cursor(row=self.row_count - 1, animate=False)
            self.call_after_refresh(self.scroll_end, animate=False)

    def on_resize(self) -> None:
        if self.row_count and self.following:
            self.call_after_refresh(self.scroll_end, animate=False)
