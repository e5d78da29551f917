"""Reading run folders without trusting them.

A run folder may be half written, from a newer linclf, or hand-edited: every field may be
missing, of the wrong type, NaN or inf. The reader turns what it finds into plain values
(numbers, or None where a number is not there) and never raises for a folder's content.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from linclf.engine.train import EpochStats

MAX_FILE_BYTES = 64 << 20  # a 100 000-epoch history is about 20 MB


def number(value) -> float | None:
    """A float from a number or from the strings linclf writes for NaN and ±inf; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "-inf", "infinity"):
        return float(value.strip().lower().replace("infinity", "inf"))
    return None


def stats_from(row) -> EpochStats | None:
    """An EpochStats from a history row (a dict); None when the row is not a dict."""
    if not isinstance(row, dict):
        return None
    values = {name: number(row.get(name)) for name in EpochStats.__dataclass_fields__}
    epoch = values["epoch"]
    values["epoch"] = int(epoch) if epoch is not None and math.isfinite(epoch) else None
    return EpochStats(**values)


def _read_text(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_text(errors="replace")
    except (OSError, ValueError):
        return None


def read_json(path: Path):
    """The JSON value in path, or None if it is missing, too large or not JSON."""
    text = _read_text(path)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def read_history(run_dir: Path) -> list[EpochStats]:
    """The epochs recorded so far; a line that is not a JSON object (e.g. one being written)
    is skipped. Folders of format 1 kept their history in run.json or history.json."""
    text = _read_text(run_dir / "history.jsonl")
    if text is None:
        old = read_json(run_dir / "history.json")
        rows = old if isinstance(old, list) else []
    else:
        rows = []
        for line in text.splitlines():
            try:
                rows.append(json.loads(line))
            except (ValueError, RecursionError):
                continue
    return [stats for stats in map(stats_from, rows) if stats is not None]


def load_run(run_dir: str | os.PathLike) -> dict:
    """A run folder as a dict: run.json's fields (those present), "history" as EpochStats and
    "run_dir". Nothing is validated beyond types here; doors show what is missing."""
    run_dir = Path(run_dir)
    info = read_json(run_dir / "run.json")
    data = dict(info) if isinstance(info, dict) else {}
    history = read_history(run_dir)
    if not history and isinstance(data.get("history"), list):
        history = [s for s in map(stats_from, data["history"]) if s is not None]
    data["history"] = history
    data["run_dir"] = str(run_dir)
    return data


def list_runs(out: str | os.PathLike) -> list[Path]:
    """Run folders under out (at any depth: search trials and report experiments live inside
    their search's or report's folder), newest first."""
    out = Path(out)
    if not out.is_dir():
        return []
    return sorted((p.parent for p in out.rglob("run.json")), key=lambda p: p.name, reverse=True)
