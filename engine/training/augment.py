"""Data augmentation as index maps over an image vector (R, G and B 32×32 planes, row-major):
a horizontal flip (Exercise 2.1b) and small translations, applied by the training loop with
one gather per mini-batch."""

from __future__ import annotations

import numpy as np

from linclf.engine.data.splits import D


def flip_indices() -> np.ndarray:
    """Permutation of the 3072 entries of an image vector that flips it horizontally
    (the spec's inds_flip, Exercise 2.1b)."""
    rows = np.arange(32).reshape(32, 1)
    reversed_cols = np.arange(31, -1, -1).reshape(1, 32)
    channel = (32 * rows + reversed_cols).reshape(-1)
    return np.concatenate([channel, 1024 + channel, 2048 + channel])


def shift_indices(max_shift: int) -> np.ndarray:
    """For every translation (dy, dx) with |dy|, |dx| <= max_shift, the source entry of each of
    the 3072 entries of the shifted image; D (one past the end) marks pixels shifted in from
    outside, which read a zero (the training mean, after normalisation). Shape (n_shifts, D)."""
    rows, cols = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    maps = []
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            src_r, src_c = rows - dy, cols - dx
            inside = (src_r >= 0) & (src_r < 32) & (src_c >= 0) & (src_c < 32)
            channel = np.where(inside, 32 * src_r + src_c, -1).reshape(-1)
            maps.append(
                np.concatenate([np.where(channel >= 0, channel + 1024 * c, D) for c in range(3)])
            )
    return np.stack(maps)
