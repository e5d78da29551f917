"""Whole-process wall time of the default 40-epoch run: linclf against a plain PyTorch CPU
loop and a bare numpy loop doing the same work, in float64 and float32.

    .venv/bin/python benchmarks/bench_train.py [--repeat 3] [--data-dir DIR]

linclf runs as `linclf train --no-plots` (the loops draw no plots either). Each command runs
--repeat times, alternating, and the median counts.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", default=str(ROOT / "Datasets" / "cifar-10-batches-py"))
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="linclf-bench-")
    python = sys.executable
    print(f"{'dtype':8} {'program':8} {'median s':>9} {'runs':>24}  last line")
    for dtype in ("float64", "float32"):
        commands = {
            "linclf": [
                python,
                "-m",
                "linclf",
                "train",
                "--no-plots",
                "--out",
                out,
                "--dtype",
                dtype,
                "--data-dir",
                args.data_dir,
            ],
            "torch": [python, str(HERE / "torch_loop.py"), args.data_dir, dtype],
            "numpy": [python, str(HERE / "numpy_loop.py"), args.data_dir, dtype],
        }
        times = {name: [] for name in commands}
        last = {}
        for _ in range(args.repeat):
            for name, command in commands.items():
                seconds, last[name] = timed(command)
                times[name].append(seconds)
        median = {name: statistics.median(values) for name, values in times.items()}
        for name in commands:
            runs = " ".join(f"{t:.2f}" for t in times[name])
            print(f"{dtype:8} {name:8} {median[name]:9.2f} {runs:>24}  {last[name]}")
        print(
            f"{dtype:8} torch/linclf = {median['torch'] / median['linclf']:.2f}x   "
            f"numpy/linclf = {median['numpy'] / median['linclf']:.2f}x"
        )


if __name__ == "__main__":
    main()
