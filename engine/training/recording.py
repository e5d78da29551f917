"""The one train-and-record path: load the splits (cached per process), train (Training),
write the run folder as the epochs come (RunRecorder, which only writes), then, once at the
end, score the test set and draw the plots. `linclf train` and the workers of `search` and
`report` (engine/training/worker.py) train through it; the TUI launches `linclf train`."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from linclf.engine.config import TrainConfig
from linclf.engine.data.splits import Splits
from linclf.engine.errors import RunDirError
from linclf.engine.records import EpochStats, TestScores
from linclf.engine.training.train import Training, score_test

_LOADED: dict[tuple, Splits] = {}


def load_data(data_dir: str | os.PathLike, config: TrainConfig, with_test: bool) -> Splits:
    """The splits config trains on, loaded once per process: one data set is kept, so a
    worker that trains many configurations of the same split reads the files once."""
    from linclf.engine.data.splits import DTYPES, load_splits

    key = (str(data_dir), config.split, config.n_val, config.dtype, with_test, config.whiten)
    if key not in _LOADED:
        _LOADED.clear()
        data = load_splits(
            data_dir, config.split, config.n_val, DTYPES[config.dtype], with_test=with_test
        )
        if config.whiten:
            _whiten(data, config.whiten)
        _LOADED[key] = data
    return _LOADED[key]


def _whiten(data: Splits, eps: float) -> None:
    """Whiten every split of data in place with the training set's partial ZCA whitening."""
    from linclf.engine.data.whiten import whitening
    from linclf.engine.training.augment import flip_indices

    data.whitening = whitening(data.train.X, eps, flip_indices())
    data.whitening.apply(data.train.X)
    data.whitening.apply(data.val.X)
    if data.test is not None:
        data.test.whitening = data.whitening


class Drawer(Protocol):
    """Draws the jobs of plots.run_plots: the plots module itself (in this process) or a
    PlotWorker (engine/training/plot_worker.py, in a process started early)."""

    def draw_all(self, jobs: list) -> None: ...


@dataclass(frozen=True)
class RecordedRun:
    training: Training  # its net, history and status
    summary: dict  # run.json with the history and the folder: `linclf train --json`
    test: TestScores | None  # the test set scored once (None without a test split)
    dir: Path
    model: dict  # W, b of the normalised pixels (whitening folded in): saved, drawn, handed on


def _nothing(_: object) -> None:
    return None


def train_and_record(
    data_dir: str | os.PathLike,
    config: TrainConfig,
    out: str | os.PathLike,
    drawer: Drawer | None,
    with_test: bool = True,
    on_training: Callable[[Training], None] = _nothing,
    on_start: Callable[[Path], None] = _nothing,
    on_epoch: Callable[[EpochStats], None] = _nothing,
) -> RecordedRun:
    """Train config into a new run folder under out and record it: every epoch as it comes
    (on_epoch is told after it is written), then the test set scored once (without with_test
    the test batch is never read), the final weights, history.csv, the plots (with a drawer)
    and run.json's final status. on_training gets the Training before its first epoch (to
    stop it from a signal handler), on_start the run folder once it exists. A run that ends
    by an exception is recorded as failed, or interrupted (RunRecorder)."""
    from linclf.engine.store.runs import RunRecorder

    data = load_data(data_dir, config, with_test)
    training = Training(data, config)
    on_training(training)
    with RunRecorder(out, config, data.mean, data.std) as recorder:
        on_start(recorder.dir)
        for stats in training:
            recorder.epoch(stats, data.pixel_net(training.stats_net))
            on_epoch(stats)
        test = None
        model = data.pixel_net(training.net)
        if training.history:
            if data.test is not None:  # Training scored it with its last epoch, unless diverged
                test = training.test_scores or score_test(training.net, data.test, config.head)
            recorder.save_weights(model)
        recorder.write_history_csv()
        if drawer is not None and training.history:
            _draw(drawer, recorder.dir, config, recorder.history, model["W"], test)
        summary = recorder.end(training.status, test)
    return RecordedRun(training, summary, test, recorder.dir, model)


def _draw(
    drawer: Drawer,
    run_dir: Path,
    config: TrainConfig,
    history: list[EpochStats],
    W: np.ndarray,
    test: TestScores | None,
) -> None:
    from linclf.engine.training import plots

    jobs = plots.run_plots(run_dir, config, history, W, test)
    try:
        drawer.draw_all(jobs)
    except OSError as err:
        raise RunDirError(f"{run_dir}: cannot write a plot ({err.strerror or err})") from None
