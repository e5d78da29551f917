"""The one worker entry point of `linclf search` and `linclf report`: train one configuration
in a worker process (local or on a Dask cluster) through the one train-and-record path
(engine/training/recording.py), as a run folder that anyone can watch, and send back plain data: the
history, the trained model and, when asked, the test figures. Module-level functions with
plain arguments, so any executor can run them. A worker's BLAS threads are set where the
worker starts (engine/training/blas.py)."""

from __future__ import annotations

import time
from typing import Any

from linclf.engine import status as st
from linclf.engine.config import TrainConfig


def start_worker(parent: int) -> None:
    """The initializer of a local worker process: it dies with parent, leaves the terminal's
    signals to the command (engine/training/children.py), and multiplies on one BLAS thread
    (parallelism comes from running several configurations side by side)."""
    from linclf.engine.training.blas import set_blas_threads
    from linclf.engine.training.children import watch_parent

    watch_parent(parent)
    set_blas_threads(1)


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
    read (model selection must not see it).
    """
    from linclf.engine.training.recording import train_and_record

    started = time.perf_counter()
    result: dict[str, Any] = {
        "config": config_dict,
        "status": st.FAILED,
        "history": [],
        "run_dir": None,
        "model": None,
        "test": None,
        "error": "",
    }

    def opened(run_dir) -> None:
        result["run_dir"] = str(run_dir)

    try:
        config = TrainConfig.from_dict(config_dict)
        run = train_and_record(data_dir, config, runs_dir, None, with_test, on_start=opened)
        if run.test is not None:
            result["test"] = {
                "acc": run.test.acc,
                "loss": run.test.loss,
                "p_true": run.test.p_true,
                "correct": run.test.correct,
            }
        data = run.training.data
        result.update(
            status=run.summary["status"],
            history=run.summary["history"],
            model={**run.model, "mean": data.mean, "std": data.std},
        )
    except Exception as err:  # noqa: BLE001 - a failed run is a result, not a crashed search
        result["error"] = f"{type(err).__name__}: {err}"
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result
