"""Downloading the official CIFAR-10 archive (`linclf data fetch`): to a '.part' file, MD5
verified, then unpacked by archive.locate."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from linclf.engine.archive import ARCHIVE_NAME, DATASETS, default_data_dir, locate, problem_to_fix
from linclf.engine.errors import DataError

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


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
    """Make data_dir (default: the usual place) hold the complete dataset: download and
    unpack as needed. Refuses, before downloading, a folder it could not unpack into."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    if problem_to_fix(folder) is None:
        return folder
    if not (folder.parent / ARCHIVE_NAME).is_file():
        download(folder.parent, url=url, progress=progress)
    return locate(folder)
