"""What a run produces, as plain records: the figures of one epoch and the test set scored
once. Below both the trainer (engine/training/train.py), which makes them, and the run store
(engine/store/runs.py, engine/store/runread.py), which writes and reads them."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named: a reader of run folders (linclf runs) need not import numpy
    import numpy as np

# A run has diverged when a loss or cost is NaN or inf, or when the loss (the data term of
# eq. 5, without λ‖W‖²) is above this. The loss starts near log(10) = 2.3 (softmax) or log 2
# (sigmoid) whatever λ is; on the spec's data the spec's worst setting (η 0.1) peaks near 8,
# η 1 near 80, while η 10 starts at about 500 and η 100 near 1e4 (softmax; without λ the
# scores grow without ever overflowing, since softmax is shift-invariant). A loss of 100
# means the true class gets probability e^-100 on average: the scores have run away. The
# cost is no judge: λ 400 starts it near 1239 (400‖W‖² of the initial W) and it falls.
DIVERGED_LOSS = 1e2


@dataclass(frozen=True)
class EpochStats:
    epoch: int
    train_loss: float
    train_cost: float
    train_acc: float
    val_loss: float
    val_cost: float
    val_acc: float
    seconds: float
    eta: float

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def diverged(self) -> bool:
        """NaN or inf in a loss or cost, or a loss above DIVERGED_LOSS."""
        figures = (self.train_loss, self.val_loss, self.train_cost, self.val_cost)
        if not all(math.isfinite(figure) for figure in figures):
            return True
        return max(self.train_loss, self.val_loss) > DIVERGED_LOSS


@dataclass(frozen=True)
class TestScores:
    """The test set scored once per run: the figures of run.json and of the histograms."""

    loss: float
    acc: float
    p_true: np.ndarray  # probability of the true class, per test image
    correct: np.ndarray  # whether each test image was classified right
