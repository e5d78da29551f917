"""The run store as rows: one per run folder under a root, for `linclf runs` and the TUI.

A row holds the run (its path under the root), its state as a reader judges it, what is wrong
with its folder, the epochs recorded, every config field (under the field's own name), the
last epoch's accuracies and costs, the test figures, the best validation accuracy and its
epoch, the alerts (engine/insight/alerts.py), and the person's tags and note
(engine/insight/notes.py). Every
folder is read through the untrusting reader (engine/store/runread.py): a broken, unreadable or
newer-format folder is a row that says so, never an exception and never a missing row.
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linclf.engine import status as st
from linclf.engine.config import config_fields
from linclf.engine.insight import alerts as al
from linclf.engine.insight import notes as nt
from linclf.engine.insight.rowcache import RowCache, sources
from linclf.engine.insight.runfilter import ANY, BOOL, NUMBER, TAGS, TEXT
from linclf.engine.records import EpochStats
from linclf.engine.store import runread
from linclf.engine.store.runs import FORMAT
from linclf.engine.store.runwatch import list_folder


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # a kind of engine.runfilter
    fraction: bool = False  # a fraction in [0, 1]: a percentage on screen, a fraction in data
    whole: bool = False  # a count or an epoch


HEAD = (
    Column("run", TEXT),
    Column("status", TEXT),
    Column("folder", TEXT),
    Column("epochs", NUMBER, whole=True),
)
# Last epoch's figures, the test set's, and the best validation accuracy, labelled as such.
FIGURES = (
    Column("train_acc", NUMBER, fraction=True),
    Column("val_acc", NUMBER, fraction=True),
    Column("test_acc", NUMBER, fraction=True),
    Column("train_cost", NUMBER),
    Column("val_cost", NUMBER),
    Column("test_loss", NUMBER),
    Column("best_val_acc", NUMBER, fraction=True),
    Column("best_epoch", NUMBER, whole=True),
)
TAIL = (Column("alerts", TEXT), Column("tags", TAGS), Column("note", TEXT), Column("error", TEXT))
_KINDS = {float: NUMBER, int: NUMBER, bool: BOOL, str: TEXT}
CONFIG = tuple(Column(f.name, _KINDS[f.kind], whole=f.kind is int) for f in config_fields())
OWN_NAMES = {c.name for c in (*HEAD, *FIGURES, *TAIL)}
OK = "ok"
SCHEMA = frozenset(c.name for c in CONFIG)
MAX_EXTRA = 16  # config keys outside the schema shown per run (a newer format adds a few)


@dataclass(frozen=True)
class RunRow:
    path: Path
    cells: dict[str, Any]  # column name → value (None: nothing usable)
    alerts: tuple[al.Alert, ...]


def find_runs(root: str | os.PathLike) -> list[Path]:
    """Every run folder under root at any depth (root itself when it is one), in path order,
    found as the monitor finds them (runwatch.list_folder)."""
    found, stack = [], [Path(root)]
    while stack:
        folder = stack.pop()
        children, is_run = list_folder(folder)
        if is_run:
            found.append(folder)
        else:
            stack.extend(children)
    return sorted(found)


def _folder_state(run_dir: Path, info: runread.RunInfo, history: list) -> str:
    problems = []
    if not info.readable:
        exists = os.path.lexists(run_dir / "run.json")
        problems.append("run.json unreadable" if exists else "no run.json")
    elif info.newer:
        problems.append(f"newer format {info.format} (this linclf reads {FORMAT})")
    if not history:
        try:
            if (run_dir / "history.jsonl").stat().st_size > 0:
                problems.append("history unreadable")
        except OSError:
            pass
    return "; ".join(problems) or OK


def _best(history: Sequence[EpochStats]) -> tuple[float | None, int | None]:
    best, epoch = None, None
    for stats in history:
        value = stats.val_acc
        if value is not None and math.isfinite(value) and (best is None or value > best):
            best, epoch = value, stats.epoch
    return best, epoch


def read_row(
    run_dir: Path,
    root: Path,
    now: float | None = None,
    host: str | None = None,
    patience: int = al.PATIENCE,
) -> RunRow:
    """One run folder as a row, read through the untrusting reader."""
    now = time.time() if now is None else now
    data = runread.read_json(run_dir / "run.json")
    info = runread.run_info(data)
    history = runread.read_history(run_dir)
    if not history and isinstance(data, dict):  # format 1 kept the history inside run.json
        rows = data.get("history")
        history = [s for s in map(runread.stats_from, rows if isinstance(rows, list) else []) if s]
    beat = runread.read_beat(run_dir) if info.status not in st.FINAL else None
    state = runread.judge(info, beat, now, host)
    folder = _folder_state(run_dir, info, history)
    return make_row(run_dir, root, info, history, state, nt.read_notes(run_dir), folder, patience)


def make_row(
    run_dir: Path,
    root: Path,
    info: runread.RunInfo,
    history: Sequence[EpochStats],
    state: str,
    notes: nt.Notes,
    folder: str = OK,
    patience: int = al.PATIENCE,
) -> RunRow:
    """A row from what a reader already holds (the TUI: a RunSnap's info, history and
    state, and the run's notes)."""
    last = history[-1] if history else None
    best, best_epoch = _best(history)
    found = al.alerts(history, state, patience)
    try:
        name = run_dir.relative_to(root).as_posix()
    except ValueError:
        name = run_dir.as_posix()
    cells: dict[str, Any] = {
        "run": run_dir.name if name == "." else name,
        "status": state,
        "folder": folder,
        "epochs": len(history),
    }
    extra = [key for key in info.config if key not in SCHEMA]
    for key, value in info.config.items():
        if key in SCHEMA or key in extra[:MAX_EXTRA]:
            cells[f"config.{key}" if key in OWN_NAMES else key] = value
    if len(extra) > MAX_EXTRA:  # a crafted config must not make a table of 10 000 columns
        dropped = f"{len(extra) - MAX_EXTRA} config keys not shown"
        cells["folder"] = dropped if folder == OK else f"{folder}; {dropped}"
    for column in ("train_acc", "val_acc", "train_cost", "val_cost"):
        cells[column] = getattr(last, column) if last else None
    cells.update(
        test_acc=info.test_acc,
        test_loss=info.test_loss,
        best_val_acc=best,
        best_epoch=best_epoch,
        alerts=" ".join(a.label for a in found),
        tags=notes.tags,
        note=notes.note,
        error=info.error,
    )
    return RunRow(run_dir, cells, tuple(found))


def read_rows(
    root: str | os.PathLike, patience: int = al.PATIENCE, cached: bool = True
) -> list[RunRow]:
    """Every run under root as a row, in path order. cached: take the rows of finished runs
    whose files have not changed from the row cache (engine/insight/rowcache.py), and update it."""
    root, now, host = Path(root), time.time(), socket.gethostname()
    paths = find_runs(root)
    if not cached:
        return [read_row(path, root, now, host, patience) for path in paths]
    cache = RowCache(root, patience)
    rows = []
    for path in paths:
        sig = sources(path)
        hit = cache.get(path, sig)
        if hit is not None:
            rows.append(RunRow(path, *hit))
            continue
        row = read_row(path, root, now, host, patience)
        cache.put(path, sig, row.cells, row.alerts)
        rows.append(row)
    cache.keep_only(paths)
    cache.save()
    return rows


def columns(rows: list[RunRow]) -> list[Column]:
    """The columns of these rows: the run's own, every config field of the schema, other
    config keys folders hold (a newer format, an edited file: the MAX_EXTRA most common),
    the figures, the person's."""
    known = {c.name for c in CONFIG} | OWN_NAMES
    counts = Counter(k for row in rows for k in row.cells if k not in known)
    extra = sorted(k for k, _ in counts.most_common(MAX_EXTRA))
    return [*HEAD, *CONFIG, *(Column(k, ANY) for k in extra), *FIGURES, *TAIL]


def kinds(cols: list[Column]) -> dict[str, str]:
    return {c.name: c.kind for c in cols}


def _sort_value(value) -> float | str | None:
    if value is None or value == () or value == "":
        return None
    if isinstance(value, (bool, int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    return ",".join(value) if isinstance(value, tuple) else str(value).casefold()


def sort_rows(rows: list[RunRow], column: str, reverse: bool = False) -> list[RunRow]:
    """Rows by one column, ascending (descending with reverse). Numbers come before text (a
    crafted folder's string in a numeric column) and empty or NaN cells last, either way."""
    keyed = [(_sort_value(row.cells.get(column)), row) for row in rows]
    numbers = [(key, row) for key, row in keyed if isinstance(key, float)]
    texts = [(key, row) for key, row in keyed if isinstance(key, str)]
    numbers.sort(key=lambda pair: pair[0], reverse=reverse)
    texts.sort(key=lambda pair: pair[0], reverse=reverse)
    ordered = [row for _, row in numbers] + [row for _, row in texts]
    return ordered + [row for key, row in keyed if key is None]


def changed_columns(rows: list[RunRow], cols: list[Column]) -> list[Column]:
    """The columns whose cells differ between the rows (the run's name always stays); with
    fewer than two rows there is nothing to compare and every column stays."""
    if len(rows) < 2:
        return cols
    return [
        c for c in cols if c.name == "run" or len({repr(row.cells.get(c.name)) for row in rows}) > 1
    ]
