"""`linclf runs` on a large run store.

    .venv/bin/python benchmarks/bench_runs.py [--runs 2000] [--epochs 40] [--repeat 5]

Creates --runs run folders (format 2, as tests/runstore.py writes them: run.json, a history of
--epochs lines, a heartbeat; a tenth of them inside a search folder's runs/, a tenth with a
note and tags) in a temporary folder, then times the whole command in a subprocess, as a
person or a script runs it: `linclf runs --out DIR` piped (the plain table), and with
--format csv, --filter and --sort; once with an empty row cache (cold: every history is
read) and then warm (the cache built by the run before: finished runs whose files did not
change are not read). Reports the median wall and CPU time (user + system of the command) of
--repeat runs of each, and `linclf runs` on an empty folder: the start-up every command pays.
Target: ≤ 1 s for 2 000 runs.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from runstore import fixed_history, write_run  # noqa: E402

from linclf.engine.config import TrainConfig  # noqa: E402
from linclf.engine.insight import notes  # noqa: E402


def make_store(root: Path, n_runs: int, epochs: int) -> None:
    history = fixed_history(epochs)
    for index in range(n_runs):
        parent = root / "search" / "runs" if index % 10 == 0 else root
        config = TrainConfig(eta=(0.001, 0.01, 0.1)[index % 3], lam=(0.0, 0.1)[index % 2])
        folder = write_run(parent / f"20261207-120000-run{index:05d}", history, config=config)
        if index % 10 == 1:
            notes.set_note(folder, f"note {index}")
            notes.add_tags(folder, "bench", f"t{index % 7}")


def timed(args: list[str], repeat: int, env: dict, cold: Path | None = None) -> tuple:
    """Median wall and CPU seconds (user + system of the child) of `repeat` runs; cold: the
    row cache folder to empty before each run."""
    walls, cpus, size = [], [], 0
    for _ in range(repeat):
        if cold is not None:
            shutil.rmtree(cold, ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, check=True, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        size = len(done.stdout)
    return statistics.median(walls), statistics.median(cpus), size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    linclf = [sys.executable, "-m", "linclf", "runs"]
    with tempfile.TemporaryDirectory() as tmp:
        root, cache = Path(tmp) / "store", Path(tmp) / "cache"
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        start = time.perf_counter()
        make_store(root, args.runs, args.epochs)
        print(
            f"{args.runs} run folders of {args.epochs} epochs made in "
            f"{time.perf_counter() - start:.1f} s; load average {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} cores"
        )
        (Path(tmp) / "empty").mkdir()
        cases = {
            "--out EMPTY (start-up alone)": ["--out", str(Path(tmp) / "empty")],
            "plain table (piped), cold cache": ["--out", str(root)],
            "plain table (piped)": ["--out", str(root)],
            "--format csv": ["--out", str(root), "--format", "csv"],
            "--format json --only-changed": [
                "--out",
                str(root),
                "--format",
                "json",
                "--only-changed",
            ],
            "--filter eta>=0.01 --filter tags=bench --sort val_acc --reverse": [
                "--out",
                str(root),
                "--filter",
                "eta>=0.01",
                "--filter",
                "tags=bench",
                "--sort",
                "val_acc",
                "--reverse",
            ],
        }
        print(f"{'linclf runs …':<68} {'wall':>7} {'CPU':>7}")
        for name, extra in cases.items():
            cold = cache if "cold" in name else None
            wall, cpu, size = timed([*linclf, *extra], args.repeat, env, cold)
            print(f"{name:<68} {wall:6.3f}s {cpu:6.3f}s  ({size} bytes out)")


if __name__ == "__main__":
    main()
