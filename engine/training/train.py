"""Mini-batch gradient descent (eqs. 8–9): the one epoch loop every door observes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import NamedTuple

import numpy as np

from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.data.splits import PixelSplit, Split, Splits
from linclf.engine.records import EpochStats, TestScores
from linclf.engine.training.augment import shift_indices
from linclf.engine.training.model import (
    compute_accuracy,
    compute_cost,
    descend,
    init_network,
    loss_from_scores,
    probabilities,
    score_buffer,
    scores,
)

# Images per product when a whole split is scored: OpenBLAS packs a cache-sized 3072×128
# operand far better than a 3072×10 000 one (52 instead of 68 ms per 10 000 images at one
# thread here, 64 to 512 all alike). The float64 bits do not change (see model.scores).
SCORE_CHUNK = 128


def split_scores(split: Split | PixelSplit, net: dict) -> np.ndarray:
    """Eq. (1) for every image of a split, block by block: in float64 the bits of
    scores(split.X, net)."""
    out = score_buffer(net["W"].shape[0], split.n, net["W"].dtype)
    for start, X in split.chunks(SCORE_CHUNK):
        scores(X, net, out=out[:, start : start + X.shape[1]])
    return out


def evaluate(
    net: dict, split: Split | PixelSplit, lam: float, head: str
) -> tuple[float, float, float]:
    """Loss, cost (eq. 5) and accuracy (eq. 4) of net on a whole split."""
    with np.errstate(all="ignore"):
        S = split_scores(split, net)
        loss = loss_from_scores(S, split.y, head)
        return loss, compute_cost(loss, net, lam), compute_accuracy(S, split.y)


def score_test(net: dict, split: Split | PixelSplit, head: str) -> TestScores:
    """One pass of the model over the test set (accuracy from the scores, as in evaluate)."""
    with np.errstate(all="ignore"):
        S = split_scores(split, net)
        correct = np.argmax(S, axis=0) == split.y
        loss = loss_from_scores(S, split.y, head)
        p_true = probabilities(S, head, out=S)[split.y, np.arange(split.n)]
        return TestScores(loss, float(correct.mean()), p_true, correct)


Figures = tuple[float, float, float]  # loss, cost, accuracy of a split


class _Trained(NamedTuple):
    """An epoch trained, its evaluation under way in the helper thread."""

    epoch: int
    eta: float
    seconds: float  # spent training it
    after: dict  # the parameters it ended with (a copy)
    before: dict  # the parameters it started from (a copy)
    # (train, val) figures of `after`, from Training._evaluate
    evaluation: Future[tuple[Figures, Figures]]


class _Workspace(NamedTuple):
    """Buffers and augmentation indices of a run, made once and reused by every epoch."""

    batch: np.ndarray  # n_batch × d: the mini-batch, gathered sample-major
    grad_W: np.ndarray  # K × d: the gradient of W
    flip: bool  # flip drawn images horizontally
    shifts: np.ndarray | None  # column gathers, one per translation (with shifts)
    padded: np.ndarray | None  # n_batch × (d + 1): the mini-batch with a zero column


class Training:
    """One run of mini-batch GD. Iterate it to train: it yields one EpochStats per epoch.

    Randomness comes from default_rng(config.seed), drawn in the spec's order: W, then b,
    then one permutation per epoch (and per mini-batch, with flips, the flip coins, then,
    with shifts, the translations).
    `stop(reason)` may be called from another thread; the run then ends between mini-batches
    and `status` becomes the reason (see engine/status.py). When the run ends, `net` holds the
    parameters after the last recorded epoch (while it runs, `net` is up to one epoch ahead of
    the stats yielded so far; `stats_net` is the copy the latest stats describe). A diverged
    epoch (see records.DIVERGED_LOSS) is recorded, ends the run, and `net` keeps the epoch
    before it. `test_scores`: the test set (data.test, when loaded) scored with the final
    `net` while the last epoch was evaluated, for the run's record (engine/training/recording.py);
    None if not loaded or the run diverged.
    """

    def __init__(self, data: Splits, config: TrainConfig, init_net: dict | None = None):
        config.validate(data.train.n)
        self.data = data
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        K, d = data.train.Y.shape[0], data.train.X.shape[0]
        dtype = data.train.X.dtype
        if init_net is None:
            init_net = init_network(self.rng, K, d, dtype)
        self.init_net = init_net
        self.net = {key: value.astype(dtype, copy=True) for key, value in init_net.items()}
        self.stats_net = self.net
        self.history: list[EpochStats] = []
        self.test_scores: TestScores | None = None
        self.status = st.PENDING  # → running → completed | diverged | the reason of a stop
        self._stop_reason = st.STOPPED
        self._stop_requested = False
        self._stop_after_epoch = False

    def stop(self, reason: str = st.STOPPED, finish_epoch: bool = False) -> None:
        """End the run at the next mini-batch (the unfinished epoch is dropped), or, with
        finish_epoch, once the current epoch is done. reason becomes the run's status unless
        every epoch had already trained (stopped or interrupted)."""
        self._stop_reason = reason
        if finish_epoch:
            self._stop_after_epoch = True
        else:
            self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested or self._stop_after_epoch

    def __iter__(self) -> Iterator[EpochStats]:
        """Train epoch after epoch. The end-of-epoch evaluation (loss, cost and accuracy on the
        whole training and validation sets, memory-bound) runs in a helper thread on a copy of
        the parameters while the next epoch trains; BLAS uses one thread (set once for the
        process where it starts, see engine/training/blas.py), so each of the two cores has one job
        (about 90 instead of 114 ms per spec epoch here). Stats therefore arrive one epoch's
        training later; their numbers are the same. While the last epoch is evaluated, this
        thread scores the test set (see test_scores)."""
        from concurrent.futures import ThreadPoolExecutor

        cfg = self.config
        self.status = st.RUNNING
        with ThreadPoolExecutor(1, thread_name_prefix="linclf-evaluate") as evaluator:
            pending: _Trained | None = None  # the last trained epoch, its evaluation under way
            before = self._copy()  # parameters before the epoch being trained
            workspace = self._workspace()
            for epoch in range(len(self.history) + 1, cfg.n_epochs + 1):
                if self.stop_requested:
                    break
                started = time.perf_counter()
                eta = cfg.eta_at(epoch)
                self._train_epoch(eta, workspace)
                if self._stop_requested:  # mid-epoch: drop the unfinished epoch
                    self._restore(before)
                    break
                trained = time.perf_counter() - started
                after = self._copy()
                if pending is not None:
                    stats = self._collect(pending)
                    yield stats
                    if stats.diverged:
                        return
                pending = _Trained(
                    epoch, eta, trained, after, before, evaluator.submit(self._evaluate, after)
                )
                before = after
            if pending is not None:
                if self.data.test is not None:  # pending's parameters are the final ones
                    self.test_scores = score_test(pending.after, self.data.test, cfg.head)
                yield self._collect(pending)
        if self.status == st.RUNNING:
            self.status = st.COMPLETED if len(self.history) == cfg.n_epochs else self._stop_reason

    def _workspace(self) -> _Workspace:
        """Buffers and augmentation indices, made once per run and reused by every epoch."""
        cfg, W = self.config, self.net["W"]
        d = W.shape[1]
        return _Workspace(
            batch=np.empty((cfg.n_batch, d), dtype=W.dtype),
            grad_W=np.empty_like(W),
            flip=cfg.flip,
            shifts=shift_indices(cfg.shift) if cfg.shift else None,
            padded=np.zeros((cfg.n_batch, d + 1), dtype=W.dtype) if cfg.shift else None,
        )

    def _train_epoch(self, eta: float, workspace: _Workspace) -> None:
        """One pass of mini-batch GD over the (shuffled, augmented) training set."""
        cfg, rows, labels = self.config, self.data.train.X.T, self.data.train.y
        n, d = rows.shape  # sample-major view: a mini-batch is a gather of rows
        flip, shifts, padded = workspace.flip, workspace.shifts, workspace.padded
        order = self.rng.permutation(n) if cfg.shuffle else np.arange(n)
        with np.errstate(all="ignore"):
            for start in range(0, n, cfg.n_batch):
                if self._stop_requested:
                    return
                idx = order[start : start + cfg.n_batch]
                # mode="clip": with the default mode numpy buffers `out` (2.5x slower)
                Xb = np.take(rows, idx, axis=0, out=workspace.batch[: idx.size], mode="clip")
                if flip:
                    flipped = np.flatnonzero(self.rng.random(idx.size) < 0.5)
                    # Each image's pixel rows (3 planes × 32 rows of 32), reversed: the same
                    # values as the column permutation augment.flip_indices, in a twentieth
                    # of the time of a fancy-indexed gather (0.3 against 5.9 ms a batch here).
                    lines = Xb.reshape(idx.size, -1, 32)
                    lines[flipped] = lines[flipped, :, ::-1]
                if shifts is not None and padded is not None:
                    chosen = self.rng.integers(0, len(shifts), size=idx.size)
                    source = padded[: idx.size]
                    source[:, :d] = Xb
                    for k in np.unique(chosen):  # one column gather per translation
                        moved = chosen == k
                        Xb[moved] = source[moved][:, shifts[k]]
                descend(Xb.T, labels[idx], self.net, eta, cfg.lam, cfg.head, workspace.grad_W)

    def _evaluate(self, net: dict) -> tuple[Figures, Figures]:
        cfg = self.config
        return (
            evaluate(net, self.data.train, cfg.lam, cfg.head),
            evaluate(net, self.data.val, cfg.lam, cfg.head),
        )

    def _collect(self, pending: _Trained) -> EpochStats:
        """Wait for an epoch's evaluation and record it; a diverged epoch ends the run with
        the parameters from before it."""
        waited = time.perf_counter()
        train, val = pending.evaluation.result()
        seconds = pending.seconds + time.perf_counter() - waited
        stats = EpochStats(pending.epoch, *train, *val, seconds, pending.eta)
        self.history.append(stats)
        self.stats_net = pending.after
        if stats.diverged:
            self._restore(pending.before)
            self.stats_net = pending.before
            self.test_scores = None  # scored with the parameters just dropped
            self.status = st.DIVERGED
        return stats

    def _copy(self) -> dict:
        return {key: value.copy() for key, value in self.net.items()}

    def _restore(self, saved: dict) -> None:
        for key, value in saved.items():
            self.net[key][...] = value

    def run(self) -> list[EpochStats]:
        """Train to the end (or until stopped) and return the history."""
        for _ in self:
            pass
        return self.history
