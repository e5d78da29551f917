"""Grid search: every combination of the given hyper-parameter values runs as a trial on a
concurrent.futures executor (see engine/training/executor.py), each trial a run folder under the
search's runs/ folder; results.csv gets one row per finished trial (engine/store/results.py), so a
resumed search skips what is done.

Selection reads validation accuracy only: trials never load the test batch, and the test set
is evaluated once, for the chosen trial's own model, by `evaluate_choice`.

Beside its CSV a search keeps its plan, <csv stem>.plan.json (every trial it means to run,
its pid, host and status), so that whoever watches can tell how many trials are still to go.
A report's grids share one folder, each with its own CSV and therefore its own plan.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import replace
from pathlib import Path

from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.errors import UsageError
from linclf.engine.files import atomic_write, to_json
from linclf.engine.store.results import ResultsFile
from linclf.engine.store.results import read_results as read_results  # the rows, for callers

MAX_TRIALS = 10_000  # trials in one grid: each is a training run; the plan lists them all


def grid(base: TrainConfig, values: Mapping[str, Sequence]) -> list[TrainConfig]:
    """base with every combination of values (field name → the values to try), in a stable
    order (the last field varies fastest), each configuration once: a value given twice
    (`--lam 0.1,0.1`, or 0.1,0.10) does not run the same trial twice. More than MAX_TRIALS
    combinations is a UsageError, raised before any is made."""
    count = math.prod(len(set(values[name])) for name in values)
    if count > MAX_TRIALS:
        raise UsageError(
            f"the grid has {count:,} trials, more than the {MAX_TRIALS:,} a search runs; "
            "give fewer values"
        )
    names = list(values)
    configs = (
        replace(base, **dict(zip(names, combination)))
        for combination in itertools.product(*(values[name] for name in names))
    )
    return list(dict.fromkeys(configs))


def trial_key(config: TrainConfig) -> str:
    """A short stable name for a configuration (the CSV's key column)."""
    text = json.dumps(config.to_dict(), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def run_trial(config_dict: dict, data_dir: str, runs_dir: str) -> dict:
    """Train one configuration (in a worker) into a run folder under runs_dir; a CSV row with
    its validation figures, plus the trained model (which is not written to the CSV)."""
    from linclf.engine.training.worker import train_one

    result = train_one(config_dict, data_dir, runs_dir)
    config = TrainConfig.from_dict(config_dict)
    last = result["history"][-1] if result["history"] else {}
    return {
        "key": trial_key(config),
        **config.to_dict(),
        "status": result["status"],
        "epochs_run": len(result["history"]),
        **{name: last.get(name, "") for name in ("val_acc", "val_cost", "train_acc", "train_cost")},
        "seconds": result["seconds"],
        "run_dir": result["run_dir"] or "",
        "error": result["error"],
        "model": result["model"],
    }


def plan_path(csv_path: Path) -> Path:
    """The plan of the search whose results go to csv_path: results.csv → results.plan.json."""
    return csv_path.with_name(f"{csv_path.stem}.plan.json")


def _write_plan(csv_path: Path, configs: list[TrainConfig], status: str, started: float) -> None:
    """Record what the search means to run (format in outputs/README.md); a plan that cannot
    be written only costs the watchers their "to go" count."""
    plan = {
        "format": 2,
        "kind": "search",
        "results": csv_path.name,
        "runs": "runs",
        "status": status,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": started,
        "ended": None if status == st.RUNNING else time.time(),
        "trials": [{"key": trial_key(c), "config": c.to_dict()} for c in configs],
    }
    try:
        atomic_write(plan_path(csv_path), to_json(plan).encode())
    except OSError:
        pass


def search(
    configs: list[TrainConfig],
    data_dir: str | os.PathLike,
    executor: Executor,
    csv_path: Path,
    resume: bool = False,
    on_result: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Run every configuration not yet in csv_path, each as a run folder in runs/ beside it;
    returns the rows of configs (old and new). csv_path stays locked meanwhile: a second
    search of it is a UsageError (see engine/store/results.py); a trial whose row was torn runs
    again on resume."""
    with ResultsFile(Path(csv_path), resume) as results:
        return _run(configs, data_dir, executor, results, on_result)


def _run(
    configs: list[TrainConfig],
    data_dir: str | os.PathLike,
    executor: Executor,
    results: ResultsFile,
    on_result: Callable[[dict], None] | None,
) -> list[dict]:
    """The search itself, with results open and locked."""
    csv_path = results.path
    done_keys = {
        row["key"]
        for row in results.rows
        if row["status"] != st.FAILED and row["key"] == trial_key(config_of(row))
    }
    todo = [c for c in configs if trial_key(c) not in done_keys]
    runs_dir = csv_path.parent / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    _write_plan(csv_path, configs, st.RUNNING, started)
    futures = [executor.submit(run_trial, c.to_dict(), str(data_dir), str(runs_dir)) for c in todo]
    wanted = {trial_key(c) for c in configs}
    rows = [row for row in results.rows if row["key"] in wanted]
    ending = st.INTERRUPTED  # a signal (a BaseException) unless the loop says otherwise
    try:
        for future in as_completed(futures):
            row = future.result()
            results.append(row)
            rows.append(row)
            if on_result:
                on_result(row)
        ending = st.COMPLETED
    except Exception:
        ending = st.FAILED
        raise
    finally:
        for future in futures:
            future.cancel()
        _write_plan(csv_path, configs, ending, started)
    return rows


def best(rows: list[dict]) -> dict | None:
    """The row with the highest validation accuracy (ties: lower validation cost)."""
    usable = [r for r in rows if r["status"] == st.COMPLETED and isinstance(r["val_acc"], float)]
    return max(usable, key=lambda r: (r["val_acc"], -r["val_cost"]), default=None)


def config_of(row: dict) -> TrainConfig:
    """The configuration a results row was trained with (fields the row lacks: defaults)."""
    return TrainConfig.from_dict({k: v for k, v in row.items() if v is not None})


def chosen_model(row: dict, data_dir: str | os.PathLike) -> dict:
    """The chosen trial's trained parameters (W, b, mean, std): as its worker sent them back,
    else from its run folder (a trial finished before a resume), else trained again."""

    if row.get("model") is not None:
        return row["model"]
    weights = Path(row.get("run_dir") or "") / "weights.npz"
    if row.get("run_dir") and weights.exists():
        return _saved_model(weights)
    from linclf.engine.data.splits import DTYPES, load_splits
    from linclf.engine.training.train import Training

    config = config_of(row)
    data = load_splits(data_dir, config.split, config.n_val, DTYPES[config.dtype], False)
    training = Training(data, config)
    training.run()
    return {**training.net, "mean": data.mean, "std": data.std}


def _saved_model(weights: Path) -> dict:
    """W, b, mean, std from a trial's weights.npz, in the shapes a model has; anything else
    is a UsageError naming the file (it may come from anywhere: engine/store/npzread.py)."""
    import numpy as np

    from linclf.engine.store.npzread import BadWeights, read_npz

    names = ("W", "b", "mean", "std")
    try:
        saved = read_npz(weights, names)
        W = saved["W"]
        n_classes, dims = W.shape if W.ndim == 2 else (0, 0)
        shapes = {"W": (n_classes, dims), "b": (n_classes, 1), "mean": (dims, 1), "std": (dims, 1)}
        if not 1 <= n_classes <= 10 or dims != 3072:
            raise BadWeights(f"W has shape {W.shape}")
        model = {name: np.asarray(saved[name], dtype=np.float64) for name in names}
        model = {name: value.reshape(shapes[name]) for name, value in model.items()}
    except (OSError, BadWeights, KeyError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        raise UsageError(
            f"{weights}: the chosen trial's weights cannot be used ({reason}); "
            "delete its run folder and --resume to train it again"
        ) from None
    return model


def evaluate_choice(row: dict, data_dir: str | os.PathLike) -> float:
    """Test accuracy of the chosen trial's model, evaluated once."""
    from linclf.engine.data.splits import DTYPES, load_test
    from linclf.engine.training.train import evaluate

    config = config_of(row)
    model = chosen_model(row, data_dir)
    test = load_test(data_dir, model["mean"], model["std"], DTYPES[config.dtype])
    return evaluate(model, test, config.lam, config.head)[2]
