"""`linclf runs` on a large run store.

    .venv/bin/python benchmarks/bench_runs.py [--runs 2000] [--epochs 40] [--repeat 5]

Creates --runs run folders (format 2, as tests/runstore.py writes them: run.json, a history of
--epochs lines, a heartbeat; a tenth of them inside a search folder's runs/, a tenth with a
note and tags) in a temporary folder, then times the whole command in a subprocess, as a
person or a script runs it: `linclf runs --out DIR` piped (the plain table), and with
--format csv, --filter and --sort. Reports the median wall time of --repeat runs of each.
Target: ≤ 1 s for 2 000 runs.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from runstore import fixed_history, write_run  # noqa: E402

from linclf.engine import notes  # noqa: E402
from linclf.engine.config import TrainConfig  # noqa: E402


def make_store(root: Path, n_runs: int, epochs: int) -> None:
    history = fixed_history(epochs)
    for index in range(n_runs):
        parent = root / "search" / "runs" if index % 10 == 0 else root
        config = TrainConfig(eta=(0.001, 0.01, 0.1)[index % 3], lam=(0.0, 0.1)[index % 2])
        folder = write_run(parent / f"20261207-120000-run{index:05d}", history, config=config)
        if index % 10 == 1:
            notes.set_note(folder, f"note {index}")
            notes.add_tags(folder, "bench", f"t{index % 7}")


def timed(args: list[str], repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        size = len(done.stdout)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    linclf = [sys.executable, "-m", "linclf", "runs"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        make_store(root, args.runs, args.epochs)
        print(
            f"{args.runs} run folders of {args.epochs} epochs made in "
            f"{time.perf_counter() - start:.1f} s"
        )
        cases = {
            "plain table (piped)": [],
            "--format csv": ["--format", "csv"],
            "--format json --only-changed": ["--format", "json", "--only-changed"],
            "--filter eta>=0.01 --filter tags=bench --sort val_acc --reverse": [
                "--filter",
                "eta>=0.01",
                "--filter",
                "tags=bench",
                "--sort",
                "val_acc",
                "--reverse",
            ],
        }
        print(f"{'linclf --help':<66} {timed([*linclf[:3], '--help'], args.repeat)[0]:.3f} s")
        for name, extra in cases.items():
            seconds, size = timed([*linclf, "--out", str(root), *extra], args.repeat)
            print(f"{'linclf runs ' + name:<66} {seconds:.3f} s  ({size} bytes out)")


if __name__ == "__main__":
    main()
