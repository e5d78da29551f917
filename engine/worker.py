"""The one worker entry point of `linclf search` and `linclf report`: train one configuration
in a worker process (local or on a Dask cluster), record it as a run folder that anyone can
watch, and send back plain data: the history, the trained model and, when asked, the test
figures. Module-level functions with plain arguments, so any executor can run them; each
sets the worker's BLAS threads to one (engine/blas.py), so a Dask worker is set as well."""

from __future__ import annotations

import time

from linclf.engine import status as st
from linclf.engine.blas import set_blas_threads
from linclf.engine.config import TrainConfig

_DATA_CACHE: dict = {}


def worker_data(data_dir: str, config: TrainConfig, with_test: bool = False):
    """The splits config trains on, loaded once per worker process (one data set kept)."""
    from linclf.engine.data import DTYPES, load_splits

    key = (data_dir, config.split, config.n_val, config.dtype, with_test)
    if key not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[key] = load_splits(
            data_dir, config.split, config.n_val, DTYPES[config.dtype], with_test=with_test
        )
    return _DATA_CACHE[key]


def train_one(
    config_dict: dict,
    data_dir: str,
    runs_dir: str,
    with_test: bool = False,
) -> dict:
    """Train config_dict into a new run folder under runs_dir.

    Returns {"config", "status", "history" (dicts), "run_dir", "model" (W, b, mean, std),
    "test" (acc, loss, p_true, correct; with with_test), "seconds", "error"}. A run that
    cannot start or fails is a result with status "failed" and the error, not an exception:
    one bad configuration must not end a search. Without with_test the test batch is never
    read (model selection must not see it). One BLAS thread: parallelism comes from running
    several configurations side by side.
    """
    from linclf.engine.runs import RunRecorder
    from linclf.engine.train import Training

    started = time.perf_counter()
    result = {
        "config": config_dict,
        "status": st.FAILED,
        "history": [],
        "run_dir": None,
        "model": None,
        "test": None,
        "error": "",
    }
    try:
        config = TrainConfig.from_dict(config_dict)
        set_blas_threads(1)
        data = worker_data(data_dir, config, with_test)
        training = Training(data, config)
        with RunRecorder(runs_dir, config, data.mean, data.std) as recorder:
            result["run_dir"] = str(recorder.dir)
            for stats in training:
                recorder.epoch(stats, training.stats_net)
            summary = recorder.finish(
                training.status, training.net, data.test, False, training.test_scores
            )
        scores = recorder.test_scores
        if scores is not None:
            result["test"] = {
                "acc": scores.acc,
                "loss": scores.loss,
                "p_true": scores.p_true,
                "correct": scores.correct,
            }
        result.update(
            status=summary["status"],
            history=summary["history"],
            model={**training.net, "mean": data.mean, "std": data.std},
        )
    except Exception as err:  # noqa: BLE001 - a failed run is a result, not a crashed search
        result["error"] = f"{type(err).__name__}: {err}"
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def evaluate_weights(net: dict, config_dict: dict, data_dir: str) -> dict:
    """Validation and test accuracy of given weights on the data of config. Runs in a worker
    (where that data is usually cached already)."""
    from linclf.engine.train import evaluate

    config = TrainConfig.from_dict(config_dict)
    set_blas_threads(1)
    data = worker_data(data_dir, config, with_test=True)
    return {
        split: evaluate(net, getattr(data, split), 0.0, config.head)[2] for split in ("val", "test")
    }
