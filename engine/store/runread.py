"""Reading run folders without trusting them, and judging whether their writer still lives.

A run folder may be half written, from a newer linclf, hand-edited, or left behind by a
process that was killed: every field may be missing, of the wrong type, NaN or inf. The reader
turns what it finds into plain values (numbers, short strings, or None where a value is not
there) and never raises for a folder's content.
"""

from __future__ import annotations

import json
import math
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from linclf.engine import status as st
from linclf.engine.files import read_capped, read_slice
from linclf.engine.records import EpochStats
from linclf.engine.store.runs import FORMAT, HEARTBEAT_SECONDS

MAX_FILE_BYTES = 64 << 20  # a 100 000-epoch history is about 20 MB
MAX_TEXT = 200  # strings from a folder are cut to this length before anyone shows them
# On this host the writer's pid decides; its heartbeat only has to be newer than this.
STALE_SECONDS = 3 * HEARTBEAT_SECONDS
# On another host (a shared NFS drive) only the heartbeat tells, and NFS caches what a client
# sees of a file for up to a minute.
REMOTE_STALE_SECONDS = 90.0
CLOCK_SLACK = 2.0  # process start times are known to about a second
DISK_FULL_BYTES = 1 << 20  # less room than this on a run's disk: it could not write its end


def number(value) -> float | None:
    """A float from a number or from the strings linclf writes for NaN and ±inf; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "-inf", "infinity"):
        return float(value.strip().lower().replace("infinity", "inf"))
    return None


def whole(value) -> int | None:
    """An int from an integral finite number; else None."""
    value = number(value)
    if value is None or not math.isfinite(value) or value != int(value):
        return None
    return int(value)


def text(value) -> str | None:
    """A string value cut to MAX_TEXT characters; None for anything that is not a string."""
    return value[:MAX_TEXT] if isinstance(value, str) else None


def scalar(value):
    """A config value as shown: a bool, finite or special number, or short string; None for
    anything else (a list, a dict: a nested value is not a hyper-parameter)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    return text(value)


def stats_from(row) -> EpochStats | None:
    """An EpochStats from a history row (a dict); None when the row is not a dict."""
    if not isinstance(row, dict):
        return None
    values = {name: number(row.get(name)) for name in EpochStats.__dataclass_fields__}
    epoch = values["epoch"]
    values["epoch"] = int(epoch) if epoch is not None and math.isfinite(epoch) else None
    # A figure a row lacks is None here, though EpochStats types them as numbers: the readers
    # of a run folder (the TUI, linclf runs) check for None. A record type of its own for
    # rows read from disk is the real fix (noted on issue 19).
    return EpochStats(**values)  # type: ignore[arg-type]


def parse_lines(data: bytes) -> list[EpochStats]:
    """History rows from whole lines of history.jsonl; a line that is not a JSON object is
    skipped."""
    rows = []
    for line in data.decode(errors="replace").splitlines():
        try:
            stats = stats_from(json.loads(line))
        except (ValueError, RecursionError):
            continue
        if stats is not None:
            rows.append(stats)
    return rows


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str | None:
    """The text of regular file path; None if it is missing, not a regular file (a FIFO, a
    link to a device) or longer than limit bytes (engine/files.py)."""
    try:
        return read_capped(path, limit).decode(errors="replace")
    except OSError:
        return None


def read_json(path: Path):
    """The JSON value in path, or None if it is missing, too large or not JSON."""
    text_ = read_text(path)
    if text_ is None:
        return None
    try:
        return json.loads(text_)
    except (ValueError, RecursionError):
        return None


def read_history(run_dir: Path) -> list[EpochStats]:
    """The epochs recorded so far. Folders of format 1 kept their history in history.json."""
    text_ = read_text(run_dir / "history.jsonl")
    if text_ is None:
        old = read_json(run_dir / "history.json")
        return [s for s in map(stats_from, old if isinstance(old, list) else []) if s]
    return parse_lines(text_.encode())


def last_epoch(run_dir: Path) -> EpochStats | None:
    """The last whole row of a run's history.jsonl (read from its end, within 64 KiB)."""
    path = Path(run_dir) / "history.jsonl"
    try:
        size = os.stat(path).st_size
        data = read_slice(path, max(0, size - (64 << 10)), 64 << 10)
    except OSError:
        return None
    rows = parse_lines(data[data.find(b"\n") + 1 :] if size > len(data) else data)
    return rows[-1] if rows else None


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


@dataclass(frozen=True)
class RunInfo:
    """run.json as plain values: None wherever the file has nothing usable."""

    readable: bool = False  # run.json held a JSON object
    format: int | None = None
    status: str | None = None  # as written: may be a status this linclf does not know
    config: dict = field(default_factory=dict)  # field name → scalar (None: not a scalar)
    pid: int | None = None
    host: str | None = None
    started: float | None = None
    ended: float | None = None
    epochs: int | None = None
    test_acc: float | None = None
    test_loss: float | None = None
    error: str | None = None

    @property
    def newer(self) -> bool:
        """Written by a newer linclf: shown as far as this one understands it."""
        return self.format is not None and self.format > FORMAT


def run_info(data) -> RunInfo:
    """The fields of a run.json value, each coerced to its type (or None)."""
    if not isinstance(data, dict):
        return RunInfo()
    config = data.get("config")
    return RunInfo(
        readable=True,
        format=whole(data.get("format")),
        status=text(data.get("status")),
        config={
            str(name)[:40]: scalar(value)
            for name, value in (config.items() if isinstance(config, dict) else ())
        },
        pid=whole(data.get("pid")),
        host=text(data.get("host")),
        started=number(data.get("started")),
        ended=number(data.get("ended")),
        epochs=whole(data.get("epochs")),
        test_acc=number(data.get("test_acc")),
        test_loss=number(data.get("test_loss")),
        error=text(data.get("error")),
    )


def read_beat(run_dir: Path) -> float | None:
    """When the writer last showed life: the time in its heartbeat file, else (an older
    folder, or one just created) the newest change of its run files."""
    try:
        beat = float((read_text(run_dir / "heartbeat", 4096) or "").strip()[:40])
    except ValueError:
        beat = math.nan
    if math.isfinite(beat):
        return beat
    times = []
    for name in ("run.json", "history.jsonl"):
        try:
            times.append((run_dir / name).stat().st_mtime)
        except OSError:
            pass
    return max(times, default=None)


def disk_full(path: Path) -> bool:
    """Whether the file system holding path has (next to) no room left: a run on it that
    died without a final status most likely failed to write one (ENOSPC)."""
    try:
        stats = os.statvfs(path)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < DISK_FULL_BYTES


def writer_alive(pid: int | None, started: float | None) -> bool | None:
    """Whether process pid on this host is the run's writer: it exists, is not a zombie, and
    started before the run did (a later process that reuses the pid is someone else). None
    when that cannot be told."""
    import psutil

    if pid is None or pid <= 0:
        return None
    try:
        process = psutil.Process(pid)
        with process.oneshot():  # one read of /proc/<pid>/stat for both
            created = process.create_time()
            if process.status() == psutil.STATUS_ZOMBIE:
                return False
    except psutil.NoSuchProcess:
        return False
    except (psutil.Error, OSError):
        return None
    return started is None or created <= started + CLOCK_SLACK


def judge(info: RunInfo, beat: float | None, now: float, host: str | None = None) -> str:
    """The state of a run as a reader sees it: its final status when one is written; unknown
    for a status this linclf does not know; else running, stalled (the writer lives but has
    stopped beating: suspended, or a slow disk) or dead (the writer is gone)."""
    if info.status in st.FINAL:
        return info.status
    if info.readable and info.status not in (st.PENDING, st.RUNNING):
        return st.UNKNOWN
    live = info.status or st.RUNNING
    age = now - beat if beat is not None else math.inf
    here = info.host is not None and info.host == (host or socket.gethostname())
    alive = writer_alive(info.pid, info.started) if here else None
    if alive is True:
        return live if age <= STALE_SECONDS else st.STALLED
    # Without a living writer, a heartbeat from the future (1e308, a clock far ahead) proves
    # nothing: as if there were none.
    if age < -REMOTE_STALE_SECONDS:
        age = math.inf
    # A writer that just ended may be gone before its final run.json is read: only a
    # heartbeat older than two beats makes it dead.
    if alive is False:
        return live if age <= 2 * HEARTBEAT_SECONDS else st.DEAD
    return live if age <= REMOTE_STALE_SECONDS else st.DEAD
