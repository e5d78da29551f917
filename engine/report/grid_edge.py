"""Exercise 2.1's grid, extended until its choice is interior: a best point on the grid's edge
says only that the optimum may lie beyond it. Pure functions of the values tried."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# How to step outward along each axis: λ by ×3 (0 is a hard bound, nothing below it), η by ×2
# or /2, the batch size by ×2 or /2 (at least 1).
AXES = ("lam", "eta", "n_batch")


def _outward(axis: str, value: float, up: bool) -> float | None:
    if axis == "lam":
        return (value * 3 if value else 0.001) if up else None if value == 0 else value / 3
    if axis == "eta":
        return value * 2 if up else value / 2
    return value * 2 if up else (value // 2 if value > 1 else None)


def edges(
    tried: Mapping[str, Sequence[float]], chosen: Mapping[str, float], max_batch: int | None = None
) -> dict[str, float]:
    """For each axis along which chosen is the smallest or largest value tried, the next value
    beyond it; an axis at a hard bound (λ = 0, a batch of the whole training set, max_batch) is
    interior by definition."""
    found = {}
    for axis in AXES:
        values = sorted(set(tried[axis]))
        value = chosen[axis]
        if value == values[-1]:
            step = _outward(axis, value, up=True)
            too_big = (
                axis == "n_batch"
                and max_batch is not None
                and step is not None
                and step > max_batch
            )
            if step is not None and step not in values and not too_big:
                found[axis] = step
                continue
        if value == values[0]:
            step = _outward(axis, value, up=False)
            if step is not None and step not in values:
                found[axis] = step
    return found
