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
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.data import PixelSplit, Split
from linclf.engine.errors import RunDirError
from linclf.engine.files import append_line, atomic_write, sync_file, to_json
from linclf.engine.train import EpochStats, TestScores, score_test

if TYPE_CHECKING:
    from linclf.engine.plot_worker import PlotWorker

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
    """A run's folder, fed with what the run produces: EpochStats as they come, parameters
    now and then, the final parameters and the test split at the end. Use it as a context
    manager: a run that ends by an exception is recorded as failed (or interrupted)."""

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
        self.test_scores: TestScores | None = None  # set by finish() when the test set is given
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
            self._end(status, reason)
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
            self._save_weights(net, stats.epoch, durable=False)

    def _save_weights(self, net: dict, epoch: int, durable: bool = True) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, W=net["W"], b=net["b"], mean=self.mean, std=self.std, epoch=epoch)
        self._write("weights.npz", buffer.getvalue(), durable)
        self._weights_saved = time.monotonic()

    def finish(
        self,
        status: str,
        net: dict | None = None,
        test: Split | PixelSplit | None = None,
        plots: bool | PlotWorker = True,
        test_scores: TestScores | None = None,
    ) -> dict:
        """The end of the run: the test set scored once (when given and any epoch finished;
        test_scores: already scored with net, as Training.test_scores), the final weights,
        history.csv and the plots (drawn here, or by a PlotWorker the caller started), then
        run.json with the final status. Returns the run's summary (the shape of `linclf
        train --json`)."""
        scores: TestScores | None = None
        if net is not None and self.history:
            if test is not None:
                scores = test_scores or score_test(net, test, self.config.head)
                self.test_scores = scores
                self.info.update(test_acc=scores.acc, test_loss=scores.loss)
            self._save_weights(net, self.history[-1].epoch)
        self._write("history.csv", history_csv(self.history))
        if plots and net is not None and self.history:
            from linclf.engine import plots as plotting

            jobs = plotting.run_plots(self.dir, self.config, self.history, net["W"], scores)
            try:
                (plotting if plots is True else plots).draw_all(jobs)
            except OSError as err:
                raise RunDirError(
                    f"{self.dir}: cannot write a plot ({err.strerror or err})"
                ) from None
        self._end(status)
        return self.summary()

    def _end(self, status: str, error: str | None = None) -> None:
        self._heartbeat.done.set()
        self.finished = True
        if self.history:
            try:
                sync_file(self.dir / "history.jsonl")
            except OSError as err:
                raise RunDirError(
                    f"{self.dir / 'history.jsonl'}: cannot write ({err.strerror or err})"
                ) from None
        self.info.update(status=status, ended=time.time(), epochs=len(self.history), error=error)
        self._write("run.json", to_json(self.info))

    def summary(self) -> dict:
        return {
            **self.info,
            "history": [stats.to_dict() for stats in self.history],
            "run_dir": str(self.dir),
        }
