"""Whole-process measurement shared by the benchmarks: run a command, take its wall time, CPU
time and peak memory from the kernel's own accounting (os.wait4), let commands take turns so
a drifting machine affects them alike, and report min/median/max and pair-by-pair ratios."""

from __future__ import annotations

import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "Datasets" / "cifar-10-batches-py"
# How to start linclf; --linclf overrides it (e.g. "linclf" for the console script, or
# "env PYTHONPATH=/other/tree python -m linclf" to measure another checkout).
DEFAULT_LINCLF = f"{shlex.quote(sys.executable)} -m linclf"


@dataclass
class Run:
    wall: float
    cpu: float  # user + system of the process and of the children it waited for
    peak_mib: float  # largest resident set of the process or of one waited-for child
    output: str


def run(command: list[str], env: dict | None = None) -> Run:
    """Run once from the repository root; its output goes to a file (a pipe would cost the
    child time when it writes a lot) and comes back in Run.output."""
    with tempfile.TemporaryFile() as sink:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        sink.seek(0)
        output = sink.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise RuntimeError(f"{shlex.join(command)} exited {code}:\n{output[-2000:]}")
    # ru_maxrss is in KiB on Linux; for the child's own children it is the largest one.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def interleaved(commands: dict[str, list[str]], repeat: int, warmup: int = 1, env=None) -> dict:
    """name → list of Run: the commands take turns (A B A B ...) after warm-up rounds."""
    for _ in range(warmup):
        for command in commands.values():
            run(command, env)
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(run(command, env))
    return runs


def spread(values: list[float], unit: str = "s", digits: int = 2) -> str:
    """'median unit (min .., max ..)'."""
    return (
        f"{statistics.median(values):.{digits}f} {unit} "
        f"(min {min(values):.{digits}f}, max {max(values):.{digits}f})"
    )


def paired_ratios(slow: list[Run], fast: list[Run]) -> list[float]:
    """slow/fast wall time, pair by pair (the runs of a pair were made back to back)."""
    return [a.wall / b.wall for a, b in zip(slow, fast)]


def linclf_command(linclf: str, *args: str) -> list[str]:
    return [*shlex.split(linclf), *args]


def machine_line() -> str:
    """What the figures depend on: cores, load average, Python, numpy and its BLAS."""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}, Python {sys.version.split()[0]}"
