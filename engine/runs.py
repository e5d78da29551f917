"""Run folders: config, history, weights and plots, each file written atomically."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
from linclf.engine.train import EpochStats, Training

HISTORY_FIELDS = [f.name for f in fields(EpochStats)]


class RunDirError(OSError):
    """The run folder cannot be created or written; the message says where and why."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside path, then rename: readers and a crash mid-write see
    the old file or the new one, never part of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_number(value):
    return value if not isinstance(value, float) or math.isfinite(value) else str(value)


def to_json(value) -> str:
    """JSON with NaN/inf written as strings (plain JSON has no such numbers)."""
    return json.dumps(_clean(value), indent=2)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return _json_number(value)


def create_run_dir(out: str | os.PathLike, tag: str) -> Path:
    """A new folder out/<time>-<tag>[-N]; mkdir is atomic, so no two runs share one."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunDirError(
            f"{out}: cannot create the output folder ({err.strerror or err})"
        ) from None
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{tag}"
    for attempt in range(1000):
        path = out / (stem if attempt == 0 else f"{stem}-{attempt + 1}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
        except OSError as err:
            raise RunDirError(
                f"{out}: cannot create a run folder ({err.strerror or err})"
            ) from None
    raise RunDirError(f"{out}: too many runs named {stem}")


def run_tag(config) -> str:
    return f"{config.head}-eta{config.eta:g}-lam{config.lam:g}"


def history_csv(history: list[EpochStats]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_FIELDS, lineterminator="\n")
    writer.writeheader()
    for stats in history:
        writer.writerow(
            {k: repr(v) if isinstance(v, float) else v for k, v in stats.to_dict().items()}
        )
    return buffer.getvalue()


def summary(training: Training, status: str, test_acc: float | None, run_dir: Path | None) -> dict:
    """The run as one JSON-able object (the shape of `linclf train --json`)."""
    return {
        "config": training.config.to_dict(),
        "status": status,
        "history": [stats.to_dict() for stats in training.history],
        "test_acc": test_acc,
        "run_dir": str(run_dir) if run_dir is not None else None,
    }


class RunRecorder:
    """A run's folder, kept consistent as it goes: config at once, history after every epoch
    (so a killed process still leaves what it finished), weights and plots at the end."""

    def __init__(self, out: str | os.PathLike, training: Training):
        self.training = training
        self.dir = create_run_dir(out, run_tag(training.config))
        self._write("config.json", to_json(training.config.to_dict()))

    def _write(self, name: str, text: str) -> None:
        try:
            atomic_write(self.dir / name, text.encode())
        except OSError as err:
            raise RunDirError(f"{self.dir / name}: cannot write ({err.strerror or err})") from None

    def record(self) -> None:
        """Save the history so far."""
        history = self.training.history
        self._write("history.csv", history_csv(history))
        self._write("history.json", to_json([s.to_dict() for s in history]))

    def finish(self, status: str, plots: bool = True) -> dict:
        """Test accuracy (when any epoch finished), weights, plots, then run.json, whose
        presence says the folder is complete. Returns the run's summary."""
        training = self.training
        test_acc = training.test_accuracy() if training.history else None
        result = summary(training, status, test_acc, self.dir)
        self.record()
        buffer = io.BytesIO()
        np.savez(
            buffer,
            W=training.net["W"],
            b=training.net["b"],
            mean=training.data.mean,
            std=training.data.std,
        )
        try:
            atomic_write(self.dir / "weights.npz", buffer.getvalue())
            if plots and training.history:
                from linclf.engine import plots as plotting

                plotting.save_run_plots(self.dir, training)
        except OSError as err:
            raise RunDirError(f"{self.dir}: cannot write the run ({err.strerror or err})") from None
        self._write("run.json", to_json(result))
        return result


def load_run(run_dir: str | os.PathLike) -> dict:
    """A saved run's summary (run.json), with history rows as EpochStats."""
    run_dir = Path(run_dir)
    data = json.loads((run_dir / "run.json").read_text())
    data["history"] = [
        EpochStats(**{k: float(v) if isinstance(v, str) else v for k, v in row.items()})
        for row in data["history"]
    ]
    data["run_dir"] = str(run_dir)
    return data


def list_runs(out: str | os.PathLike) -> list[Path]:
    """Complete run folders under out, newest first."""
    out = Path(out)
    if not out.is_dir():
        return []
    return sorted((p.parent for p in out.glob("*/run.json")), key=lambda p: p.name, reverse=True)
