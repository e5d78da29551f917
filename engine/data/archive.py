"""Finding CIFAR-10 on disk and unpacking the archive safely (downloading it: download.py).

One function, dataset_problem, decides whether a folder holds a complete dataset; locate
(`data where`, `train`, ...) and download.fetch (`data fetch`) both go by it, so they always
agree.

Unpacking never writes where it was not asked to: members go into a fresh temporary folder
beside the target (only regular files directly under cifar-10-batches-py/, each created anew),
every batch is verified (present, of its recorded size, loadable by read_batch), and only then
does the folder move into place with one rename. A lock beside the target makes a second
process wait for the first and then use its result. An interrupted unpack leaves at most a
temporary folder, which the next unpack removes; a partial folder left by an older version (or
by a killed `tar x`) is found by dataset_problem and unpacked again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath

from filelock import FileLock, Timeout

from linclf.engine.data.batchfile import BATCH_DIR, BATCH_FILES, read_batch
from linclf.engine.data.tarstream import TarStream
from linclf.engine.data.unpickle import MAX_FILE_BYTES
from linclf.engine.errors import DataError, MissingData

__all__ = ["DataError", "MissingData", "dataset_problem", "locate", "unpack"]

ARCHIVE_NAME = "cifar-10-python.tar.gz"
DATASETS = Path("Datasets")
ENV_VAR = "LINCLF_DATA"
MARKER = ".linclf-unpacked"  # written last into a folder linclf unpacked: {name: size}
OFFICIAL_FILES = frozenset({*BATCH_FILES, "batches.meta", "readme.txt", MARKER})
LOCK_TIMEOUT = 15 * 60  # unpacking takes seconds; a wait this long means something is stuck
_MEMBER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def default_data_dir() -> Path:
    """--data-dir's default: $LINCLF_DATA, else Datasets/cifar-10-batches-py here."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DATASETS / BATCH_DIR


def _read_regular(path: Path, offset: int, size: int) -> bytes:
    """size bytes at offset (negative: from the end) of a regular file; b"" for anything else
    (a FIFO is opened non-blocking, so it cannot hang)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
            return b""
        return os.pread(fd, size, max(0, offset + info.st_size if offset < 0 else offset))
    finally:
        os.close(fd)


def _recorded_sizes(folder: Path) -> dict | None:
    try:
        sizes = json.loads(_read_regular(folder / MARKER, 0, 1 << 14))
    except (OSError, ValueError):
        return None
    return sizes if isinstance(sizes, dict) else None


def _ends_like_a_pickle(path: Path) -> bool:
    """Every pickle ends with STOP ('.'): a cheap test for a file cut short. A file that
    cannot be read passes: read_batch says why, naming it."""
    try:
        return _read_regular(path, -1, 1) == b"."
    except PermissionError:
        return True


def dataset_problem(folder: str | os.PathLike) -> str | None:
    """None if folder holds a complete CIFAR-10 dataset; else one line naming what is wrong.

    Complete: the six batch files are regular, non-empty files of at most 64 MiB, of the sizes
    recorded when linclf unpacked them, or (in a folder made otherwise) each ending like a
    pickle. Their content is checked when they are read."""
    folder = Path(folder)
    if not folder.is_dir():
        return f"{folder}: " + ("is not a folder" if folder.exists() else "no such folder")
    recorded = _recorded_sizes(folder)
    for name in BATCH_FILES:
        path = folder / name
        try:
            info = os.stat(path)
            if stat.S_ISDIR(info.st_mode):
                return f"{path}: is a folder, expected a CIFAR-10 batch file"
            if not stat.S_ISREG(info.st_mode):
                return f"{path}: is not a regular file (a FIFO, device or socket?)"
            if not 0 < info.st_size <= MAX_FILE_BYTES:
                return f"{path}: file is " + ("empty" if info.st_size == 0 else "too large")
            if recorded is not None and recorded.get(name) != info.st_size:
                return f"{path}: {info.st_size} bytes, not the {recorded.get(name)} unpacked"
            if recorded is None and not _ends_like_a_pickle(path):
                return f"{path}: truncated (it does not end like a pickle)"
        except FileNotFoundError:
            return f"{path}: file not found"
        except OSError as err:
            return f"{path}: cannot read it ({err.strerror or err})"
    return None


def _replaceable(folder: Path) -> bool:
    """Whether an incomplete folder holds nothing but CIFAR-10's own files, so unpacking the
    archive again may replace it without losing anything of the user's."""
    try:
        return all(
            entry.name in OFFICIAL_FILES and entry.is_file(follow_symlinks=False)
            for entry in os.scandir(folder)
        )
    except OSError:
        return False


def _not_unpackable(folder: Path, problem: str) -> DataError:
    """The error for a folder linclf cannot (re)create from the archive."""
    sibling = folder.parent / BATCH_DIR
    if folder.name != BATCH_DIR and (folder.parent / ARCHIVE_NAME).is_file():
        return DataError(
            f"{problem}; {ARCHIVE_NAME} beside it unpacks to {sibling}: use that folder"
        )
    if folder.name != BATCH_DIR:
        return DataError(f"{problem}; linclf unpacks CIFAR-10 only into a folder named {BATCH_DIR}")
    return DataError(
        f"{problem}; {folder} also holds other files, so linclf leaves it alone: fix or remove it"
    )


def problem_to_fix(folder: Path) -> str | None:
    """None if folder is complete; else what is wrong with it, if unpacking the archive as
    folder would fix it; a DataError if it would not."""
    problem = dataset_problem(folder)
    if problem is None:
        return None
    if folder.exists() and not folder.is_dir():
        raise DataError(problem)
    if folder.name != BATCH_DIR or (folder.is_dir() and not _replaceable(folder)):
        raise _not_unpackable(folder, problem)
    return problem


def locate(data_dir: str | os.PathLike | None = None) -> Path:
    """The complete cifar-10-batches-py folder to read, unpacking (or re-unpacking an
    incomplete one from) a neighbouring archive if needed."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    problem = problem_to_fix(folder)
    if problem is None:
        return folder
    archive = folder.parent / ARCHIVE_NAME
    if archive.is_file():
        unpack(archive, folder)
        return folder
    if folder.exists():
        raise MissingData(
            f"{problem}; the dataset is incomplete: run 'linclf data fetch' or put "
            f"{ARCHIVE_NAME} into {folder.parent}/ to unpack it again"
        )
    raise MissingData(
        f"{folder}: no CIFAR-10 data here; run 'linclf data fetch' or put "
        f"{ARCHIVE_NAME} into {folder.parent}/"
    )


def _extract(archive: Path, dest: Path) -> dict[str, int]:
    """Write the archive's files into the new folder dest; their sizes by name."""
    dest.mkdir()
    sizes: dict[str, int] = {}
    stream = TarStream(archive)
    try:
        for member, copy in stream:
            parts = PurePosixPath(member.name).parts
            if parts == (BATCH_DIR,) and member.is_dir:
                continue
            if (
                len(parts) != 2
                or parts[0] != BATCH_DIR
                or member.is_dir
                or not _MEMBER_NAME.fullmatch(parts[1])
            ):
                raise stream.refuse(
                    f"refuses member {member.name!r} (only files directly in {BATCH_DIR}/)"
                )
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            try:
                fd = os.open(dest / parts[1], flags, 0o644)
            except FileExistsError:
                raise stream.refuse(f"refuses member {member.name!r} (it appears twice)") from None
            with open(fd, "wb") as out:
                copy(out.write)
            sizes[parts[1]] = member.size
    finally:
        stream.close()
    return sizes


def _verify(archive: Path, folder: Path, sizes: dict[str, int]) -> None:
    for name in BATCH_FILES:
        if name not in sizes:
            raise DataError(f"{archive}: holds no {BATCH_DIR}/{name}")
        if os.stat(folder / name).st_size != sizes[name]:
            raise DataError(f"{archive}: {BATCH_DIR}/{name} did not unpack whole")
        try:
            read_batch(folder / name)
        except DataError as err:
            reason = str(err).removeprefix(f"{folder / name}: ")
            raise DataError(f"{archive}: {BATCH_DIR}/{name}: {reason}") from None


def unpack(archive: str | os.PathLike, folder: str | os.PathLike) -> None:
    """Unpack the archive's cifar-10-batches-py/ as folder (replacing an incomplete folder of
    CIFAR-10 files), verified and in one rename; waits while another process unpacks it."""
    archive, folder = Path(archive), Path(folder)
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with FileLock(parent / f".{folder.name}.lock", timeout=LOCK_TIMEOUT):
            if dataset_problem(folder) is None:
                return  # another process unpacked it while this one waited
            if folder.exists() and not _replaceable(folder):
                raise _not_unpackable(folder, str(dataset_problem(folder)))
            for leftover in parent.glob(f".{folder.name}.unpacking-*"):
                shutil.rmtree(leftover, ignore_errors=True)  # from a killed unpack
            work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.unpacking-", dir=parent))
            try:
                fresh = work / BATCH_DIR
                sizes = _extract(archive, fresh)
                _verify(archive, fresh, sizes)
                (fresh / MARKER).write_text(json.dumps(sizes))
                if folder.exists():
                    os.rename(folder, work / "incomplete")
                os.rename(fresh, folder)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    except Timeout:
        raise DataError(
            f"{folder}: another process has been unpacking it for {LOCK_TIMEOUT // 60} "
            "minutes; try again later"
        ) from None
    except OSError as err:
        raise DataError(
            f"{archive}: cannot unpack it into {parent} ({err.strerror or err})"
        ) from None
