"""What the app's background threads do: train a run (the engine's epoch loop, the run
folder written live, exactly as `linclf train` does) and run the gradient check. They talk
to the app only by posting messages (tui/messages.py); the epochs of the app's own run reach
the screen through its folder, read by the watcher (tui/watch.py) like any other run's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual.message import Message
from textual.worker import Worker

from linclf.engine import archive
from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.errors import LinclfError, MissingData
from linclf.engine.train import Training
from linclf.tui.messages import (
    CheckFailed,
    CheckFinished,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
)


class DataCache:
    """The splits of the last configuration, kept for the next run (one data set in memory,
    not one per setting)."""

    def __init__(self, data_dir: Path | None):
        self.data_dir = data_dir
        self._cached: dict[tuple, object] = {}

    def load(self, config: TrainConfig):
        from linclf.engine.data import DTYPES, load_splits

        folder = archive.locate(self.data_dir)
        key = (str(folder.resolve()), config.split, config.n_val, config.dtype)
        if key not in self._cached:
            self._cached.clear()
            self._cached[key] = load_splits(
                folder, config.split, config.n_val, DTYPES[config.dtype]
            )
        return self._cached[key]


class OwnRun:
    """The app's own run from the press of s until it is saved: stop() acts on it at every
    stage, also while its data is still loading (it then never starts)."""

    def __init__(self) -> None:
        from linclf.engine.blas import set_blas_threads

        # The run trains in a worker thread, where numpy's OpenBLAS ignores a thread count:
        # set it here, as the app is made in the main thread (engine/blas.py).
        set_blas_threads(1)
        self._lock = threading.Lock()
        self.training: Training | None = None
        self.stop_reason: str | None = None
        self.plots = True
        # Clear from the moment a run folder may open until the run is saved.
        self.saved = threading.Event()
        self.saved.set()

    def attach(self, training: Training) -> bool:
        """Hand the run's Training over; False when a stop came first (the lock orders the
        two: a run either sees the stop and opens no folder, or is stopped and waited for)."""
        with self._lock:
            self.training = training
            if self.stop_reason is None:
                self.saved.clear()
            return self.stop_reason is None

    def stop(self, reason: str, plots: bool = True) -> threading.Event:
        """Stop the run at its next mini-batch; the returned event is set once it is saved."""
        with self._lock:
            self.stop_reason = reason
            self.plots = self.plots and plots
            if self.training is not None:
                self.training.stop(reason)
            return self.saved


def train(
    post: Callable[[Message], object],
    worker: Worker,
    data: DataCache,
    config: TrainConfig,
    out: Path,
    run: OwnRun,
) -> None:
    """Load, train and record one run, unless run is stopped before training begins."""
    try:
        _train(post, worker, data, config, out, run)
    finally:
        run.saved.set()


def _train(
    post: Callable[[Message], object],
    worker: Worker,
    data: DataCache,
    config: TrainConfig,
    out: Path,
    run: OwnRun,
) -> None:
    from linclf.engine.runs import RunRecorder

    try:
        splits = data.load(config)
        training = Training(splits, config)
        if worker.is_cancelled or not run.attach(training):
            post(RunCancelled(run.stop_reason or st.INTERRUPTED))
            return
        with RunRecorder(out, config, splits.mean, splits.std) as recorder:
            post(RunStarted(config, recorder.dir))
            for stats in training:
                recorder.epoch(stats, training.stats_net)
                if worker.is_cancelled:
                    training.stop(st.INTERRUPTED)
            summary = recorder.finish(
                training.status,
                training.net,
                splits.test,
                plots=run.plots,
                test_scores=training.test_scores,
            )
        post(RunFinished(summary))
    except (LinclfError, OSError) as err:
        post(RunFailed(str(err)))
    except Exception as err:  # noqa: BLE001 - the app must never die with a traceback
        post(RunFailed(f"unexpected error: {type(err).__name__}: {err}"))


def gradient_check(post: Callable[[Message], object], data_dir: Path | None) -> None:
    """The cases of `linclf check`, on the first training images (or synthetic inputs)."""
    from linclf.engine import gradcheck
    from linclf.engine.data import training_sample

    try:
        n = max(case.n for case in gradcheck.DEFAULT_CASES)
        try:
            X, y = training_sample(archive.locate(data_dir), n)
            source = f"first {n} training images"
        except MissingData:
            X, y = gradcheck.synthetic_inputs(n=n)
            source = "synthetic (no CIFAR-10 found)"
        post(CheckFinished(gradcheck.run_checks(X, y), source))
    except Exception as err:  # noqa: BLE001 - shown in the panel instead of a traceback
        post(CheckFailed(f"check failed: {type(err).__name__}: {err}"))
