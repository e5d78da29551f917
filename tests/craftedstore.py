"""A run store holding every kind of hostile run folder at once (issue 22, point 3), beside one
genuine run; shared by tests/test_crafted_store.py and benchmarks/bench_crafted_store.py."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
from runstore import fixed_history, write_run

NAMES = ("run.json", "history.jsonl", "heartbeat", "weights.npz")


def npz_bomb(path: Path, shape: tuple[int, ...] = (10, 30_000_000), real_bytes: int = 64 << 20):
    """An npz whose W declares shape (2.4 GB of float64 by default), real_bytes of zeros of it
    stored compressed (a few hundred kB)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": shape}
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("W.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            block = bytes(1 << 20)
            for _ in range(real_bytes >> 20):
                member.write(block)
    return path


def long_history(path: Path, epochs: int) -> Path:
    """history.jsonl with epochs lines (numbered from 1), written in blocks."""
    template = json.dumps({**fixed_history(1)[0].to_dict(), "epoch": 0}).replace(
        '"epoch": 0', '"epoch": {}'
    )
    template = template.replace("{", "{{").replace("}", "}}").replace("{{}}", "{}")
    with open(path, "w") as handle:
        for start in range(1, epochs + 1, 10_000):
            stop = min(epochs + 1, start + 10_000)
            handle.write("".join(template.format(e) + "\n" for e in range(start, stop)))
    return path


def build(root: Path, big: bool = False) -> dict[str, Path]:
    """The crafted folders under root, by name; big adds a 10^6-line and a 1 GB history."""
    folders = {"genuine": write_run(root / "genuine", fixed_history(3), "running")}
    for name in NAMES:
        folder = write_run(root / f"fifo-{name}", fixed_history(2), "running")
        (folder / name).unlink(missing_ok=True)
        os.mkfifo(folder / name)
        folders[f"fifo-{name}"] = folder
        folder = write_run(root / f"zero-{name}", fixed_history(2), "running")
        (folder / name).unlink(missing_ok=True)
        os.symlink("/dev/zero", folder / name)
        folders[f"zero-{name}"] = folder
    folder = write_run(root / "bomb", fixed_history(2), "completed")
    npz_bomb(folder / "weights.npz")
    folders["bomb"] = folder
    folder = write_run(root / "future-beat", fixed_history(2), "running", pid=2**22 + 7)
    (folder / "heartbeat").write_text("1e308\n")
    folders["future-beat"] = folder
    if big:
        folder = write_run(root / "million", None, "completed")
        (folder / "history.jsonl").unlink()
        long_history(folder / "history.jsonl", 1_000_000)
        folders["million"] = folder
        folder = write_run(root / "gigabyte", None, "running")
        (folder / "history.jsonl").unlink()
        with open(folder / "history.jsonl", "wb") as handle:
            handle.truncate(1 << 30)  # a sparse gigabyte of zero bytes: no line breaks
        folders["gigabyte"] = folder
    return folders
