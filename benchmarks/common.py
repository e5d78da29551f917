"""What the baseline loops share: the spec's data preparation, written plainly."""

import pickle
import sys
from pathlib import Path

import numpy as np


def load(folder: Path, name: str, dtype):
    with open(folder / name, "rb") as handle:
        batch = pickle.load(handle, encoding="bytes")
    X = (batch[b"data"].astype(dtype) / 255.0).T  # d×n
    y = np.array(batch[b"labels"])
    return X, y


def spec_data(dtype):
    """train/val/test as in the spec, normalised with the training mean and std (d×n)."""
    folder = Path(sys.argv[1])
    (X, y), (Xv, yv), (Xt, yt) = (
        load(folder, n, dtype) for n in ("data_batch_1", "data_batch_2", "test_batch")
    )
    mean = X.mean(axis=1, keepdims=True)
    std = X.std(axis=1, keepdims=True)
    return [((A - mean) / std, labels) for A, labels in ((X, y), (Xv, yv), (Xt, yt))]
