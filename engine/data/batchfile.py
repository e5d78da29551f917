"""One CIFAR-10 batch file: its place in the dataset folder, and reading it safely.

read_batch is the only way linclf reads a batch; it goes through unpickle, which reads only
regular files of at most 64 MiB and makes nothing but plain numbers, strings and arrays.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from linclf.engine.data.unpickle import load
from linclf.engine.errors import DataError

K = 10
D = 3072
BATCH_DIR = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
BATCH_FILES = (*TRAIN_BATCHES, TEST_BATCH)


def _field(batch: dict, key: str) -> object:
    for candidate in (key.encode(), key):
        if candidate in batch:
            return batch[candidate]
    raise KeyError(key)


def _labels(path: Path, labels: object, n: int) -> np.ndarray:
    """The labels as a fresh int64 array of n values in 0..K-1; plain Python ints are
    checked as such, so a huge int is a range error, not an overflow."""
    found: np.ndarray | list[int]
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1 or labels.dtype.kind not in "iu":
            raise DataError(
                f"{path}: 'labels' must be a list or 1-d array of integers, "
                f"found a {labels.ndim}-d {labels.dtype} array"
            )
        found = labels
    elif isinstance(labels, list) and all(type(label) is int for label in labels):
        found = labels
    else:
        raise DataError(f"{path}: 'labels' must be a list of integers")
    if len(found) != n:
        raise DataError(f"{path}: {len(found)} labels for {n} images")
    low, high = min(found), max(found)
    if low < 0 or high >= K:
        raise DataError(f"{path}: labels must lie in 0..{K - 1}, found {low}..{high}")
    return np.array(found, dtype=np.int64)


def read_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch file: pixels as uint8 (n, 3072) C-ordered rows, labels as int64 (n,)."""
    path = Path(path)
    batch = load(path)
    if not isinstance(batch, dict):
        raise DataError(f"{path}: expected a dict, found {type(batch).__name__}")
    try:
        data = _field(batch, "data")
        labels = _field(batch, "labels")
    except KeyError as err:
        raise DataError(f"{path}: missing key {err.args[0]!r}") from None
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        found = data.dtype if isinstance(data, np.ndarray) else type(data).__name__
        raise DataError(f"{path}: 'data' must be a uint8 array, found {found}")
    if data.ndim != 2 or data.shape[1] != D or data.shape[0] == 0:
        raise DataError(f"{path}: 'data' must have shape (n, {D}), found {data.shape}")
    y = _labels(path, labels, data.shape[0])
    if not (data.flags.c_contiguous and data.flags.writeable):
        # Fortran order, or bytes Python 3 wrote at protocol 2 (immutable): one copy, of
        # the size the file itself holds.
        data = np.array(data, order="C")
    return data, y
