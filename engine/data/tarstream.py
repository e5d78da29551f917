"""A tar or tar.gz archive read as a stream of plain files, with every size bounded.

Not tarfile: tarfile reads a GNU long name, a pax header or a sparse map into memory whole
before anyone can look at its size, and knows member kinds linclf never wants. This reader
parses the 512-byte headers itself, accepts only regular files and folders (plus the pax and
GNU long-name headers that may describe them, each at most MAX_HEADER_BYTES), checks every
name and size before a byte of the member is read, and hands out member data in chunks. So
reading an archive takes memory independent of its content, and at most MAX_TOTAL_BYTES of
decompression work.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from linclf.engine.data.unpickle import open_regular
from linclf.engine.errors import DataError

BLOCK = 512
MAX_MEMBERS = 64  # CIFAR-10 has 9
MAX_MEMBER_BYTES = 64 << 20  # its largest file has 31 MB
MAX_TOTAL_BYTES = 256 << 20  # it unpacks to 178 MB
MAX_HEADER_BYTES = 64 << 10
MAX_ARCHIVE_BYTES = 1 << 30  # it is 163 MB
CHUNK = 1 << 20
_REGULAR, _FOLDER = (b"0", b"\0", b"7"), b"5"
_KINDS = {b"1": "a hard link", b"2": "a symbolic link", b"3": "a device", b"4": "a device"}
_KINDS |= {b"6": "a FIFO", b"S": "a sparse file", b"K": "a link", b"V": "a volume label"}


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    is_dir: bool


def _number(field: bytes) -> int | None:
    """A header number: octal text, or GNU's base-256 for large values; None if malformed."""
    if field[:1] in (b"\x80", b"\xff"):
        value = int.from_bytes(field[1:], "big")
        return None if field[:1] == b"\xff" else value
    text = field.split(b"\0", 1)[0].strip(b" ")
    if text and text.strip(b"01234567"):
        return None
    return int(text, 8) if text else 0


def _pax_records(payload: bytes) -> dict[str, str]:
    """Parse 'LENGTH KEY=VALUE\\n' records; None for malformed ones is a refusal upstream."""
    records, pos = {}, 0
    while pos < len(payload):
        space = payload.find(b" ", pos, pos + 20)
        length = int(payload[pos:space]) if space > pos and payload[pos:space].isdigit() else 0
        record = payload[space + 1 : pos + length - 1] if length else b""
        if not length or pos + length > len(payload) or b"=" not in record:
            raise ValueError("malformed pax header")
        key, value = record.split(b"=", 1)
        records[key.decode("utf-8")] = value.decode("utf-8")
        pos += length
    return records


class TarStream:
    """Iterate over (Member, copy) pairs; copy(write) passes the member's bytes to write in
    chunks. A member's data not copied by the consumer is skipped."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        raw = open_regular(self.path, MAX_ARCHIVE_BYTES)
        self.raw = raw
        self.stream: gzip.GzipFile | io.BufferedReader = (
            gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
        )
        self.total = 0
        self._unread = 0  # data (with padding) of the current member still in the stream

    def close(self) -> None:
        self.stream.close()
        self.raw.close()

    def refuse(self, why: str) -> DataError:
        return DataError(f"{self.path}: {why}")

    def _read_some(self, n: int) -> bytes:
        try:
            return self.stream.read(n)
        except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
            raise self.refuse(f"cannot unpack ({err})") from None

    def _read(self, n: int) -> bytes:
        data = self._read_some(n)
        while len(data) < n and (more := self._read_some(n - len(data))):
            data += more
        if len(data) < n:
            raise self.refuse("truncated archive")
        return data

    def _skip_unread(self) -> None:
        while self._unread:
            self._unread -= len(self._read(min(self._unread, CHUNK)))

    def _header(self) -> bytes | None:
        self._skip_unread()
        block = self._read_some(BLOCK)
        if not block or block == bytes(BLOCK):
            return None  # end of archive (a missing end marker is tolerated, as tar does)
        if len(block) < BLOCK:
            raise self.refuse("truncated archive")
        stored = _number(block[148:156])
        unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
        signed = unsigned - 2 * sum(b for b in block[:148] + block[156:] if b > 127)
        if stored not in (unsigned, signed):
            raise self.refuse("not a tar archive (bad header checksum)")
        return block

    def __iter__(self) -> Iterator[tuple[Member, Callable[[Callable[[bytes], object]], None]]]:
        long_name, pax, members = None, {}, 0
        for _ in range(4 * MAX_MEMBERS):
            block = self._header()
            if block is None:
                return
            kind, size = block[156:157], _number(block[124:136])
            if size is None:
                raise self.refuse("not a tar archive (bad size field)")
            if kind in (b"x", b"g", b"L"):
                if size > MAX_HEADER_BYTES:
                    raise self.refuse(f"refuses a {size}-byte extended header")
                payload = self._read(-(-size // BLOCK) * BLOCK)[:size]
                if kind == b"L":
                    long_name = payload.split(b"\0", 1)[0].decode("utf-8", "replace")
                elif kind == b"x":
                    try:
                        pax = _pax_records(payload)
                    except (ValueError, UnicodeDecodeError):
                        raise self.refuse("malformed pax header") from None
                continue
            members += 1
            if members > MAX_MEMBERS:
                raise self.refuse(f"holds more than {MAX_MEMBERS} members")
            member = self._member(block, kind, size, long_name, pax)
            long_name, pax = None, {}
            self._unread = -(-member.size // BLOCK) * BLOCK
            yield member, functools.partial(self._copy, member)
        raise self.refuse("too many headers")

    def _member(self, block: bytes, kind: bytes, size: int, long_name, pax) -> Member:
        name = block[:100].split(b"\0", 1)[0].decode("utf-8", "replace")
        if block[257:263] == b"ustar\0" and block[345] != 0:
            prefix = block[345:500].split(b"\0", 1)[0].decode("utf-8", "replace")
            name = f"{prefix}/{name}"
        name = pax.get("path", long_name or name)
        if "size" in pax:
            size = int(pax["size"]) if pax["size"].isdigit() else -1
        path = PurePosixPath(name)
        if not name or path.is_absolute() or ".." in path.parts or "\0" in name:
            raise self.refuse(f"refuses member {name!r} (path leaves the folder)")
        if any(key.startswith("GNU.sparse") for key in pax) or kind in _KINDS:
            what = "a sparse file" if kind not in _KINDS else _KINDS[kind]
            raise self.refuse(f"refuses member {name!r} ({what}; only files and folders)")
        if kind not in (*_REGULAR, _FOLDER):
            raise self.refuse(f"refuses member {name!r} (unknown type {kind!r})")
        if not 0 <= size <= MAX_MEMBER_BYTES:
            raise self.refuse(
                f"refuses member {name!r} ({size} bytes; at most {MAX_MEMBER_BYTES >> 20} MiB)"
            )
        self.total += size
        if self.total > MAX_TOTAL_BYTES:
            raise self.refuse(f"unpacks to more than {MAX_TOTAL_BYTES >> 20} MiB")
        return Member(name, size, kind == _FOLDER)

    def _copy(self, member: Member, write: Callable[[bytes], object]) -> None:
        left = member.size
        while left:
            chunk = self._read(min(left, CHUNK))
            write(chunk)
            left -= len(chunk)
            self._unread -= len(chunk)
