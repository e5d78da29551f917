"""Finding CIFAR-10 on disk, unpacking the archive safely, fetching the official one."""

from __future__ import annotations

import hashlib
import os
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from linclf.engine.data import BATCH_DIR
from linclf.engine.errors import DataError, MissingData

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
DATASETS = Path("Datasets")
ENV_VAR = "LINCLF_DATA"

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


def default_data_dir() -> Path:
    """--data-dir's default: $LINCLF_DATA, else Datasets/cifar-10-batches-py here."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DATASETS / BATCH_DIR


def locate(data_dir: str | os.PathLike | None = None) -> Path:
    """The cifar-10-batches-py folder to read, unpacking a neighbouring archive if needed."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    if folder.is_dir():
        return folder
    if folder.exists():
        raise DataError(f"{folder}: is not a folder")
    archive = folder.parent / ARCHIVE_NAME
    if archive.is_file():
        safe_extract(archive, folder.parent)
        if folder.is_dir():
            return folder
        raise DataError(f"{archive}: holds no {BATCH_DIR}/ folder")
    raise MissingData(
        f"{folder}: no CIFAR-10 data here; run 'linclf data fetch' or put "
        f"{ARCHIVE_NAME} into {folder.parent}/"
    )


def _checked_members(tar: tarfile.TarFile, archive: Path) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts:
            raise DataError(f"{archive}: refuses member {member.name!r} (path leaves the folder)")
        if not (member.isreg() or member.isdir()):
            raise DataError(
                f"{archive}: refuses member {member.name!r} (only regular files and folders)"
            )
        members.append(member)
    return members


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike) -> None:
    """Unpack regular files and folders only, all inside dest; refuse anything else whole."""
    archive, dest = Path(archive), Path(dest)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = _checked_members(tar, archive)
            dest.mkdir(parents=True, exist_ok=True)
            tar.extractall(dest, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as err:
        raise DataError(f"{archive}: cannot unpack ({err})") from None


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(
    dest_dir: str | os.PathLike = DATASETS,
    url: str = CIFAR_URL,
    md5: str = CIFAR_MD5,
    progress: Progress | None = None,
) -> Path:
    """Download the archive to dest_dir, verify its MD5, return its path.

    Bytes go to a '.part' file that becomes the archive only once complete and verified; a
    failed or interrupted download removes it, so a half archive never sits where a whole one
    is expected.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / ARCHIVE_NAME
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=30) as response, open(part, "wb") as out:
            total = response.headers.get("Content-Length")
            total = int(total) if total else None
            done = 0
            while block := response.read(1 << 16):
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
        got = md5sum(part)
        if got != md5:
            raise DataError(f"{url}: MD5 {got} does not match the expected {md5}; download removed")
        os.replace(part, target)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        reason = getattr(err, "reason", err)
        raise DataError(
            f"cannot download {url} ({reason}); offline, download it elsewhere and put "
            f"{ARCHIVE_NAME} into {dest_dir}/"
        ) from None
    finally:
        part.unlink(missing_ok=True)
    return target


def fetch(
    data_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
    url: str = CIFAR_URL,
) -> Path:
    """Make data_dir (default: the usual place) exist: download and unpack as needed."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    if folder.is_dir():
        return folder
    archive = folder.parent / ARCHIVE_NAME
    if not archive.is_file():
        download(folder.parent, url=url, progress=progress)
    return locate(folder)
