"""Whole-process `linclf train` (defaults, plots included: what a user runs) against the plain
PyTorch CPU loop doing the same work, float64 and float32 side by side. Target: torch/linclf
>= 2.5x in each dtype.

    .venv/bin/python benchmarks/bench_vs_torch.py [--repeat 5] [--linclf CMD] [--data-dir DIR]
        [--epochs 40] [--no-plots] [--dtypes float64,float32] [--torch-threads N] [--numpy]

Per dtype, linclf and the loop take turns (A B A B ...) after one warm-up each; the ratio
torch/linclf is taken pair by pair, and its median is the figure. --torch-threads sets
torch's threads (OMP_NUM_THREADS; default: torch's own choice, all cores): on a busy machine
the OpenMP loop with 2 threads slows down far more than linclf, so the ratio overstates
linclf's lead there, and --torch-threads 1 gives the more robust figure. --numpy adds the bare
numpy loop (benchmarks/numpy_loop.py). Exit status 0 always: a benchmark reports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from procs import (
    DEFAULT_DATA,
    DEFAULT_LINCLF,
    interleaved,
    linclf_command,
    machine_line,
    paired_ratios,
    spread,
)

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--linclf", default=DEFAULT_LINCLF, help="how to start linclf")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--torch-threads", type=int)
    parser.add_argument("--numpy", action="store_true", help="also time the bare numpy loop")
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="linclf-bench-")
    env = dict(os.environ)
    if args.torch_threads:
        env["OMP_NUM_THREADS"] = str(args.torch_threads)
    print(machine_line())
    rows = []
    for dtype in args.dtypes.split(","):
        options = ["--dtype", dtype, "--n-epochs", str(args.epochs), "--out", out]
        options += ["--data-dir", args.data_dir] + (["--no-plots"] if args.no_plots else [])
        loop = [args.data_dir, dtype, str(args.epochs)]
        commands = {
            "linclf": linclf_command(args.linclf, "train", *options),
            "torch": [sys.executable, str(HERE / "torch_loop.py"), *loop],
        }
        if args.numpy:
            commands["numpy"] = [sys.executable, str(HERE / "numpy_loop.py"), *loop]
        runs = interleaved(commands, args.repeat, env=env)
        for name, results in runs.items():
            print(
                f"{dtype} {name:7} wall {spread([r.wall for r in results])}  "
                f"cpu {spread([r.cpu for r in results])}  "
                f"peak {max(r.peak_mib for r in results):.0f} MiB",
                flush=True,
            )
        ratios = {name: paired_ratios(runs[name], runs["linclf"]) for name in runs}
        for name in ratios.keys() - {"linclf"}:
            print(f"{dtype} {name}/linclf (paired) {spread(ratios[name], 'x')}", flush=True)
        rows.append((dtype, runs, ratios["torch"]))
    print(f"\n{'dtype':8} {'linclf s':>9} {'torch s':>9} {'torch/linclf':>13}  target")
    for dtype, runs, ratios in rows:
        print(
            f"{dtype:8} {statistics.median(r.wall for r in runs['linclf']):9.2f} "
            f"{statistics.median(r.wall for r in runs['torch']):9.2f} "
            f"{statistics.median(ratios):12.2f}x  >= 2.5x"
        )


if __name__ == "__main__":
    main()
