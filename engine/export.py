"""Writing what a person looks at: the histories of chosen runs as one CSV, and the curves on
screen as a PNG drawn with the engine's plots (engine/plots.py's figure writer), with the
view's smoothing, y scale and x axis, and saying so on the figure.

A run is given as (name, config, history): a name to show, its config as read (any value may
be missing or of the wrong type) and its EpochStats, so the TUI (RunSnaps) and `linclf runs`
(RunRows) export the same way.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from linclf.engine.config import config_fields
from linclf.engine.files import atomic_write
from linclf.engine.records import EpochStats
from linclf.engine.runs import HISTORY_FIELDS

Run = tuple[str, Mapping, Sequence[EpochStats]]
CONFIG_NAMES = tuple(f.name for f in config_fields())


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


def histories_csv(runs: Sequence[Run]) -> str:
    """One line per epoch of every run: run, every config field, then the history's fields
    (as history.csv has them, but the step size of the epoch is eta_epoch: eta is the
    config's). Accuracies are fractions; a missing value is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    history_names = (f"{n}_epoch" if n in CONFIG_NAMES else n for n in HISTORY_FIELDS)
    writer.writerow(("run", *CONFIG_NAMES, *history_names))
    for name, config, history in runs:
        head = (name, *(_cell(config.get(field)) for field in CONFIG_NAMES))
        for stats in history:
            writer.writerow((*head, *(_cell(getattr(stats, f)) for f in HISTORY_FIELDS)))
    return buffer.getvalue()


def new_path(folder: Path, stem: str, suffix: str) -> Path:
    """A file name in folder that no earlier export has: <date>-<time>-<stem>[-N]<suffix>."""
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{time.strftime('%Y%m%d-%H%M%S')}-{stem}"
    for attempt in range(1000):
        path = folder / f"{base if attempt == 0 else f'{base}-{attempt + 1}'}{suffix}"
        if not path.exists():
            return path
    raise FileExistsError(f"{folder}: too many exports named {base}")


def write_histories(runs: Sequence[Run], path: Path) -> Path:
    """The histories CSV, written atomically to path."""
    atomic_write(path, histories_csv(runs).encode())
    return path
