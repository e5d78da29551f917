"""What a reader needs to repeat the report: the command, the code's version and commit, the
libraries, the machine, every hyper-parameter and the data's sizes. Plain text pairs for the
document's reproducibility block."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import fields
from importlib import metadata
from pathlib import Path

from linclf.engine.config import TrainConfig

LIBRARIES = ("numpy", "matplotlib", "torch", "typst", "threadpoolctl")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def commit() -> str:
    """The git commit of the code (with 'modified' when the work tree differs), or why not."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if head.returncode != 0:
            return "not a git checkout"
        status = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "git not available"
    return head.stdout.strip() + (" (modified work tree)" if status.stdout.strip() else "")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return "memory unknown"
    return f"{pages * size / 2**30:.0f} GiB memory"


def _blas() -> str:
    from threadpoolctl import threadpool_info

    found = [
        f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')})"
        for p in threadpool_info()
        if p.get("user_api") == "blas"
    ]
    return ", ".join(dict.fromkeys(found)) or "unknown BLAS"


def software() -> list[tuple[str, str]]:
    return [
        ("linclf", f"{_version('linclf')}, commit {commit()}"),
        (
            "libraries",
            f"Python {platform.python_version()}, "
            + ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)
            + f"; BLAS: {_blas()}",
        ),
    ]


def hardware(workers: int | None) -> tuple[str, str]:
    return (
        "hardware",
        f"{_cpu()}, {os.cpu_count()} logical cores, {_memory()}, {platform.system()} "
        f"{platform.machine()}; "
        + (f"{workers} worker processes" if workers else "a Dask cluster")
        + ", one BLAS thread each",
    )


def hyper_parameters(config: TrainConfig) -> str:
    """Every field of the baseline configuration (the sections state what they change)."""
    return ", ".join(f"{f.name} {getattr(config, f.name)}" for f in fields(config))
