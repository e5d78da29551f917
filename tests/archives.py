"""Building test archives: ordinary ones with tarfile, hostile ones byte by byte."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import tarfile
from functools import cache
from pathlib import Path

ZERO_CHUNK = 64 << 20


def tar_of(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, payload in members:
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def file_member(name: str, payload: bytes = b"x", kind: bytes = tarfile.REGTYPE):
    info = tarfile.TarInfo(name)
    info.size, info.type = len(payload), kind
    return info, payload


def folder_member(name: str = "cifar-10-batches-py"):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info, None


def archive_of_folder(path: Path, folder: Path, extra=(), level: int = 9) -> Path:
    """folder as cifar-10-batches-py/ in a tar.gz, plus extra (TarInfo, payload) members."""
    with tarfile.open(path, "w:gz", compresslevel=level) as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
        for info, payload in extra:
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


@cache
def _gzipped_zeros() -> bytes:
    return gzip.compress(bytes(ZERO_CHUNK), compresslevel=9)


def zero_bomb(path: Path, sizes: dict[str, int]) -> Path:
    """A tar.gz of zero-filled members of the given sizes, built as concatenated gzip members
    so that a 2 GiB member costs 2 MB of file and no 2 GiB of work here."""
    with open(path, "wb") as out:
        for name, size in sizes.items():
            info = tarfile.TarInfo(name)
            info.size = size
            out.write(gzip.compress(info.tobuf(format=tarfile.GNU_FORMAT)))
            full, rest = divmod(size, ZERO_CHUNK)
            out.write(_gzipped_zeros() * full)
            out.write(gzip.compress(bytes(rest + (-size) % 512)))
        out.write(gzip.compress(bytes(1024)))
    return path


def sparse_archive(path: Path, workdir: Path, apparent: int, posix: bool) -> Path:
    """GNU tar's sparse member of the given apparent size (a hole but for one byte), as
    cifar-10-batches-py/data_batch_1; old GNU format ('S' headers) or pax (GNU.sparse.*)."""
    if shutil.which("tar") is None:
        import pytest

        pytest.skip("GNU tar is not installed")
    folder = workdir / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    with open(folder / "data_batch_1", "wb") as handle:
        handle.truncate(apparent)
        handle.seek(apparent // 2)
        handle.write(b"x")
    fmt = "--format=posix" if posix else "--format=gnu"
    subprocess.run(
        ["tar", "--sparse", fmt, "-czf", str(path), "-C", str(workdir), "cifar-10-batches-py"],
        check=True,
    )
    shutil.rmtree(folder)
    return path
