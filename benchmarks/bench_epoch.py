"""One epoch of the engine against its two floors, on the spec and the all-data split.

    .venv/bin/python benchmarks/bench_epoch.py [--splits spec,all] [--dtypes float64,float32]
        [--repeat 5] [--data-dir DIR]

In process: it measures whichever linclf.engine this Python imports (another checkout: its
own .venv, or PYTHONPATH). Per split and dtype, in ms, median (min–max) of --repeat:
- epoch: wall time between two EpochStats of Training in steady state (epoch e+1 trains on
  this thread while the helper thread evaluates epoch e): what a run pays per epoch;
- train: Training's epoch step alone, at one BLAS thread, and inside it gathers (only the
  mini-batch row gathers) and GEMMs (only the two mini-batch products, scores and weight
  gradient, on batches that need no gather: the GEMM floor, the arithmetic an epoch cannot
  avoid on one core); the rest is softmax, gradient scaling, updates and Python;
- eval: the end-of-epoch evaluation alone (training and validation split, one BLAS thread);
- two-core floor: (train + eval) / 2, the epoch if both cores were busy all the time.
Each part is given as wall and as CPU time of its thread: on a shared machine CPU time moves
less. The epoch row's CPU is the whole process's (both threads); the ratios divide the
epoch's wall time by floors made of wall times, then of CPU times (the same on a quiet
machine; the CPU ones are the better estimate on a busy one).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from procs import DEFAULT_DATA, machine_line
from threadpoolctl import threadpool_limits

from linclf.engine.config import TrainConfig
from linclf.engine.data.splits import DTYPES, load_splits
from linclf.engine.training.train import Training


def timed(fn, repeat: int, clock=time.thread_time) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds of clock) of repeat calls of fn."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), clock()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(clock() - cpu)
    return walls, cpus


def gathers(rows: np.ndarray, n_batch: int) -> None:
    """The row gathers of one shuffled epoch, as Training makes them."""
    order = np.random.default_rng(0).permutation(rows.shape[0])
    buffer = np.empty((n_batch, rows.shape[1]), dtype=rows.dtype)
    for start in range(0, order.size, n_batch):
        idx = order[start : start + n_batch]
        np.take(rows, idx, axis=0, out=buffer[: idx.size], mode="clip")


def gemms(rows: np.ndarray, W: np.ndarray, n_batch: int) -> None:
    """The two products of every mini-batch of an epoch, on consecutive rows (contiguous
    already, so no gather) with the layouts Training uses."""
    S = np.empty((n_batch, W.shape[0]), dtype=W.dtype)
    grad = np.empty_like(W)
    for start in range(0, rows.shape[0], n_batch):
        Xb = rows[start : start + n_batch]
        m = Xb.shape[0]
        np.matmul(Xb, W.T, out=S[:m])
        np.matmul(S[:m].T, Xb, out=grad)


def ms(values: list[float]) -> str:
    low, mid, high = (1000 * f(values) for f in (min, statistics.median, max))
    return f"{mid:7.1f} ({low:.1f}–{high:.1f})"


def bench(data, split: str, dtype: str, repeat: int) -> None:
    config = TrainConfig(n_epochs=repeat + 3, split=split, dtype=dtype)
    walls, cpus = [], []
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in Training(data, config):
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        wall, cpu = time.perf_counter(), time.process_time()
    # The first two stats include filling the pipeline, the last one an evaluation alone.
    epoch = (walls[2:-1], cpus[2:-1])
    rows = data.train.X.T
    with threadpool_limits(1):
        training = Training(data, config)
        workspace = training._workspace()
        train = timed(lambda: training._train_epoch(config.eta, workspace), repeat)
        evaluation = timed(lambda: training._evaluate(training.net), repeat)
        gather = timed(lambda: gathers(rows, config.n_batch), repeat)
        floor = timed(lambda: gemms(rows, training.net["W"], config.n_batch), repeat)
    parts = {"train": train, "eval": evaluation, "gather": gather, "gemm": floor}
    print(f"\n{split} split, {dtype}: {data.train.n} training, {data.val.n} validation images")
    print(f"  {'':26} {'wall ms':>22}   {'cpu ms':>22}")
    for name, (w, c) in (
        ("epoch (as a run pays it)", epoch),
        ("train (1 BLAS thread)", train),
        ("  of which gathers", gather),
        ("  of which GEMMs = floor", floor),
        ("eval (train + val splits)", evaluation),
    ):
        print(f"  {name:26} {ms(w):>22}   {ms(c):>22}")
    for clock, column in (("wall", 0), ("cpu", 1)):
        med = {name: statistics.median(values[column]) for name, values in parts.items()}
        two_core = (med["train"] + med["eval"]) / 2
        rest = med["train"] - med["gather"] - med["gemm"]
        epoch_s = statistics.median(epoch[0])
        print(
            f"  by {clock:4}: GEMM floor {1000 * med['gemm']:.1f} ms, epoch/floor "
            f"{epoch_s / med['gemm']:.2f}; two-core floor {1000 * two_core:.1f} ms, "
            f"epoch/floor {epoch_s / two_core:.2f}; between epoch and GEMM floor: gathers "
            f"{1000 * med['gather']:.1f}, softmax/updates/Python {1000 * rest:.1f}, "
            f"evaluation beyond training {1000 * max(0.0, med['eval'] - med['train']):.1f} ms",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--splits", default="spec,all")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine_line())
    for split in args.splits.split(","):
        for dtype in args.dtypes.split(","):
            data = load_splits(args.data_dir, split=split, dtype=DTYPES[dtype], with_test=False)
            bench(data, split, dtype, args.repeat)
            del data


if __name__ == "__main__":
    main()
