"""Rules that flag a run worth a look, each at the epoch where it first holds.

- `nan`: a loss or cost of the epoch is NaN or infinite.
- `diverged`: the loss (the data term, without λ‖W‖²) passed DIVERGED_LOSS (100), the rule by
  which training itself stops a run (engine/train.py).
- `rising`: the validation loss rose PATIENCE (k = 3) epochs in a row. Its epoch is the one
  where early stopping with patience k would have stopped; the text names the epoch of the
  lowest validation loss before it, whose parameters early stopping would have kept.
- `stalled`: the writer still exists but has stopped beating (the reader's judgement, see
  engine/runread.judge); its epoch is the last one recorded.

Each rule reports its first occurrence only. The rules read plain values (EpochStats from the
untrusting reader): a missing figure is skipped, never taken for NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from linclf.engine import status as st
from linclf.engine.records import DIVERGED_LOSS, EpochStats

PATIENCE = 3
NAN, DIVERGED, RISING, STALLED = "nan", "diverged", "rising", "stalled"
FIGURES = ("train_loss", "val_loss", "train_cost", "val_cost")


@dataclass(frozen=True)
class Alert:
    rule: str
    epoch: int | None
    text: str

    @property
    def label(self) -> str:
        """Short form for a cell: rule@epoch."""
        return self.rule if self.epoch is None else f"{self.rule}@{self.epoch}"


def nonfinite(history: Sequence[EpochStats]) -> Alert | None:
    for stats in history:
        bad = [n for n in FIGURES if (v := getattr(stats, n)) is not None and not math.isfinite(v)]
        if bad:
            return Alert(
                NAN, stats.epoch, f"{bad[0]} is {getattr(stats, bad[0])} at epoch {stats.epoch}"
            )
    return None


def diverged(history: Sequence[EpochStats]) -> Alert | None:
    for stats in history:
        for name in ("train_loss", "val_loss"):
            value = getattr(stats, name)
            if value is not None and math.isfinite(value) and value > DIVERGED_LOSS:
                return Alert(
                    DIVERGED,
                    stats.epoch,
                    f"{name} {value:.4g} > {DIVERGED_LOSS:g} at epoch {stats.epoch}",
                )
    return None


def rising(history: Sequence[EpochStats], patience: int = PATIENCE) -> Alert | None:
    """The epoch where the validation loss has risen `patience` epochs in a row."""
    streak, best, best_epoch, previous = 0, math.inf, None, None
    for stats in history:
        value = stats.val_loss
        if value is None or not math.isfinite(value):
            streak, previous = 0, None
            continue
        streak = streak + 1 if previous is not None and value > previous else 0
        previous = value
        if value < best:
            best, best_epoch = value, stats.epoch
        if streak >= patience:
            return Alert(
                RISING,
                stats.epoch,
                f"val loss rose {patience} epochs in a row to epoch {stats.epoch}: early stopping "
                f"(patience {patience}) would stop here and keep epoch {best_epoch}",
            )
    return None


def stalled(state: str, history: Sequence[EpochStats]) -> Alert | None:
    if state != st.STALLED:
        return None
    epoch = history[-1].epoch if history else None
    return Alert(STALLED, epoch, "the writer exists but has stopped beating")


def alerts(history: Sequence[EpochStats], state: str, patience: int = PATIENCE) -> list[Alert]:
    """Every rule that holds for a run, in the order above."""
    found = (
        nonfinite(history),
        diverged(history),
        rising(history, patience),
        stalled(state, history),
    )
    return [alert for alert in found if alert is not None]
