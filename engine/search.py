"""Grid search over λ, η and n_batch: trials run on any concurrent.futures-style executor
(local processes, or a Dask cluster's executor), results are appended to a CSV as they
finish, and a resumed search skips what is done.

Selection reads validation accuracy only: trials load the data without the test batch, and
the test set is evaluated once, for the chosen configuration, by `evaluate_choice`.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, as_completed
from dataclasses import replace
from pathlib import Path

from linclf.engine.train import TrainConfig

RESULT_FIELDS = [
    "key",
    "lam",
    "eta",
    "n_batch",
    "n_epochs",
    "seed",
    "head",
    "split",
    "flip",
    "decay_every",
    "decay_factor",
    "status",
    "epochs_run",
    "val_acc",
    "val_cost",
    "train_acc",
    "train_cost",
    "seconds",
    "error",
]


def grid(
    base: TrainConfig, lams: Iterable[float], etas: Iterable[float], n_batches: Iterable[int]
) -> list[TrainConfig]:
    """Every combination, in a stable order."""
    return [
        replace(base, lam=lam, eta=eta, n_batch=n_batch)
        for lam, eta, n_batch in itertools.product(lams, etas, n_batches)
    ]


def trial_key(config: TrainConfig) -> str:
    """A short stable name for a configuration (the CSV's key column)."""
    text = json.dumps(config.to_dict(), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


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


def run_trial(config_dict: dict, data_dir: str, blas_threads: int | None = 1) -> dict:
    """Train one configuration (in a worker) and report its validation figures.

    Module-level and plain-data in and out, so local processes and Dask workers can run it.
    One BLAS thread per trial by default: parallelism comes from running trials side by side.
    """
    started = time.perf_counter()
    config = TrainConfig.from_dict(config_dict)
    row = {field: config_dict.get(field, "") for field in RESULT_FIELDS}
    row.update(key=trial_key(config), error="")
    try:
        from linclf.engine.train import Training
        from threadpoolctl import threadpool_limits

        with threadpool_limits(blas_threads):
            data = worker_data(data_dir, config)
            training = Training(data, config)
            history = training.run()
        # The trained model travels back (not into the CSV), so the chosen one is evaluated
        # on the test set as it is, without training it again.
        row["model"] = {**training.net, "mean": data.mean, "std": data.std}
        last = history[-1] if history else None
        row.update(
            status=training.status,
            epochs_run=len(history),
            val_acc=last.val_acc if last else "",
            val_cost=last.val_cost if last else "",
            train_acc=last.train_acc if last else "",
            train_cost=last.train_cost if last else "",
        )
    except Exception as err:  # noqa: BLE001 - a failed trial is a result, not a crashed search
        row.update(
            status="failed",
            epochs_run=0,
            val_acc="",
            val_cost="",
            train_acc="",
            train_cost="",
            error=f"{type(err).__name__}: {err}",
        )
    row["seconds"] = round(time.perf_counter() - started, 3)
    return row


def read_results(path: Path) -> list[dict]:
    """Rows of a results CSV (numbers as numbers); missing file → no rows."""
    if not path.is_file():
        return []
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for field in (
            "lam",
            "eta",
            "decay_factor",
            "val_acc",
            "val_cost",
            "train_acc",
            "train_cost",
            "seconds",
        ):
            row[field] = float(row[field]) if row.get(field) not in (None, "") else None
        for field in ("n_batch", "n_epochs", "seed", "decay_every", "epochs_run"):
            row[field] = int(row[field]) if row.get(field) not in (None, "") else None
        row["flip"] = row.get("flip") == "True"
    return rows


def _append(path: Path, row: dict) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=RESULT_FIELDS, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerow(row)
        handle.flush()
        os.fsync(handle.fileno())


def search(
    configs: list[TrainConfig],
    data_dir: str | os.PathLike,
    executor: Executor,
    csv_path: Path,
    resume: bool = False,
    on_result: Callable[[dict], None] | None = None,
    blas_threads: int | None = 1,
) -> list[dict]:
    """Run every configuration not yet in csv_path; returns all rows (old and new)."""
    csv_path = Path(csv_path)
    done = read_results(csv_path) if resume else []
    if csv_path.exists() and not resume:
        raise FileExistsError(f"{csv_path}: results exist; pass --resume to continue them")
    done_keys = {row["key"] for row in done if row["status"] != "failed"}
    todo = [c for c in configs if trial_key(c) not in done_keys]
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    futures = [executor.submit(run_trial, c.to_dict(), str(data_dir), blas_threads) for c in todo]
    rows = [row for row in done if row["key"] in {trial_key(c) for c in configs}]
    try:
        for future in as_completed(futures):
            row = future.result()
            _append(csv_path, row)
            rows.append(row)
            if on_result:
                on_result(row)
    finally:
        for future in futures:
            future.cancel()
    return rows


def best(rows: list[dict]) -> dict | None:
    """The row with the highest validation accuracy (ties: lower validation cost)."""
    usable = [r for r in rows if r["status"] == "completed" and r["val_acc"] is not None]
    return max(usable, key=lambda r: (r["val_acc"], -r["val_cost"]), default=None)


def config_of(row: dict, base: TrainConfig) -> TrainConfig:
    return replace(base, lam=row["lam"], eta=row["eta"], n_batch=row["n_batch"])


def evaluate_choice(row: dict, base: TrainConfig, data_dir: str | os.PathLike) -> float:
    """Test accuracy of the chosen trial, evaluated once: with the model its worker sent back,
    or, for a trial finished before a resume, by training it again (same seed, same run)."""
    from linclf.engine.data import DTYPES, load_splits, load_test
    from linclf.engine.train import Training, evaluate

    config = config_of(row, base)
    model = row.get("model")
    if model is None:
        data = load_splits(data_dir, config.split, config.n_val, DTYPES[config.dtype])
        training = Training(data, config)
        training.run()
        return training.test_accuracy()
    test = load_test(data_dir, model["mean"], model["std"], DTYPES[config.dtype])
    return evaluate(model, test, config.lam, config.head)[2]


def shutdown_now(executor: Executor) -> None:
    """Cancel what has not started and end local worker processes at once (an interrupted
    search or report must not wait for trials that no one will read)."""
    executor.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.terminate()


@contextlib.contextmanager
def executor_for(jobs: int, scheduler: str | None = None) -> Iterator[Executor]:
    """Local worker processes (started fresh, by spawn), or, given a scheduler address
    (tcp://host:port), the concurrent.futures executor of that Dask cluster; the same search
    code runs on either. Dask workers need linclf installed and the data at the same path."""
    if scheduler:
        from distributed import Client

        with Client(scheduler) as client:
            yield client.get_executor()
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as executor:
            yield executor
