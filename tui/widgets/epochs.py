"""The live epoch table and the progress line above it."""

from __future__ import annotations

from linclf.engine.train import EpochStats
from textual.widgets import DataTable, Static

COLUMNS = ("epoch", "train loss", "val loss", "train cost", "val cost", "train acc", "val acc", "s")


def epoch_cells(stats: EpochStats) -> tuple[str, ...]:
    return (
        str(stats.epoch),
        *(f"{v:.4f}" for v in (stats.train_loss, stats.val_loss, stats.train_cost, stats.val_cost)),
        f"{stats.train_acc:.2%}",
        f"{stats.val_acc:.2%}",
        f"{stats.seconds:.2f}",
    )


class EpochTable(DataTable):
    """One row per epoch; the newest row stays in view."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns(*COLUMNS)

    def show(self, history: list[EpochStats]) -> None:
        self.clear()
        self.extend(history)

    def extend(self, rows: list[EpochStats]) -> None:
        for stats in rows:
            self.add_row(*epoch_cells(stats), key=str(stats.epoch))
        if rows:
            self.move_cursor(row=self.row_count - 1)


def format_clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class RunStatus(Static):
    """Elapsed time and ETA from the epochs' own durations (so they replay identically)."""

    def show_progress(self, history: list[EpochStats], n_epochs: int) -> None:
        elapsed = sum(s.seconds for s in history)
        done = len(history)
        eta = elapsed / done * (n_epochs - done) if done else 0.0
        self.update(
            f"epoch {done}/{n_epochs} · elapsed {format_clock(elapsed)} · "
            f"ETA {format_clock(eta) if done else '--:--'}"
        )
