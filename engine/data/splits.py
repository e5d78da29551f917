"""CIFAR-10 splits and normalisation (reading one batch file safely is batchfile.read_batch).

Arrays keep the spec's shapes (X is d×n, Y is K×n) but X is Fortran-ordered: each image is
one contiguous column, so gathering a mini-batch of columns copies whole rows of memory.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from linclf.engine.config import DTYPE_NAMES, SPLITS
from linclf.engine.data.batchfile import TEST_BATCH, TRAIN_BATCHES, D, K, read_batch
from linclf.engine.data.whiten import Whitening
from linclf.engine.errors import DataError

CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
DTYPES = {name: np.dtype(name).type for name in DTYPE_NAMES}


def one_hot(y: np.ndarray, dtype=np.float64) -> np.ndarray:
    """K×n one-hot matrix of the labels y."""
    Y = np.zeros((K, y.size), dtype=dtype, order="F")
    Y[y, np.arange(y.size)] = 1
    return Y


# Linux 5.14's madvise(MADV_POPULATE_WRITE); Python 3.11's mmap module does not name it yet.
MADV_POPULATE_WRITE = 23
# Rows normalised per step: 32 float64 rows (768 KiB) stay in a core's L2 cache for the
# three passes (divide, subtract, divide); 256 rows (6 MiB) went to memory in between.
NORMALISE_ROWS = 32


def _prefaulted_empty(shape: tuple[int, int], dtype) -> np.ndarray:
    """np.empty, but for large arrays on Linux a mapping whose pages exist before the first
    write: transparent huge pages made all at once where the kernel allows (madvise mode),
    else MAP_POPULATE's 4 KiB pages. First-touch page faults dominate making the training
    matrix on a VM: 0.56 s for 245 MB by trapping, 0.09–0.14 s with MAP_POPULATE and about
    0.04 s in huge pages (measured here)."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if nbytes < 1 << 24 or not hasattr(mmap, "MAP_POPULATE"):
        return np.empty(shape, dtype=dtype)
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
    buffer = mmap.mmap(-1, nbytes, flags=flags)
    try:
        buffer.madvise(mmap.MADV_HUGEPAGE)
        buffer.madvise(MADV_POPULATE_WRITE)
    except (AttributeError, OSError):  # no THP or an older kernel: populate 4 KiB pages
        buffer.close()
        buffer = mmap.mmap(-1, nbytes, flags=flags | mmap.MAP_POPULATE)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def _pixel_stats(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and population std of the pixels/255 of all rows in parts, from
    exact integer sums (no float copy of the data). Per 256-row chunk the column sums fit
    uint16 (255 · 256) and the sums of squares uint32, so numpy adds narrow integers (twice
    as fast as int64) before the int64 totals; integer sums are exact in any order."""
    total = np.zeros(D, dtype=np.int64)
    squares = np.zeros(D, dtype=np.int64)
    chunk_sum = np.empty(D, dtype=np.uint16)
    chunk_squares = np.empty(D, dtype=np.uint32)
    squared = np.empty((256, D), dtype=np.uint16)
    n = 0
    for rows in parts:
        n += rows.shape[0]
        for start in range(0, rows.shape[0], 256):
            chunk = rows[start : start + 256]
            total += np.add.reduce(chunk, axis=0, dtype=np.uint16, out=chunk_sum)
            np.multiply(chunk, chunk, out=squared[: chunk.shape[0]], dtype=np.uint16)
            squares += np.add.reduce(
                squared[: chunk.shape[0]], axis=0, dtype=np.uint32, out=chunk_squares
            )
    mean = total / (n * 255.0)
    std = np.sqrt((n * squares - total * total) / float(n) ** 2) / 255.0
    return mean.reshape(-1, 1), std.reshape(-1, 1)


def _normalise_into(rows: np.ndarray, out: np.ndarray, mean=None, std=None) -> None:
    """out (n, d) = rows/255, then (x - mean)/std when the training statistics are given,
    NORMALISE_ROWS rows at a time so that each entry is read from memory once."""
    shift = None if mean is None else mean.reshape(-1).astype(out.dtype)
    scale = None if std is None else std.reshape(-1).astype(out.dtype)
    for start in range(0, rows.shape[0], NORMALISE_ROWS):
        chunk = out[start : start + NORMALISE_ROWS]
        np.divide(rows[start : start + NORMALISE_ROWS], 255.0, out=chunk, casting="unsafe")
        if shift is not None:
            chunk -= shift
            chunk /= scale


def _to_unit_interval(rows: np.ndarray, dtype, mean=None, std=None) -> np.ndarray:
    """uint8 (n, d) pixels → d×n Fortran-ordered array: x/255, then (x - mean)/std when the
    training statistics are given."""
    out = _prefaulted_empty(rows.shape, dtype)
    _normalise_into(rows, out, mean, std)
    return out.T


def _normalised(parts: list[np.ndarray], dtype, mean: np.ndarray, std: np.ndarray):
    """The uint8 row blocks of parts as one normalised d×n Fortran-ordered array."""
    out = _prefaulted_empty((sum(rows.shape[0] for rows in parts), D), dtype)
    start = 0
    for rows in parts:
        _normalise_into(rows, out[start : start + rows.shape[0]], mean, std)
        start += rows.shape[0]
    return out.T


def load_batch(
    path: str | os.PathLike, dtype=np.float64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The spec's LoadBatch: X (d×n, in [0, 1]), Y (K×n one-hot, X's dtype), y (n labels)."""
    rows, y = read_batch(path)
    return _to_unit_interval(rows, dtype), one_hot(y, dtype), y


@dataclass
class Split:
    X: np.ndarray  # d×n, Fortran-ordered
    Y: np.ndarray  # K×n one-hot
    y: np.ndarray  # n labels

    @property
    def n(self) -> int:
        return self.y.size

    def chunks(self, size: int) -> Iterator[tuple[int, np.ndarray]]:
        """(first column, d×m block of X) for consecutive blocks of about size images."""
        for start, stop in _blocks(self.n, size):
            yield start, self.X[:, start:stop]


def _blocks(n: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive blocks of size items, the last one up to size + 1 long: a
    block of one image would be scored by a matrix-vector product, whose sums OpenBLAS
    orders differently from the matrix product's (different last bits)."""
    starts = list(range(0, n, size))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    yield from zip(starts, [*starts[1:], n])


@dataclass
class PixelSplit:
    """A split scored once per run (the test set), kept as its uint8 pixels and normalised
    block by block when scored: no float matrix of it is ever made (for float64, 246 MB
    less to page in and fill, and a lower peak for the all-data split)."""

    rows: np.ndarray  # n×d uint8 pixels
    y: np.ndarray  # n labels
    mean: np.ndarray  # d×1 training statistics it is normalised with
    std: np.ndarray
    dtype: np.dtype
    whitening: Whitening | None = None  # applied after normalising, as to the training set

    @property
    def n(self) -> int:
        return self.y.size

    def normalised(self) -> Split:
        """The whole split as one normalised matrix, for a split scored many times (the
        report's test set): the same blocks and bits, the normalisation paid once."""
        X = _to_unit_interval(self.rows, self.dtype, self.mean, self.std)
        if self.whitening is not None:
            self.whitening.apply(X)
        return Split(X, one_hot(self.y, self.dtype), self.y)

    def chunks(self, size: int) -> Iterator[tuple[int, np.ndarray]]:
        """As Split.chunks, each block normalised into one reused buffer: a block is valid
        until the next is asked for."""
        buffer = np.empty((min(size + 1, self.n), D), dtype=self.dtype)
        for start, stop in _blocks(self.n, size):
            rows = self.rows[start:stop]
            block = buffer[: rows.shape[0]]
            _normalise_into(rows, block, self.mean, self.std)
            if self.whitening is not None:
                self.whitening.apply(block.T)
            yield start, block.T


@dataclass
class Splits:
    train: Split
    val: Split
    test: PixelSplit | None  # None when loaded without it (model selection never sees it)
    mean: np.ndarray  # d×1, training mean
    std: np.ndarray  # d×1, training std
    whitening: Whitening | None = None  # applied to every split after normalising

    def pixel_net(self, net: dict) -> dict:
        """net as a model of the normalised pixels (whitening folded into W): what is saved,
        drawn and handed on. net itself without whitening."""
        if self.whitening is None:
            return net
        return {**net, "W": self.whitening.fold(net["W"]).astype(net["W"].dtype)}

    def trained_net(self, net: dict) -> dict:
        """A model of the normalised pixels as weights on these splits' (whitened) images."""
        if self.whitening is None:
            return net
        return {**net, "W": self.whitening.unfold(net["W"]).astype(net["W"].dtype)}


def load_splits(
    data_dir: str | os.PathLike,
    split: str = "spec",
    n_val: int = 1000,
    dtype=np.float64,
    with_test: bool = True,
) -> Splits:
    """The spec's split (batch 1 / batch 2 / test) or Exercise 2.1's (all five batches,
    the last n_val images for validation), normalised with the training mean and std.
    with_test=False does not even read the test batch. A second thread reads batch files
    while this one parses others, and makes the validation matrix while this one makes the
    training matrix."""
    data_dir = Path(data_dir)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    with ThreadPoolExecutor(1, thread_name_prefix="linclf-load") as pool:
        names = TRAIN_BATCHES[:2] if split == "spec" else TRAIN_BATCHES
        later = [pool.submit(read_batch, data_dir / name) for name in names[1:]]
        test = pool.submit(read_batch, data_dir / TEST_BATCH) if with_test else None
        # Results in file order, so that of two bad files the first one is named.
        batches = [read_batch(data_dir / names[0]), *(batch.result() for batch in later)]
        if split == "spec":
            (train_rows, train_y), (val_rows, val_y) = batches
            train_parts, val_parts = [train_rows], [val_rows]
        else:
            train_parts, val_parts, train_y, val_y = _hold_out(data_dir, batches, n_val)
        del batches
        mean, std = _pixel_stats(train_parts)
        if np.any(std == 0):
            raise DataError(f"{data_dir}: a pixel is constant over the training set (std 0)")
        val_X = pool.submit(_normalised, val_parts, dtype, mean, std)
        train_X = _normalised(train_parts, dtype, mean, std)
        pixels = None if test is None else PixelSplit(*test.result(), mean, std, np.dtype(dtype))
        return Splits(
            train=Split(train_X, one_hot(train_y, dtype), train_y),
            val=Split(val_X.result(), one_hot(val_y, dtype), val_y),
            test=pixels,
            mean=mean,
            std=std,
        )


def _hold_out(data_dir: Path, batches: list, n_val: int) -> tuple:
    """The five training batches as training and validation row blocks (the last n_val
    images for validation) and their labels; the uint8 batches are kept as they are, only
    the one(s) holding the boundary are split."""
    labels = np.concatenate([y for _, y in batches])
    if not 1 <= n_val < labels.size:
        raise DataError(
            f"{data_dir}: n_val must lie in 1..{labels.size - 1} (the training "
            f"batches hold {labels.size} images), got {n_val}"
        )
    n_train = labels.size - n_val
    train_parts, val_parts, start = [], [], 0
    for rows, _ in batches:
        take = max(0, min(rows.shape[0], n_train - start))
        train_parts.append(rows[:take])
        val_parts.append(rows[take:])
        start += take
    return train_parts, val_parts, labels[:n_train], labels[n_train:]


def load_test(
    data_dir: str | os.PathLike, mean: np.ndarray, std: np.ndarray, dtype=np.float64
) -> PixelSplit:
    """The test batch alone, to be normalised with given training statistics."""
    rows, y = read_batch(Path(data_dir) / TEST_BATCH)
    return PixelSplit(rows, y, mean, std, np.dtype(dtype))


def training_sample(data_dir: str | os.PathLike, n: int, dtype=np.float64):
    """The first n images of the spec's training batch, normalised exactly as in training
    (with the whole batch's mean and std), without loading the other splits."""
    rows, y = read_batch(Path(data_dir) / TRAIN_BATCHES[0])
    mean, std = _pixel_stats([rows])
    return _to_unit_interval(rows[:n], dtype, mean, std), y[:n]
