"""Which hyper-parameter matters: a metric against each hyper-parameter that varies between
runs, one small panel each (small multiples), as plain data any door can draw.

A panel's x axis fits its values: a log axis when the positive values span a decade or more
(η 0.001…0.1; a 0 among them, λ's usual first value, sits one decade below the smallest
positive value and is labelled 0), a linear one otherwise, and categories for text and
switches (head, split, flip).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from linclf.engine.insight.runfilter import BOOL, NUMBER, TEXT
from linclf.engine.insight.runrows import CONFIG, FIGURES, OWN_NAMES, RunRow
from linclf.engine.text import printable

LOG, LINEAR, CATEGORY = "log", "linear", "category"
DECADES = 1.0  # positive values spanning at least this many decades get a log axis
MAX_TICKS = 8
METRICS = tuple(c.name for c in FIGURES if c.name != "best_epoch")
FRACTIONS = frozenset(c.name for c in FIGURES if c.fraction)


@dataclass(frozen=True)
class Panel:
    name: str  # the hyper-parameter
    scale: str  # LOG, LINEAR or CATEGORY
    xs: tuple[float, ...]  # each run's position on the axis (log10 of the value on LOG)
    ys: tuple[float, ...]  # each run's metric
    ticks: tuple[float, ...]
    labels: tuple[str, ...]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _label(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return printable(str(value))[:10]


def _axis(values: Sequence) -> tuple[str, dict, tuple[float, ...], tuple[str, ...]]:
    """The scale of an axis for these values, each value's position, the ticks and labels."""
    distinct = sorted(set(values), key=lambda v: (not _number(v), _label(v)))
    if all(_number(v) for v in distinct):
        distinct.sort()
        positive = [v for v in distinct if v > 0]
        if (
            positive
            and all(v >= 0 for v in distinct)
            and math.log10(positive[-1] / positive[0]) >= DECADES
        ):
            floor = math.log10(positive[0]) - 1
            where = {v: math.log10(v) if v > 0 else floor for v in distinct}
            scale = LOG
        else:
            where = {v: float(v) for v in distinct}
            scale = LINEAR
        shown = distinct if len(distinct) <= MAX_TICKS else distinct[:: -(-len(distinct) // 8)]
        return scale, where, tuple(where[v] for v in shown), tuple(_label(v) for v in shown)
    where = {v: float(i) for i, v in enumerate(distinct)}
    return CATEGORY, where, tuple(where.values()), tuple(_label(v) for v in distinct)


def _key(value):
    """A hashable stand-in: 1 and 1.0 and True stay apart, NaN equals NaN."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def varying(rows: Sequence[RunRow]) -> list[str]:
    """Config fields with more than one usable value among the rows: the schema's first, in
    its order, then any other config key a folder holds."""
    names = [c.name for c in CONFIG]
    names += sorted({k for r in rows for k in r.cells if k not in OWN_NAMES and k not in names})
    found = []
    for name in names:
        values = {_key(r.cells.get(name)) for r in rows if _usable(r.cells.get(name), name)}
        if len(values) > 1:
            found.append(name)
    return found


KINDS = {c.name: c.kind for c in CONFIG}


def _usable(value, name: str) -> bool:
    """A value that can be placed: of its field's kind (a crafted "abc" for η is not)."""
    kind = KINDS.get(name)
    if kind == NUMBER:
        return _number(value)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == TEXT:
        return isinstance(value, str)
    return _number(value) or isinstance(value, (bool, str))


def panels(rows: Sequence[RunRow], metric: str = "best_val_acc") -> list[Panel]:
    """One panel per varying hyper-parameter, over the rows that have a finite `metric`."""
    if metric not in METRICS:
        raise ValueError(f"no metric {metric!r}")
    scored = [r for r in rows if _number(r.cells.get(metric))]
    found = []
    for name in varying(scored):
        points = [
            (r.cells[name], r.cells[metric]) for r in scored if _usable(r.cells.get(name), name)
        ]
        scale, where, ticks, labels = _axis([value for value, _ in points])
        xs = tuple(where[value] for value, _ in points)
        ys = tuple(float(y) for _, y in points)
        found.append(Panel(printable(name), scale, xs, ys, ticks, labels))
    return found
