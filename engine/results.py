"""results.csv: one row per finished trial of a search, written so that a full disk, a crash
or a second search never leaves a row that poisons the file.

Each row goes to disk whole: one `write` of the encoded line (with the header, when the file
is new) and an fsync; a short write is cut off again. A row that is torn all the same (the
machine went down mid-write) is found when the search resumes: it is dropped, and its trial
runs again. While a search writes its CSV it holds a lock beside it, so a second search of
the same folder refuses to start instead of running every trial twice.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
from pathlib import Path

from filelock import FileLock, Timeout

from linclf.engine import status as st
from linclf.engine.config import TrainConfig, config_fields
from linclf.engine.errors import UsageError
from linclf.engine.files import atomic_write

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
    row = dict(zip(header, record))
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


def read_results(path: Path) -> list[dict]:
    """The whole rows of a results CSV, typed by the config schema (a torn or unreadable line
    is left out); a missing file gives no rows."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    return _scan(data)[1]


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
        header, self.rows, torn = _scan(self.path.read_bytes())
        if header is not None and header != self.fields:
            raise UsageError(
                f"{self.path}: its columns are not those of this linclf's results; "
                "pass another --out"
            )
        if torn:  # keep the whole rows only; the trials of the dropped lines run again
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
