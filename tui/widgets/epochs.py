"""The epoch table and the run's status line, in the formatter's columns (engine/format.py)."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from linclf.engine import format as fmt
from linclf.engine.train import EpochStats


class EpochTable(DataTable):
    """One row per epoch; the newest row stays in view."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns(*fmt.EPOCH_HEADERS)

    def show(self, history: list[EpochStats]) -> None:
        self.clear()
        self.extend(history)

    def extend(self, rows: list[EpochStats]) -> None:
        for stats in rows:
            self.add_row(*fmt.epoch_cells(stats))
        if rows:
            self.move_cursor(row=self.row_count - 1)


class RunStatus(Static):
    """Elapsed time and ETA from the epochs' own durations (so they replay identically)."""

    def show_progress(self, history: list[EpochStats], n_epochs: int) -> None:
        elapsed = sum(s.seconds for s in history)
        done = len(history)
        eta = elapsed / done * (n_epochs - done) if done else None
        self.update(
            f"epoch {done}/{n_epochs} · elapsed {fmt.clock(elapsed)} · ETA {fmt.clock(eta)}"
        )
