"""What the app starts, each as a process of its own: `linclf train` for a run of the form
(its own session, so it outlives the app and its terminal; its output goes to a log file) and
`linclf check --json` for the gradient check (its own process group, killed when the app
quits). The app trains nothing and imports no torch: it finds a launched run's folder by the
writer pid in run.json and follows it like any other run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from linclf.engine.config import TrainConfig, config_fields
from linclf.engine.store.runread import CLOCK_SLACK, read_json, whole, writer_alive

LOG_FOLDER = ".launched"  # under --out: one log file per run started from the app
TAIL_BYTES = 4096


def train_argv(config: TrainConfig, out: Path, data_dir: Path | None) -> list[str]:
    """`linclf train` with every field of config spelled out, as the CLI parses it."""
    argv = [sys.executable, "-m", "linclf", "train"]
    for spec in config_fields(type(config)):
        value = getattr(config, spec.name)
        if spec.kind is bool:
            argv.append(spec.flag if value else f"--no-{spec.flag[2:]}")
        else:
            argv += [spec.flag, repr(value) if isinstance(value, float) else str(value)]
    argv += ["--out", str(out)]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    return argv


def log_tail(path: Path, lines: int = 4) -> str:
    """The last non-empty lines of a log file (what a failed start printed)."""
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - TAIL_BYTES))
            text = file.read().decode(errors="replace")
    except OSError as err:
        return f"its log {path} cannot be read ({err.strerror or err})"
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " · ".join(kept[-lines:]) or "it printed nothing"


@dataclass
class Launched:
    """A `linclf train` started by the app; run_dir is set once its folder is found."""

    process: subprocess.Popen
    log: Path
    config: TrainConfig
    started: float = field(default_factory=time.time)
    run_dir: Path | None = None
    ended_early: bool = False  # it exited before a run folder appeared (reported once)
    stopped: bool = False  # x stopped it before its folder appeared

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.poll() is None


class Launcher:
    """The runs this app started, under its --out."""

    def __init__(self, out: Path, data_dir: Path | None):
        self.out, self.data_dir = Path(out), data_dir
        self.runs: list[Launched] = []
        self.host = socket.gethostname()

    def start(self, config: TrainConfig) -> Launched:
        """Start `linclf train`; an OSError says the log file (or the process) could not be
        made."""
        logs = self.out / LOG_FOLDER
        logs.mkdir(parents=True, exist_ok=True)
        stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{config.head}-eta{config.eta:g}-lam{config.lam:g}"
        for attempt in range(1000):
            log = logs / (f"{stem}.log" if attempt == 0 else f"{stem}-{attempt + 1}.log")
            try:
                file = open(log, "xb")  # noqa: SIM115 - handed to the child, closed below
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(f"{logs}: too many logs named {stem}")
        with file:
            process = subprocess.Popen(
                train_argv(config, self.out, self.data_dir),
                stdin=subprocess.DEVNULL,
                stdout=file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        run = Launched(process, log, config)
        self.runs.append(run)
        return run

    @property
    def run_dirs(self) -> set[Path]:
        return {run.run_dir for run in self.runs if run.run_dir is not None}

    def live(self) -> list[Launched]:
        return [run for run in self.runs if run.running]

    def find_folders(self) -> list[Launched]:
        """Look for the folders of launched runs that have none yet; return those found."""
        waiting = {run.pid: run for run in self.runs if run.run_dir is None and not run.ended_early}
        if not waiting:
            return []
        since = min(run.started for run in waiting.values()) - CLOCK_SLACK
        found = []
        try:
            folders = [p for p in self.out.iterdir() if p.is_dir() and p.stat().st_mtime >= since]
        except OSError:
            return []
        for folder in folders:
            info = read_json(folder / "run.json")
            if not isinstance(info, dict) or info.get("host") != self.host:
                continue
            run = waiting.pop(whole(info.get("pid")), None)  # type: ignore[arg-type]
            if run is not None:
                run.run_dir = folder
                found.append(run)
        return found

    def ended_early(self) -> list[Launched]:
        """Launched runs that exited without a run folder (bad data, a bad value): each is
        returned once. Call find_folders() first, so a quick run is not mistaken for one."""
        ended = []
        for run in self.runs:
            if run.run_dir is None and not run.ended_early and not run.running:
                self.find_folders()
                if run.run_dir is None:
                    run.ended_early = True
                    ended.append(run)
        return ended

    def waiting(self) -> Launched | None:
        """The newest launched run that is still starting (no folder yet)."""
        for run in reversed(self.runs):
            if run.run_dir is None and run.running:
                return run
        return None


def interrupt(pid: int, started: float | None) -> bool:
    """SIGINT to a run's writer, as Ctrl-C in its terminal: it finishes the epoch, saves and
    ends as interrupted. False when pid is no longer that writer (ended, or reused)."""
    if writer_alive(pid, started) is not True:
        return False
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return False
    return True


class CheckFailure(Exception):
    """The gradient check did not produce results; the message says why."""


def check_argv(data_dir: Path | None) -> list[str]:
    argv = [sys.executable, "-m", "linclf", "check", "--json"]
    return argv + (["--data-dir", str(data_dir)] if data_dir is not None else [])


class CheckProcess:
    """`linclf check --json` in its own process group; kill() ends it and its children."""

    def __init__(self, data_dir: Path | None):
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None

    def kill(self) -> None:
        """Thread-safe: called by the app as it ends and by the shutdown watchdog."""
        process = self.process
        if process is not None and process.returncode is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def run(self) -> tuple[list, str]:
        """Run the check to its end (in a worker thread): its results (CheckResult) and where
        its inputs came from. CheckFailure when it gave none (it failed, or was killed)."""
        from linclf.engine.training.gradcheck import CheckResult

        self.process = subprocess.Popen(
            check_argv(self.data_dir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        out, err = self.process.communicate()
        try:
            report = json.loads(out)
            results = [CheckResult(**case) for case in report["cases"]]
            return results, str(report["source"])
        except (ValueError, TypeError, KeyError):
            lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
            why = " · ".join(lines[-3:]) or f"exit status {self.process.returncode}"
            raise CheckFailure(f"check failed: {why}") from None
