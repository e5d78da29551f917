"""Run a loader in a child process with an address-space limit: a segfault, a hang or a
memory blow-up shows up as a result here, not as a dead test run."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROBE = Path(__file__).resolve().parent / "probe.py"
GIB = 1 << 30


@dataclass
class Outcome:
    returncode: int | None  # None: killed after the timeout
    reports: list[dict]
    stderr: str

    @property
    def crashed(self) -> str | None:
        """'SIGSEGV' etc. if a signal killed the child, 'timeout' if it hung, else None."""
        if self.returncode is None:
            return "timeout"
        if self.returncode < 0:
            return signal.Signals(-self.returncode).name
        return None


def run_probe(
    loader: str, paths: list[Path], mem_limit: int = GIB, timeout: float = 60, python=None
) -> Outcome:
    """Read each path with loader ('ours' or 'current') in one child limited to mem_limit
    bytes of address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = [python or sys.executable, str(PROBE), loader, *map(str, paths)]
    try:
        done = subprocess.run(
            command, preexec_fn=limit, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else (err.stdout or "")
        return Outcome(None, _reports(out), "")
    return Outcome(done.returncode, _reports(done.stdout), done.stderr)


def _reports(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


CHILD = Path(__file__).resolve().parent / "unpack_child.py"


def run_unpack_child(
    folder: Path, *flags: str, mem_limit: int = GIB, file_limit: int = 128 << 20, timeout=120
) -> subprocess.CompletedProcess:
    """locate(folder) and read its batches in a child limited to mem_limit bytes of address
    space and files of at most file_limit bytes (so a broken size check cannot fill the disk:
    writing past it kills the child with SIGXFSZ)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, str(CHILD), str(folder), *flags],
        preexec_fn=limit,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
