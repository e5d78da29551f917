"""Which runs the report needs, with which budget, on which executor.

Every run is one call of the worker entry point (engine/training/worker.py train_one) and a
run folder
under the report's runs/ folder. Training and every choice (a grid, the final model) see the
validation set only: the test batch is never read in a worker. Runs are keyed by their
configuration, so a configuration that several sections need (the spec's default setting is
Exercise 1's second run, the 2.1 baseline and the 2.2 softmax run) trains once, and a model a
grid trained is the model the text reports. The report submits every run it can foresee at
the start, in section order, so the workers stay busy across sections. The test set is scored
here, in the report's process, once per model, and only for models the text reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from linclf.engine.config import TrainConfig
from linclf.engine.errors import RunFailed
from linclf.engine.records import EpochStats

if TYPE_CHECKING:
    from linclf.engine.data.splits import Split


@dataclass(frozen=True)
class Budget:
    n_epochs: int  # of every run on the spec's split
    seeds: int  # runs per variant (seed, seed + 1, ...): mean ± std
    lams: tuple[float, ...]  # the 2.1 grid search
    etas: tuple[float, ...]
    n_batches: tuple[int, ...]
    decay_every: int  # step decay (x0.1) on the spec's split
    decay_eta: float  # the larger step that step decay needs
    n_val: int  # validation images held out by the all-data split
    combined_epochs: int  # all improvements together (all data, flips, step decay)
    combined_decay_every: int
    combined_etas: tuple[float, ...]  # its step size (the first)
    combined_lams: tuple[float, ...] = (0.01, 0.03)  # its candidates, chosen on validation
    whiten: float = 1.0  # ε of the partial ZCA whitening (engine/data/whiten.py)
    # Exercise 2.2: each head's step sizes (the sigmoid head's gradient is 1/K times smaller)
    head_etas: dict[str, tuple[float, ...]] = field(
        default_factory=lambda: {"softmax": (0.001, 0.01), "sigmoid": (0.01, 0.05)}
    )
    grid_rounds: int = 3  # at most this many extensions of the 2.1 grid beyond an edge


FULL = Budget(
    40, 3, (0.0, 0.01, 0.1), (0.001, 0.005, 0.01), (50, 100), 10, 0.01, 1000, 16, 11, (0.02,)
)
# A smoke test that takes every path of the text at a fraction of the runs: two epochs, two
# seeds (the least that has a spread), one extension of the grid, one λ for all improvements
# together (its runs on all data cost the most), the softmax head only at the baseline's η (a
# run that Exercise 1 trains anyway) and the sigmoid head at two.
QUICK = Budget(
    2,
    2,
    (0.0, 0.01),
    (0.001, 0.01),
    (100,),
    1,
    0.01,
    100,
    2,
    1,
    (0.02,),
    (0.01,),
    head_etas={"softmax": (0.001,), "sigmoid": (0.001, 0.01)},
    grid_rounds=1,
)


def seeded(config: TrainConfig, seeds: int) -> list[TrainConfig]:
    """config with seeds seed, seed + 1, ...: the same variant, trained seeds times."""
    return [replace(config, seed=config.seed + i) for i in range(seeds)]


def history_of(result: dict) -> list[EpochStats]:
    return [EpochStats(**row) for row in result["history"]]


def config_of(result: dict) -> TrainConfig:
    return TrainConfig.from_dict(result["config"])


class Experiments:
    """Trains configurations for the report on an executor (each once) and scores models on
    the test set (each once). Results are worker.train_one's plain dicts."""

    def __init__(
        self,
        data_dir: str,
        folder: Path,
        executor: Executor,
        log: Callable[[str], None] = print,
    ):
        self.data_dir = data_dir
        self.runs_dir = Path(folder) / "runs"
        self.executor = executor
        self.log = log
        self._futures: dict[str, Future] = {}
        self._claimed: set[str] = set()
        self._new_seconds: list[float] = []
        self._scores: dict[int, object] = {}
        self._test_sets: dict[tuple, Split] = {}
        self._labels: dict[str, int] = {}
        self.tested = 0  # models scored on the test set

    def submit(self, configs: Sequence[TrainConfig]) -> None:
        """Start training every configuration not started yet, in the given order."""
        from linclf.engine.training.search import trial_key
        from linclf.engine.training.worker import train_one

        for config in configs:
            key = trial_key(config)
            if key not in self._futures:
                self._futures[key] = self.executor.submit(
                    train_one, config.to_dict(), self.data_dir, str(self.runs_dir)
                )

    def results(self, configs: Sequence[TrainConfig], what: str) -> list[dict]:
        """The trained runs of configs (started now if not yet), in order."""
        from linclf.engine.training.search import trial_key

        self.submit(configs)
        keys = [trial_key(config) for config in configs]
        self.log(f"{what}: {len(set(keys) - self._claimed)} new run(s) of {len(set(keys))}…")
        results = [self._futures[key].result() for key in keys]
        for key, result in zip(keys, results):
            if result["error"]:
                raise RunFailed(f"{what}: a run failed ({result['error']})")
            if key not in self._claimed:
                self._claimed.add(key)
                self._new_seconds.append(result["seconds"])
        return results

    def choose(
        self, configs: Sequence[TrainConfig], what: str, by_loss: bool = False
    ) -> tuple[dict, list[dict]]:
        """The run with the highest validation accuracy (ties: lower validation cost; as
        `linclf search` chooses), or with by_loss the lowest validation loss, and every
        run, in order."""
        from linclf.engine.training.search import best

        results = self.results(configs, what)
        if by_loss:
            done = [r for r in results if r["history"]]
            if not done:
                raise RuntimeError(f"{what}: no run completed")
            return min(done, key=lambda r: r["history"][-1]["val_loss"]), results
        rows = [
            {
                "status": result["status"],
                "val_acc": result["history"][-1]["val_acc"],
                "val_cost": result["history"][-1]["val_cost"],
                "index": index,
            }
            for index, result in enumerate(results)
            if result["history"]
        ]
        chosen = best(rows)
        if chosen is None:
            raise RuntimeError(f"{what}: no run completed")
        return results[chosen["index"]], results

    def claim(self) -> tuple[int, float]:
        """Runs first awaited since the last call and their summed worker seconds."""
        claimed, self._new_seconds = self._new_seconds, []
        return len(claimed), sum(claimed)

    def test(self, result: dict):
        """The trained model of result scored on the test set (engine.records.TestScores),
        computed once per run."""
        key = id(result["model"])
        if key not in self._scores:
            self._scores[key] = self.score(result["model"], config_of(result))
        return self._scores[key]

    def score(self, model: dict, config: TrainConfig):
        """Any weights (W, b, mean, std: e.g. averaged ones) on the test set, normalised with
        their training statistics; one BLAS thread (set by `linclf report`), the workers have
        the cores."""
        from linclf.engine.data.splits import DTYPES, load_test
        from linclf.engine.training.train import score_test

        key = (model["mean"].tobytes(), model["std"].tobytes(), config.dtype)
        self.tested += 1
        if key not in self._test_sets:
            # Normalised once: the report scores many models with the same statistics.
            self._test_sets[key] = load_test(
                self.data_dir, model["mean"], model["std"], DTYPES[config.dtype]
            ).normalised()
        return score_test(model, self._test_sets[key], config.head)

    def validate(self, models: Sequence[dict], config: TrainConfig) -> list[tuple[float, float]]:
        """Validation (loss, accuracy) of each model on config's split, in a worker (whose
        data is usually loaded already); the test batch stays unread."""
        futures = [
            self.executor.submit(validation_figures, model, config.to_dict(), self.data_dir)
            for model in models
        ]
        return [future.result() for future in futures]

    def training_scores(self, models: Sequence[dict], config: TrainConfig) -> list:
        """Each model scored on config's training set (engine.train.TestScores), in workers."""
        futures = [
            self.executor.submit(training_scores, model, config.to_dict(), self.data_dir)
            for model in models
        ]
        return [future.result() for future in futures]

    def sizes(self, config: TrainConfig) -> tuple[int, int]:
        """(training, validation) images of config's split, from the label counts."""
        from linclf.engine.data.splits import TRAIN_BATCHES

        counts = [self._count(name) for name in TRAIN_BATCHES]
        if config.split == "spec":
            return counts[0], counts[1]
        return sum(counts) - config.n_val, config.n_val

    def _count(self, name: str) -> int:
        from linclf.engine.data.splits import read_batch

        if name not in self._labels:
            self._labels[name] = read_batch(Path(self.data_dir) / name)[1].size
        return self._labels[name]

    def steps(self, config: TrainConfig, epochs: int | None = None) -> int:
        """Update steps of config (eqs. 8-9 applied this often): epochs x batches per epoch."""
        n_train = self.sizes(config)[0]
        return (config.n_epochs if epochs is None else epochs) * math.ceil(n_train / config.n_batch)

    def matched_epochs(self, config: TrainConfig, steps: int) -> int:
        """The epochs of config whose update steps come closest to steps (at least one)."""
        per_epoch = math.ceil(self.sizes(config)[0] / config.n_batch)
        return max(1, round(steps / per_epoch))


def validation_figures(net: dict, config_dict: dict, data_dir: str) -> tuple[float, float]:
    """Loss and accuracy of net on the validation set of config_dict's split (runs in a
    worker)."""
    from linclf.engine.training.recording import load_data
    from linclf.engine.training.train import evaluate

    config = TrainConfig.from_dict(config_dict)
    data = load_data(data_dir, config, False)
    loss, _, acc = evaluate(data.trained_net(net), data.val, 0.0, config.head)
    return loss, acc


def training_scores(net: dict, config_dict: dict, data_dir: str):
    """net scored on the training set of config_dict's split (runs in a worker)."""
    from linclf.engine.training.recording import load_data
    from linclf.engine.training.train import score_test

    config = TrainConfig.from_dict(config_dict)
    data = load_data(data_dir, config, False)
    return score_test(data.trained_net(net), data.train, config.head)
