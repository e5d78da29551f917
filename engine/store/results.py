"""results.csv: one row per finished trial of a search, written so that a full disk, a crash
or a second search never leaves a row that poisons the file.

Each row goes to disk whole: one `write` of the encoded line (with the header, when the file
is new) and an fsync; a short write is cut off again. A row that is torn all the same (the
machine went down mid-write) is found when the search resumes: it is dropped, and its trial
runs again. While a search writes its CSV it holds a lock beside it, so a second search of
the same folder refuses to start instead of running every trial twice.

A resumed search trusts a row only where its run folder agrees with it (run_agrees): the
file may have been edited, or copied from elsewhere.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import math
import os
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from linclf.engine import status as st
from linclf.engine.config import TrainConfig, config_fields
from linclf.engine.errors import UsageError
from linclf.engine.files import atomic_write, read_capped
from linclf.engine.store import runread

MAX_RESULTS_BYTES = 64 << 20  # 100 000 rows of 600 bytes

OUTCOME_FIELDS = {
    "status": str,
    "epochs_run": int,
    "val_acc": float,
    "val_cost": float,
    "train_acc": float,
    "train_cost": float,
    "seconds": float,
    "run_dir": str,
    "error": str,
}


def result_fields(config_class: type = TrainConfig) -> list[str]:
    """The columns of results.csv: the trial key, every config field, then the outcome."""
    return ["key", *(f.name for f in config_fields(config_class)), *OUTCOME_FIELDS]


def encode_line(cells: list) -> bytes:
    """One CSV record as one line: line breaks inside a cell (an error message) become spaces,
    so a record is exactly one line and a torn one is easy to tell."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        " ".join(cell.splitlines()) if isinstance(cell, str) else cell for cell in cells
    )
    return buffer.getvalue().encode()


def _typed(record: list[str], header: list[str]) -> dict | None:
    """The row of a parsed record, typed by the config schema; None if it is not a whole row
    (wrong number of cells, no key, an unknown status, a cell that does not parse, a value
    no config may hold: the file may have been written by anyone)."""
    if len(record) != len(header):
        return None
    row: dict[str, Any] = dict(zip(header, record))
    if not row.get("key") or row.get("status") not in st.STATUSES:
        return None
    try:
        for spec in config_fields():
            row[spec.name] = spec.parse(row[spec.name])
            if spec.problem(row[spec.name]) is not None:
                return None
        for name, kind in OUTCOME_FIELDS.items():
            if kind is not str:
                row[name] = kind(row[name]) if row[name] else None
    except (KeyError, ValueError):
        return None
    return row


def _scan(data: bytes) -> tuple[list[str] | None, list[dict], bool]:
    """(header, whole rows, whether anything else was found: a torn or unreadable line)."""
    lines = data.split(b"\n")
    torn = lines.pop() != b""  # the file does not end with a line break
    try:
        records = [next(csv.reader([line.decode()]), []) for line in lines]
    except (UnicodeDecodeError, csv.Error):
        return None, [], True
    if not records:
        return None, [], torn
    header, rows = records[0], []
    for record in records[1:]:
        row = _typed(record, header)
        torn |= row is None
        if row is not None:
            rows.append(row)
    return header, rows, torn


def _read(path: Path) -> bytes | None:
    """The bytes of a results CSV (None: there is none); a FIFO, a device or a file beyond
    MAX_RESULTS_BYTES is a UsageError (engine/files.py reads without blocking)."""
    try:
        return read_capped(path, MAX_RESULTS_BYTES)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise UsageError(
            f"{path}: cannot read these results ({err.strerror or err}); pass another --out"
        ) from None


def read_results(path: Path) -> list[dict]:
    """The whole rows of a results CSV, typed by the config schema (a torn or unreadable line
    is left out); a missing file gives no rows."""
    data = _read(Path(path))
    return _scan(data)[1] if data is not None else []


def _same(a, b) -> bool:
    return isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9)


def run_agrees(row: dict) -> bool:
    """Whether the run folder a finished row names says what the row says: the same config
    and status, as many epochs, the same last validation figures. A row that does not is not
    trusted (its trial runs again): anyone may have written results.csv."""
    if row["status"] == st.FAILED:
        return True  # its trial runs again anyway
    folder = Path(row["run_dir"] or "")
    info = runread.run_info(runread.read_json(folder / "run.json")) if row["run_dir"] else None
    if info is None or info.status != row["status"]:
        return False
    if any(info.config.get(spec.name) != row[spec.name] for spec in config_fields()):
        return False
    last = runread.last_epoch(folder)
    return (
        last is not None
        and last.epoch == row["epochs_run"]
        and _same(last.val_acc, row["val_acc"])
        and _same(last.val_cost, row["val_cost"])
    )


class ResultsFile:
    """A search's results CSV, held for the length of the search (a context manager).

    Entering takes the lock beside the file (another holder: UsageError) and, with resume,
    reads the rows recorded so far, rewriting the file without any torn line; without resume
    an existing file is a FileExistsError."""

    def __init__(self, path: Path, resume: bool):
        self.path = Path(path)
        self.resume = resume
        self.lock = FileLock(self.path.with_name(f".{self.path.name}.lock"), timeout=0)
        self.rows: list[dict] = []
        self.fields = result_fields()

    def __enter__(self) -> ResultsFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.lock.acquire()
        except Timeout:
            raise UsageError(
                f"{self.path}: another linclf search is writing these results; "
                "wait for it to end, or pass another --out"
            ) from None
        except OSError as err:  # the lock's name is a folder, say
            raise UsageError(
                f"{self.lock.lock_file}: cannot lock the results ({err.strerror or err}); "
                "pass another --out"
            ) from None
        try:
            self._open()
        except BaseException:
            self.lock.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()

    def _open(self) -> None:
        if not self.path.exists():
            return
        if not self.resume:
            raise FileExistsError(f"{self.path}: results exist; pass --resume to continue them")
        data = _read(self.path)
        if data is None:
            return
        header, rows, torn = _scan(data)
        if header is not None and header != self.fields:
            raise UsageError(
                f"{self.path}: its columns are not those of this linclf's results; "
                "pass another --out"
            )
        self.rows = [row for row in rows if run_agrees(row)]
        torn |= len(self.rows) < len(rows)
        if torn:  # keep the whole, trusted rows only; the trials of the others run again
            lines = [self._encode(row) for row in self.rows]
            atomic_write(self.path, b"".join([encode_line(self.fields), *lines]), durable=True)

    def _encode(self, row: dict) -> bytes:
        return encode_line(["" if row.get(name) is None else row[name] for name in self.fields])

    def append(self, row: dict) -> None:
        """Add row (columns beyond result_fields are ignored) with one write and an fsync; the
        header goes with it into a new file. A write that fails leaves the file as it was."""
        data = self._encode(row)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            start = os.fstat(fd).st_size
            if start == 0:
                data = encode_line(self.fields) + data
            try:
                if os.write(fd, data) != len(data):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
                os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                raise
        finally:
            os.close(fd)
