"""Run folders, written live: the one channel between a run and whoever watches it.

The process that trains a run writes its folder as it goes (layout and fields in
outputs/README.md, format FORMAT): run.json at the start (config, status "running", pid, host)
and again at the end (final status, test figures); one line of history.jsonl per epoch; a
heartbeat file touched every few seconds; weights.npz now and then while training and at the
end; plots and history.csv at the end. Every file is written whole (appended lines, or a
rename), so a reader never sees half of one. What the end writes (run.json, the final weights,
history.csv, and history.jsonl, synced once) reaches the disk before run.json says the run
ended; the heartbeat and the live weights are only for watchers and are not synced.
"""

from __future__ import annotations

import csv
import io
import os
import socket
import stat
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.errors import RunDirError
from linclf.engine.files import append_line, atomic_write, sync_file, to_json
from linclf.engine.records import EpochStats, TestScores

if TYPE_CHECKING:
    import numpy as np

FORMAT = 2
HEARTBEAT_SECONDS = 2.0  # how often a live run touches its heartbeat file
WEIGHTS_SECONDS = 2.0  # live weights are replaced at most this often (and at the end)
HISTORY_FIELDS = tuple(EpochStats.__dataclass_fields__)


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


def run_tag(config: TrainConfig) -> str:
    return f"{config.head}-eta{config.eta:g}-lam{config.lam:g}"


def stdout_log() -> str | None:
    """The path of this process's stdout when it is a regular file (nohup.out, a log the
    launcher chose), else None (a terminal, a pipe, /dev/null)."""
    try:
        if not stat.S_ISREG(os.fstat(1).st_mode):
            return None
        return os.path.realpath("/proc/self/fd/1") if os.path.isdir("/proc/self/fd") else None
    except OSError:
        return None


def history_csv(history: list[EpochStats]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_FIELDS, lineterminator="\n")
    writer.writeheader()
    for stats in history:
        writer.writerow(
            {k: repr(v) if isinstance(v, float) else v for k, v in stats.to_dict().items()}
        )
    return buffer.getvalue()


class _Heartbeat(threading.Thread):
    """Touches the heartbeat file every HEARTBEAT_SECONDS until stopped: a reader that finds it
    stale (and no final status) knows the writer is gone."""

    def __init__(self, path: Path):
        super().__init__(name="linclf-heartbeat", daemon=True)
        self.path = path
        self.done = threading.Event()
        self.beat()

    def beat(self) -> None:
        try:
            atomic_write(self.path, f"{time.time():.3f}\n".encode())
        except OSError:
            pass  # a missed beat only makes the run look stale a little early

    def run(self) -> None:
        while not self.done.wait(HEARTBEAT_SECONDS):
            self.beat()


class RunRecorder:
    """A run's folder, written as the run goes: EpochStats as they come, parameters now and
    then, and at the end the final weights, history.csv and run.json's final status. It only
    writes: scoring the test set and drawing the plots are the run's (engine/training/recording.py).
    Use it as a context manager: a run that ends by an exception is recorded as failed (or
    interrupted)."""

    def __init__(
        self,
        out: str | os.PathLike,
        config: TrainConfig,
        mean: np.ndarray,
        std: np.ndarray,
        tag: str | None = None,
    ):
        self.config = config
        self.mean, self.std = mean, std
        self.dir = create_run_dir(out, tag or run_tag(config))
        self.history: list[EpochStats] = []
        self.info = {
            "format": FORMAT,
            "kind": "run",
            "config": config.to_dict(),
            "status": st.RUNNING,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "log": stdout_log(),
            "started": time.time(),
            "ended": None,
            "epochs": 0,
            "test_acc": None,
            "test_loss": None,
            "error": None,
        }
        self._write("run.json", to_json(self.info))
        self._weights_saved = 0.0
        self._heartbeat = _Heartbeat(self.dir / "heartbeat")
        self._heartbeat.start()
        self.finished = False

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self.finished:
            return
        if isinstance(error, Exception) or error is None:
            reason = f"{type(error).__name__}: {error}" if error else "ended without a status"
            status = st.FAILED
        else:  # KeyboardInterrupt, or a signal raised as a BaseException
            reason, status = None, st.INTERRUPTED
        try:
            self.end(status, error=reason)
        except RunDirError:
            pass  # the original error says more than this one

    def _write(self, name: str, text: str | bytes, durable: bool = True) -> None:
        data = text.encode() if isinstance(text, str) else text
        try:
            atomic_write(self.dir / name, data, durable)
        except OSError as err:
            raise RunDirError(f"{self.dir / name}: cannot write ({err.strerror or err})") from None

    def epoch(self, stats: EpochStats, net: dict | None = None) -> None:
        """Append one epoch to history.jsonl; with net (the parameters stats describe), also
        replace the live weights if the last ones are older than WEIGHTS_SECONDS."""
        try:
            append_line(self.dir / "history.jsonl", to_json(stats.to_dict(), indent=None))
        except OSError as err:
            raise RunDirError(
                f"{self.dir / 'history.jsonl'}: cannot write ({err.strerror or err})"
            ) from None
        self.history.append(stats)
        if net is not None and time.monotonic() - self._weights_saved >= WEIGHTS_SECONDS:
            self.save_weights(net, durable=False)

    def save_weights(self, net: dict, durable: bool = True) -> None:
        """weights.npz: net (the parameters of the last recorded epoch) with the training
        statistics; durable for the final weights."""
        import numpy as np  # here: the readers of run folders import this module too

        epoch = self.history[-1].epoch if self.history else 0
        buffer = io.BytesIO()
        np.savez(buffer, W=net["W"], b=net["b"], mean=self.mean, std=self.std, epoch=epoch)
        self._write("weights.npz", buffer.getvalue(), durable)
        self._weights_saved = time.monotonic()

    def write_history_csv(self) -> None:
        self._write("history.csv", history_csv(self.history))

    def end(self, status: str, test: TestScores | None = None, error: str | None = None) -> dict:
        """run.json with the final status (and the test figures), after history.jsonl has
        reached the disk; the heartbeat stops. Returns the run's summary (the shape of
        `linclf train --json`)."""
        self._heartbeat.done.set()
        self.finished = True
        if self.history:
            try:
                sync_file(self.dir / "history.jsonl")
            except OSError as err:
                raise RunDirError(
                    f"{self.dir / 'history.jsonl'}: cannot write ({err.strerror or err})"
                ) from None
        if test is not None:
            self.info.update(test_acc=test.acc, test_loss=test.loss)
        self.info.update(status=status, ended=time.time(), epochs=len(self.history), error=error)
        self._write("run.json", to_json(self.info))
        return self.summary()

    def summary(self) -> dict:
        return {
            **self.info,
            "history": [stats.to_dict() for stats in self.history],
            "run_dir": str(self.dir),
        }
