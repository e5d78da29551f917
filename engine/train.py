"""Mini-batch gradient descent (eqs. 8–9): the one epoch loop every door observes."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields

import numpy as np
from linclf.engine.data import DTYPES, SPLITS, Split, Splits, flip_indices, shift_indices
from linclf.engine.model import (
    HEADS,
    backward_pass,
    compute_accuracy,
    compute_cost,
    init_network,
    loss_from_scores,
    probabilities,
    scores,
)

MAX_EPOCHS = 100_000
MAX_ETA = 1e6
MAX_LAM = 1e6
# A run has diverged when its cost is NaN or inf, or above this: the cost starts near
# log(10) = 2.3; the spec's worst setting (eta 0.1) peaks near 10, eta 10 near 700, while
# eta 1000 with lam 0 reaches 1e4 to 1e5 and stays finite (softmax is shift-invariant, so
# without λ the scores grow without ever overflowing).
DIVERGED_COST = 1e3


class ConfigError(ValueError):
    """A hyper-parameter that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. Defaults: the spec's first experiment."""

    lam: float = 0.0
    eta: float = 0.001
    n_batch: int = 100
    n_epochs: int = 40
    seed: int = 42
    head: str = "softmax"
    dtype: str = "float64"
    shuffle: bool = True
    flip: bool = False
    shift: int = 0  # translate each drawn image by up to this many pixels (0: off)
    decay_factor: float = 0.1
    decay_every: int = 0  # epochs between eta decays; 0 keeps eta constant
    split: str = "spec"
    n_val: int = 1000

    def problems(self, n_train: int | None = None) -> dict[str, str]:
        """Field name → why its value cannot be used (empty when all is well)."""
        found = {}

        def number(name, low, high, low_open=False):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                found[name] = f"{name} must be a number, got {value!r}"
            elif not math.isfinite(value):
                found[name] = f"{name} must be finite, got {value}"
            elif value < low or (low_open and value == low) or value > high:
                bracket = "(" if low_open else "["
                found[name] = f"{name} must lie in {bracket}{low:g}, {high:g}], got {value:g}"

        def integer(name, low, high):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                found[name] = f"{name} must be a whole number, got {value!r}"
            elif not low <= value <= high:
                found[name] = f"{name} must lie in {low}..{high}, got {value}"

        number("eta", 0.0, MAX_ETA, low_open=True)
        number("lam", 0.0, MAX_LAM)
        integer("n_batch", 1, n_train if n_train is not None else 10**7)
        integer("n_epochs", 1, MAX_EPOCHS)
        integer("seed", 0, 2**63 - 1)
        number("decay_factor", 0.0, 1.0, low_open=True)
        integer("decay_every", 0, MAX_EPOCHS)
        integer("n_val", 1, 49_999)
        integer("shift", 0, 8)
        if n_train is not None and "n_batch" in found:
            found["n_batch"] += f" (the training set has {n_train} images)"
        for name, allowed in (("head", HEADS), ("dtype", tuple(DTYPES)), ("split", SPLITS)):
            if getattr(self, name) not in allowed:
                found[name] = (
                    f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}"
                )
        return found

    def validate(self, n_train: int | None = None) -> None:
        found = self.problems(n_train)
        if found:
            raise ConfigError("; ".join(found.values()))

    def eta_at(self, epoch: int) -> float:
        """Step decay: eta × decay_factor every decay_every epochs (epochs count from 1)."""
        if not self.decay_every:
            return self.eta
        return self.eta * self.decay_factor ** ((epoch - 1) // self.decay_every)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


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
        return not all(
            math.isfinite(cost) and cost <= DIVERGED_COST
            for cost in (self.train_cost, self.val_cost)
        )


def evaluate(net: dict, split: Split, lam: float, head: str) -> tuple[float, float, float]:
    """Loss, cost (eq. 5) and accuracy (eq. 4) of net on a whole split."""
    with np.errstate(all="ignore"):
        S = scores(split.X, net)
        loss = loss_from_scores(S, split.y, head)
        return loss, compute_cost(loss, net, lam), compute_accuracy(S, split.y)


class Training:
    """One run of mini-batch GD. Iterate it to train: it yields one EpochStats per epoch.

    Randomness comes from default_rng(config.seed), drawn in the spec's order: W, then b,
    then one permutation per epoch (and per mini-batch, with flips, the flip coins, then,
    with shifts, the translations).
    `stop()` may be called from another thread; the run then ends between mini-batches. When
    the run ends, `net` holds the parameters after the last recorded epoch (while it runs,
    `net` is up to one epoch ahead of the stats yielded so far). A diverged epoch (see
    DIVERGED_COST) is recorded, ends the run, and `net` keeps the epoch before it.
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
        self.history: list[EpochStats] = []
        self.status = "pending"  # → running → completed | stopped | diverged
        self._stop_requested = False
        self._stop_after_epoch = False

    def stop(self, finish_epoch: bool = False) -> None:
        """End the run at the next mini-batch (the unfinished epoch is dropped), or, with
        finish_epoch, once the current epoch is done."""
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
        the parameters while the next epoch trains; BLAS uses one thread meanwhile, so each
        of the two cores has one job (about 90 instead of 114 ms per spec epoch here). Stats
        therefore arrive one epoch's training later; their numbers are the same."""
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        cfg = self.config
        self.status = "running"
        with (
            ThreadPoolExecutor(1, thread_name_prefix="linclf-evaluate") as evaluator,
            threadpool_limits(1),
        ):
            pending = None  # the last trained epoch, its evaluation under way
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
                pending = (
                    epoch,
                    eta,
                    trained,
                    after,
                    before,
                    evaluator.submit(self._evaluate, after),
                )
                before = after
            if pending is not None:
                yield self._collect(pending)
        if self.status == "running":
            self.status = "completed" if len(self.history) == cfg.n_epochs else "stopped"

    def _workspace(self) -> tuple:
        """Buffers and augmentation indices, made once per run and reused by every epoch."""
        cfg, rows, label_rows = self.config, self.data.train.X.T, self.data.train.Y.T
        d = rows.shape[1]
        return (
            np.empty((cfg.n_batch, d), dtype=rows.dtype),
            np.empty((cfg.n_batch, label_rows.shape[1]), dtype=label_rows.dtype),
            flip_indices() if cfg.flip else None,
            shift_indices(cfg.shift) if cfg.shift else None,
            np.zeros((cfg.n_batch, d + 1), dtype=rows.dtype) if cfg.shift else None,
        )

    def _train_epoch(self, eta: float, workspace: tuple) -> None:
        """One pass of mini-batch GD over the (shuffled, augmented) training set."""
        cfg, rows, label_rows = self.config, self.data.train.X.T, self.data.train.Y.T
        n, d = rows.shape  # sample-major views: a mini-batch is a gather of rows
        batch_buf, label_buf, flip, shifts, padded = workspace
        W, b = self.net["W"], self.net["b"]
        order = self.rng.permutation(n) if cfg.shuffle else np.arange(n)
        with np.errstate(all="ignore"):
            for start in range(0, n, cfg.n_batch):
                if self._stop_requested:
                    return
                idx = order[start : start + cfg.n_batch]
                # mode="clip": with the default mode numpy buffers `out` (2.5x slower)
                Xb = np.take(rows, idx, axis=0, out=batch_buf[: idx.size], mode="clip")
                if flip is not None:
                    flipped = self.rng.random(idx.size) < 0.5
                    Xb[flipped] = Xb[flipped][:, flip]
                if shifts is not None:
                    chosen = self.rng.integers(0, len(shifts), size=idx.size)
                    source = padded[: idx.size]
                    source[:, :d] = Xb
                    for k in np.unique(chosen):  # one column gather per translation
                        moved = chosen == k
                        Xb[moved] = source[moved][:, shifts[k]]
                Yb = np.take(label_rows, idx, axis=0, out=label_buf[: idx.size], mode="clip")
                P = probabilities(scores(Xb.T, self.net), cfg.head)
                grads = backward_pass(Xb.T, Yb.T, P, self.net, cfg.lam, cfg.head)
                W -= eta * grads["W"]
                b -= eta * grads["b"]

    def _evaluate(self, net: dict) -> tuple[tuple, tuple]:
        cfg = self.config
        return (
            evaluate(net, self.data.train, cfg.lam, cfg.head),
            evaluate(net, self.data.val, cfg.lam, cfg.head),
        )

    def _collect(self, pending) -> EpochStats:
        """Wait for an epoch's evaluation and record it; a diverged epoch ends the run with
        the parameters from before it."""
        epoch, eta, trained, after, before, future = pending
        waited = time.perf_counter()
        train, val = future.result()
        seconds = trained + time.perf_counter() - waited
        stats = EpochStats(epoch, *train, *val, seconds, eta)
        self.history.append(stats)
        if stats.diverged:
            self._restore(before)
            self.status = "diverged"
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

    def test_accuracy(self) -> float:
        return evaluate(self.net, self.data.test, self.config.lam, self.config.head)[2]
