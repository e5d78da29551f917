"""Which runs the report needs, with which budget, on which executor.

The report's sections ask for runs and grids here; every run goes through the same worker
entry point as a search trial (engine/worker.py) and is a run folder under the report's
runs/ folder, and every grid is a `linclf search` (engine/search.py) with its own results CSV.
A model a grid trained is reused, never trained again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from linclf.engine.config import TrainConfig
from linclf.engine.train import EpochStats


@dataclass(frozen=True)
class Budget:
    n_epochs: int
    lams: tuple[float, ...]
    etas: tuple[float, ...]
    n_batches: tuple[int, ...]
    decay_every: int
    n_val: int  # validation images held out by the all-data split
    seeds: int  # runs averaged into the best linear model
    combined_lams: tuple[float, ...]  # the grid of the combined (all data + flips + decay) model
    combined_etas: tuple[float, ...]


FULL = Budget(
    40,
    (0.0, 0.001, 0.01, 0.1),
    (0.001, 0.005, 0.01),
    (50, 100),
    10,
    1000,
    4,
    (0.0, 0.002, 0.01),
    (0.005, 0.01),
)
QUICK = Budget(3, (0.0, 0.01), (0.001, 0.01), (100,), 1, 100, 2, (0.0, 0.01), (0.01,))


def history_of(result: dict) -> list[EpochStats]:
    return [EpochStats(**row) for row in result["history"]]


class Experiments:
    """Runs configurations for the report on an executor; results are plain dicts."""

    def __init__(
        self,
        data_dir: str,
        folder: Path,
        executor: Executor,
        log: Callable[[str], None] = print,
    ):
        self.data_dir = data_dir
        self.folder = folder
        self.runs_dir = folder / "runs"
        self.executor = executor
        self.log = log

    def run(self, configs: Sequence[TrainConfig], what: str) -> list[dict]:
        """Train each configuration and score it on the test set (worker.train_one results)."""
        from linclf.engine.worker import train_one

        self.log(f"{what}: {len(configs)} run(s)…")
        futures = [
            self.executor.submit(
                train_one, c.to_dict(), self.data_dir, str(self.runs_dir), with_test=True
            )
            for c in configs
        ]
        results = [future.result() for future in futures]
        for result in results:
            if result["error"]:
                raise RuntimeError(f"{what}: a run failed ({result['error']})")
        return results

    def grid(self, configs: Sequence[TrainConfig], name: str, what: str) -> tuple[dict, int]:
        """Run configs as a search (validation only, results in <name>.csv); the chosen row
        (with its trained model) and the number of trials."""
        from linclf.engine import search

        self.log(f"{what}: {len(configs)} trial(s)…")
        csv_path = self.folder / f"{name}.csv"
        csv_path.unlink(missing_ok=True)  # the previous build's grid; this build measures anew
        rows = search.search(list(configs), self.data_dir, self.executor, csv_path)
        chosen = search.best(rows)
        if chosen is None:
            raise RuntimeError(f"{what}: no trial completed")
        return chosen, len(rows)

    def evaluate(self, net: dict, config: TrainConfig) -> dict:
        """Validation and test accuracy of given weights, on config's data (in a worker)."""
        return self.evaluate_all([net], config)[0]

    def evaluate_all(self, nets: Sequence[dict], config: TrainConfig) -> list[dict]:
        from linclf.engine.worker import evaluate_weights

        futures = [
            self.executor.submit(evaluate_weights, net, config.to_dict(), self.data_dir)
            for net in nets
        ]
        return [future.result() for future in futures]
