"""What the app's background threads do: train a run (the engine's epoch loop, the run
folder written live, exactly as `linclf train` does) and run the gradient check. They talk
to the app only by posting messages (tui/messages.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.message import Message
from textual.worker import Worker

from linclf.engine import archive
from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.errors import LinclfError, MissingData
from linclf.engine.train import EpochStats, Training
from linclf.tui.messages import (
    CheckFailed,
    CheckFinished,
    EpochsDone,
    RunFailed,
    RunFinished,
    RunStarted,
)

# Epoch updates reach the UI at most every POST_INTERVAL seconds (faster runs arrive in
# batches): each one redraws the table and the plot, work the training thread waits for.
POST_INTERVAL = 0.5


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


def train(
    post: Callable[[Message], object],
    worker: Worker,
    data: DataCache,
    config: TrainConfig,
    out: Path,
    started: Callable[[Training], bool],
) -> None:
    """Load, train and record one run. started(training) hands the Training to the app
    (which may stop it) and says whether to go on."""
    from linclf.engine.runs import RunRecorder

    try:
        splits = data.load(config)
        training = Training(splits, config)
        if worker.is_cancelled or not started(training):
            return
        with RunRecorder(out, config, splits.mean, splits.std) as recorder:
            post(RunStarted(config, recorder.dir))
            pending: list[EpochStats] = []
            last_post = 0.0
            for stats in training:
                recorder.epoch(stats, training.stats_net)
                pending.append(stats)
                if worker.is_cancelled:
                    training.stop(st.INTERRUPTED)
                now = time.monotonic()
                if now - last_post >= POST_INTERVAL:
                    post(EpochsDone(pending))
                    pending, last_post = [], now
            if pending:
                post(EpochsDone(pending))
            summary = recorder.finish(
                training.status, training.net, splits.test, test_scores=training.test_scores
            )
        post(RunFinished(summary, training.net["W"].copy()))
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
