"""Run folders for tests: written by hand in format 2 (as engine/store/runs.py writes them), so a
test can choose every field, including the ones a real writer never gets wrong."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from linclf.engine.config import TrainConfig
from linclf.engine.records import EpochStats


def fixed_history(n: int, seconds: float = 0.5) -> list[EpochStats]:
    return [
        EpochStats(
            e,
            2.0 - 0.05 * e,
            2.0 - 0.05 * e,
            0.25 + 0.01 * e,
            2.05 - 0.04 * e,
            2.05 - 0.04 * e,
            0.24 + 0.008 * e,
            seconds,
            0.001,
        )
        for e in range(1, n + 1)
    ]


def write_run(
    folder: Path,
    history: list[EpochStats] | None = None,
    status: str = "completed",
    config: TrainConfig | dict | None = None,
    beat: float | None = None,
    **fields,
) -> Path:
    """A run folder as a live writer leaves it: run.json, history.jsonl, heartbeat. By default
    its writer is this process (so a "running" run looks alive)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = config if config is not None else TrainConfig()
    info = {
        "format": 2,
        "kind": "run",
        "config": config.to_dict() if isinstance(config, TrainConfig) else config,
        "status": status,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": time.time(),
        "ended": None,
        "epochs": len(history or []),
        "test_acc": None,
        "test_loss": None,
        "error": None,
        **fields,
    }
    (folder / "run.json").write_text(json.dumps(info))
    append_epochs(folder, history or [])
    (folder / "heartbeat").write_text(f"{beat if beat is not None else time.time()}\n")
    return folder


def append_epochs(folder: Path, history: list[EpochStats]) -> None:
    with open(folder / "history.jsonl", "a") as handle:
        for stats in history:
            handle.write(json.dumps(stats.to_dict()) + "\n")
