"""Curves that can be read: EMA smoothing that keeps the raw values, downsampling that keeps
the extremes, and the x axis by epoch or by update step. Plain lists in, new lists out: the
raw history is never changed, so a view can draw the raw curve faint under the smoothed one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeVar, overload

# The smoothing levels a view cycles through: name → EMA weight of the past.
LEVELS: dict[str, float] = {"off": 0.0, "low": 0.6, "high": 0.9}
# Training images per epoch by split, as CIFAR-10 has them (spec: batch 1; all: the five
# batches less n_val): the update steps of an epoch are ceil(images / n_batch).
SPEC_TRAIN_IMAGES = 10_000
ALL_IMAGES = 50_000

Y = TypeVar("Y", bound=float | None)  # a curve's values: with or without missing ones


@overload
def ema(values: Sequence[float], weight: float) -> list[float]: ...
@overload
def ema(values: Sequence[float | None], weight: float) -> list[float | None]: ...
def ema(values: Sequence[float | None], weight: float) -> list[float] | list[float | None]:
    """Exponential moving average, debiased (as TensorBoard's: the first points are not pulled
    towards 0). weight 0 gives the values back. A missing or non-finite value stays where it is
    (None or NaN at its place) and does not enter the average."""
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"EMA weight must lie in [0, 1), got {weight}")
    smoothed: list[float | None] = []
    average, count = 0.0, 0
    for value in values:
        if value is None or not math.isfinite(value):
            smoothed.append(value)
            continue
        average = weight * average + (1 - weight) * value
        count += 1
        smoothed.append(average / (1 - weight**count) if weight else value)
    return smoothed


def downsample(xs: Sequence[float], ys: Sequence[Y], most: int) -> tuple[list[float], list[Y]]:
    """At most `most` points (most ≥ 4) that keep the curve's shape: the first and last point,
    and in each of (most - 2) / 2 buckets its lowest and highest finite value, in x order. A
    spike survives, which a stride would drop."""
    n = len(xs)
    if n <= most:
        return list(xs), list(ys)
    if most < 4:
        raise ValueError(f"downsample needs room for at least 4 points, got {most}")
    buckets = (most - 2) // 2
    keep = {0, n - 1}
    edges = [1 + (n - 2) * i // buckets for i in range(buckets + 1)]
    values = [y if y is not None and math.isfinite(y) else None for y in ys]
    for start, stop in zip(edges, edges[1:]):
        finite = [(y, i) for i in range(start, stop) if (y := values[i]) is not None]
        if finite:
            keep.add(min(finite)[1])
            keep.add(max(finite)[1])
        elif start < stop:
            keep.add(start)  # a gap of NaN stays visible as one point
    order = sorted(keep)
    return [xs[i] for i in order], [ys[i] for i in order]


def steps_per_epoch(config: Mapping) -> int | None:
    """Update steps in one epoch of a run with this config (a run.json config: values may be
    missing or of the wrong type); None when it cannot be told."""
    n_batch = config.get("n_batch")
    if isinstance(n_batch, bool) or not isinstance(n_batch, int) or n_batch < 1:
        return None
    split = config.get("split", "spec")
    if split == "spec":
        images = SPEC_TRAIN_IMAGES
    elif split == "all":
        n_val = config.get("n_val")
        if isinstance(n_val, bool) or not isinstance(n_val, int) or not 0 < n_val < ALL_IMAGES:
            return None
        images = ALL_IMAGES - n_val
    else:
        return None
    return math.ceil(images / n_batch)


def x_values(epochs: Sequence[int | None], config: Mapping, by: str = "epoch") -> list | None:
    """The x of each point: its epoch, or (by="step") the update steps done by its end; None
    when steps cannot be told from the config."""
    if by == "epoch":
        return list(epochs)
    steps = steps_per_epoch(config)
    if steps is None:
        return None
    return [None if epoch is None else epoch * steps for epoch in epochs]
