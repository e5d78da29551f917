"""`linclf search` on one grid with --jobs 1 and with --jobs 2: whole-command wall time.

    .venv/bin/python benchmarks/bench_search.py [--n-epochs 20] [--data-dir DIR]

The grid: lam 0,0.01 × eta 0.001,0.005,0.01 × n_batch 100 on the spec split (6 trials).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_search(jobs: int, n_epochs: int, data_dir: str) -> float:
    out = tempfile.mkdtemp(prefix=f"linclf-search-j{jobs}-")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "linclf",
            "search",
            "--lam",
            "0,0.01",
            "--eta",
            "0.001,0.005,0.01",
            "--n-batch",
            "100",
            "--n-epochs",
            str(n_epochs),
            "--jobs",
            str(jobs),
            "--out",
            out,
            "--data-dir",
            data_dir,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-epochs", type=int, default=20)
    parser.add_argument("--data-dir", default=str(ROOT / "Datasets" / "cifar-10-batches-py"))
    args = parser.parse_args()
    one = timed_search(1, args.n_epochs, args.data_dir)
    two = timed_search(2, args.n_epochs, args.data_dir)
    print(
        f"--jobs 1: {one:.1f} s   --jobs 2: {two:.1f} s   speed-up {one / two:.2f}x (target ≥ 1.7x)"
    )


if __name__ == "__main__":
    main()
