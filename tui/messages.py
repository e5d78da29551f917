"""Messages from the watcher thread to the app (tui/watch.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from textual.message import Message

from linclf.engine.store.runwatch import RunSnap


@dataclass(frozen=True, eq=False)
class Weights:
    """The followed run's weights.npz as last read (W is None when there is none to draw)."""

    key: tuple  # the run folder and the file's signature
    W: np.ndarray | None
    caption: str


@dataclass
class StoreChanged(Message):
    """The run store as the watcher last saw it: the whole state, never a difference, so a
    newer snapshot may replace one the app has not handled yet."""

    runs: dict[Path, RunSnap]
    searches: dict[str, tuple] = field(default_factory=dict)
    followed: RunSnap | None = None
    weights: Weights | None = None
    system: dict[str, str] = field(default_factory=dict)
    left_out: int = 0  # folders under the root not looked at (engine/store/runwatch.py MAX_FOLDERS)

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)


@dataclass
class WatchFailed(Message):
    """A poll of the run store raised: the app shows it; the watcher goes on polling."""

    message: str
