"""A cache of the rows of finished runs, so that listing a large store reads only what changed.

Reading a run's history is most of what a row costs (2 000 runs of 40 epochs: 80 000 JSON
lines). A run with a final status no longer changes, so its row is kept, keyed by the
signature (inode, size, modification time) of each file it was made from; while every
signature matches, the row is taken from the cache without opening the folder. Live, judged
and unreadable runs are always read afresh.

The cache is one JSON file per store under $XDG_CACHE_HOME/linclf (default ~/.cache/linclf),
outside the store, so a read-only store (a colleague's) is cached too. It is derived data: a
cache that is missing, unreadable, of another format or another patience is ignored, and one
that cannot be written is skipped in silence.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from linclf.engine import status as st
from linclf.engine.files import atomic_write
from linclf.engine.insight import alerts as al
from linclf.engine.store import runread

CACHE_FORMAT = 1
SOURCES = ("run.json", "history.jsonl", "history.json", "notes.json")


def cache_file(root: Path) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    key = hashlib.sha256(str(root.resolve()).encode(errors="replace")).hexdigest()[:20]
    return Path(base) / "linclf" / f"runs-{key}.json"


def _signature(path: str) -> list | None:
    """runwatch.signature of a path given as a string (no Path objects: 8 000 of them cost)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return [found.st_ino, found.st_size, found.st_mtime_ns]


def sources(run_dir: Path) -> list:
    """The signature of every file a row is made from (None for a missing one)."""
    folder = os.fspath(run_dir)
    return [_signature(os.path.join(folder, name)) for name in SOURCES]


class RowCache:
    """Rows of finished runs by folder, with the signatures they were read under."""

    def __init__(self, root: Path, patience: int):
        self.path = cache_file(root)
        self.patience = patience
        self.entries: dict[str, dict] = {}
        self.changed = False
        data = runread.read_json(self.path)
        if (
            isinstance(data, dict)
            and data.get("format") == CACHE_FORMAT
            and data.get("patience") == patience
            and isinstance(data.get("rows"), dict)
        ):
            self.entries = data["rows"]

    def get(self, run_dir: Path, sig: list) -> tuple[dict, tuple[al.Alert, ...]] | None:
        """The cells and alerts of a run read under these signatures, or None."""
        entry = self.entries.get(str(run_dir))
        if not isinstance(entry, dict) or entry.get("sources") != sig:
            return None
        cells, alerts = entry.get("cells"), entry.get("alerts")
        if not isinstance(cells, dict) or not isinstance(alerts, list):
            return None
        try:
            found = tuple(al.Alert(str(rule), epoch, str(text)) for rule, epoch, text in alerts)
        except (TypeError, ValueError):
            return None
        tags = cells.get("tags")
        return {**cells, "tags": tuple(tags) if isinstance(tags, list) else ()}, found

    def put(self, run_dir: Path, sig: list, cells: dict, alerts: tuple[al.Alert, ...]) -> None:
        """Keep a row when its run has ended; forget the folder otherwise."""
        key = str(run_dir)
        if cells.get("status") not in st.FINAL:
            self.changed |= self.entries.pop(key, None) is not None
            return
        alert_list = [[a.rule, a.epoch, a.text] for a in alerts]
        self.entries[key] = {"sources": sig, "cells": cells, "alerts": alert_list}
        self.changed = True

    def keep_only(self, run_dirs: list[Path]) -> None:
        """Forget the folders that are gone."""
        present = {str(path) for path in run_dirs}
        for key in [k for k in self.entries if k not in present]:
            del self.entries[key]
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        data = {"format": CACHE_FORMAT, "patience": self.patience, "rows": self.entries}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(data, separators=(",", ":")).encode())
        except (OSError, ValueError):
            pass  # a cache that cannot be written only costs the next listing time
