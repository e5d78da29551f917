"""Messages from the background workers to the app (posted from worker threads)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from textual.message import Message

from linclf.engine.config import TrainConfig
from linclf.engine.train import EpochStats


class RunStarted(Message):
    def __init__(self, config: TrainConfig, run_dir: Path) -> None:
        super().__init__()
        self.config = config
        self.run_dir = run_dir


class EpochsDone(Message):
    """One or more new epochs (several when the worker throttles a fast run)."""

    def __init__(self, rows: list[EpochStats]) -> None:
        super().__init__()
        self.rows = rows


class RunFinished(Message):
    def __init__(self, summary: dict, W: np.ndarray) -> None:
        super().__init__()
        self.summary = summary
        self.W = W


class RunFailed(Message):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class CheckFinished(Message):
    def __init__(self, results: list, source: str) -> None:
        super().__init__()
        self.results = results
        self.source = source


class CheckFailed(Message):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message
