"""Writing files so that a reader or a crash never sees half of one, JSON without NaN, and
reading files that someone else wrote without trusting them (engine/store/npzread.py reads weights).

A run folder or a results file may be written by anyone: any of its names may be a FIFO (an
open() or read() that never returns), a link to /dev/zero (endless), or simply huge. Every
reader of such files goes through read_capped or read_slice: the file is opened non-blocking,
must be a regular file once open (fstat, not the name), and is read only up to a limit, whatever
its size claims to be.
"""

from __future__ import annotations

import errno
import json
import math
import os
import secrets
import stat
from pathlib import Path

READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


class NotRegularFile(OSError):
    """A FIFO, device, socket or folder where a regular file was expected."""


class FileTooLarge(OSError):
    """A file holding more than its reader accepts."""


def open_regular(path: Path) -> int:
    """A descriptor of path, opened without blocking and only if it is a regular file: a name
    that leads to anything else is checked before opening (opening some devices acts) and
    after (the name may have been replaced in between)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
    fd = os.open(path, READ_FLAGS)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
    return fd


def _read_upto(fd: int, count: int) -> bytes:
    parts, left = [], count
    while left > 0:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def read_capped(path: Path, limit: int) -> bytes:
    """The whole of regular file path; FileTooLarge when it holds more than limit bytes (what
    is read decides, not st_size), NotRegularFile, or any other OSError."""
    fd = open_regular(path)
    try:
        data = _read_upto(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileTooLarge(errno.EFBIG, f"more than {limit >> 20} MiB", str(path))
    return data


def read_slice(path: Path, offset: int, count: int) -> bytes:
    """At most count bytes of regular file path from offset (fewer at its end)."""
    fd = open_regular(path)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        return _read_upto(fd, count)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, durable: bool = False) -> None:
    """Write to a temporary file beside path, then rename: readers and a crash mid-write see
    the old file or the new one, never part of one. The file gets mode 0666 less the umask,
    like any file a program creates (0644 under umask 022). durable: the data reaches the disk
    before the rename (fsync), and the rename itself after it (fsync of the folder), so a
    power cut cannot leave an empty file in place of the old one."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # the kernel applies the umask
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """fsync a folder, so that the files just created or renamed in it stay after a crash (a
    file system that cannot sync folders is left as it is)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sync_file(path: Path) -> None:
    """fsync a file written bit by bit (an appended log), once it is complete."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append_line(path: Path, line: str) -> None:
    """Append one whole line with a single write, so a reader polling the file sees each line
    complete (or not yet) within moments of the call."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, (line.rstrip("\n") + "\n").encode())
    finally:
        os.close(fd)


def json_safe(value):
    """value with NaN and ±inf as the strings "nan", "inf", "-inf" (plain JSON has no such
    numbers; every reader of linclf's files turns them back)."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def to_json(value, indent: int | None = 2) -> str:
    return json.dumps(json_safe(value), indent=indent, allow_nan=False)
