"""One formatter: an epoch, a status or a gradient-check case as cells and sentences.

The CLI (terminal and piped), the TUI and the report all use these, so the same epoch shows
the same columns everywhere. Values may come from a run folder that nobody vouches for: a
missing value shows as "–", a non-number as "?", NaN and infinities by name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

from linclf.engine import status as st

MISSING = "–"

# (EpochStats field, column header), in the one order every door uses.
EPOCH_COLUMNS = (
    ("epoch", "epoch"),
    ("train_loss", "train loss"),
    ("val_loss", "val loss"),
    ("train_cost", "train cost"),
    ("val_cost", "val cost"),
    ("train_acc", "train acc"),
    ("val_acc", "val acc"),
    ("seconds", "s"),
)
EPOCH_HEADERS = tuple(header for _, header in EPOCH_COLUMNS)

CHECK_HEADERS = (
    "case",
    "head",
    "λ",
    "d",
    "n",
    "dtype",
    "abs err W",
    "abs err b",
    "rel err W",
    "rel err b",
    "tol",
    "result",
)


def _special(value) -> str | None:
    """The cell for a value that is not a finite number, or None for one that is."""
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, Real):
        return "?"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return None


def number(value, digits: int = 4) -> str:
    """A loss or cost: fixed point with `digits` decimals, or a short marker."""
    return _special(value) or f"{value:.{digits}f}"


def general(value, digits: int = 4) -> str:
    """A number of any size in `digits` significant figures (e.g. a diverged cost)."""
    return _special(value) or f"{value:.{digits}g}"


def percent(value, digits: int = 2) -> str:
    """A fraction in [0, 1] as a percentage."""
    return _special(value) or f"{100 * value:.{digits}f}%"


def integer(value) -> str:
    return _special(value) or str(int(value))


def scientific(value, digits: int = 2) -> str:
    return _special(value) or f"{value:.{digits}e}"


def epoch_cells(stats) -> tuple[str, ...]:
    """The cells of one epoch, under EPOCH_HEADERS."""
    return (
        integer(stats.epoch),
        *(number(getattr(stats, name)) for name in ("train_loss", "val_loss")),
        *(number(getattr(stats, name)) for name in ("train_cost", "val_cost")),
        percent(stats.train_acc),
        percent(stats.val_acc),
        number(stats.seconds, 2),
    )


def clock(seconds) -> str:
    """Elapsed or remaining time as m:ss or h:mm:ss."""
    if _special(seconds) is not None or seconds < 0:
        return "--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def status_sentence(status, history: Sequence, test_acc=None) -> str:
    """How a run ended, in one sentence: "Diverged at epoch 3 (training cost 1.2e+05)…"."""
    known = status if isinstance(status, str) and status in st.STATUSES else None
    text = known.capitalize() if known else f"Unknown status {str(status)[:40]!r}"
    last = history[-1] if history else None
    if known == st.DIVERGED and last is not None:
        text += (
            f" at epoch {integer(last.epoch)} (training cost {general(last.train_cost)}, "
            f"validation cost {general(last.val_cost)})"
        )
    elif known in (st.STOPPED, st.INTERRUPTED):
        text += f" after {len(history)} epoch{'s' if len(history) != 1 else ''}"
    if test_acc is not None:
        text += f" · test accuracy {percent(test_acc)}"
    return text


def check_cells(result) -> tuple[str, ...]:
    """One gradient-check case (a CheckResult) under CHECK_HEADERS."""
    return (
        result.name,
        result.head,
        f"{result.lam:g}",
        str(result.d),
        str(result.n),
        result.dtype,
        scientific(result.max_abs_err_W),
        scientific(result.max_abs_err_b),
        scientific(result.max_rel_err_W),
        scientific(result.max_rel_err_b),
        f"{result.tol:.0e}",
        "pass" if result.passed else "FAIL",
    )


def check_summary(results: Sequence) -> str:
    failed = sum(not r.passed for r in results)
    return f"{len(results) - failed} passed, {failed} failed"
