"""A headless `linclf train` whose terminal dies (EIO on its writes, with or without the
SIGHUP that comes with it) treats it as a hang-up: output to /dev/null, the run saved as
`interrupted` with history.csv and the three PNGs, exit status 129. Through a real pty whose
master is closed, and in a tmux pane whose server is killed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ptyharness import PtyApp
from tmuxharness import TmuxApp

LONG = 100_000  # epochs: the run is always mid-way when the terminal dies
PLOTS = {"curves.png", "templates.png", "histograms.png"}


def train_argv(data_dir: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "linclf",
        "train",
        "--data-dir",
        str(data_dir),
        "--n-epochs",
        str(LONG),
        "--n-batch",
        "10",
        "--out",
        str(out),
    ]


def wait_for_epochs(out: Path, n: int, timeout: float = 60.0) -> Path:
    """The run folder once its history holds n epochs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for history in out.glob("*/history.jsonl"):
            if len(history.read_bytes().splitlines()) >= n:
                return history.parent
        time.sleep(0.05)
    raise AssertionError(f"no run with {n} epochs in {out} after {timeout} s")


def wait_for_end(run: Path, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = json.loads((run / "run.json").read_text())
        if info["status"] != "running":
            return info
        time.sleep(0.05)
    raise AssertionError(f"{run} still running {timeout} s after the hang-up")


def assert_saved_interrupted(run: Path) -> None:
    info = wait_for_end(run)
    assert info["status"] == "interrupted" and 1 <= info["epochs"] < LONG, info
    names = {path.name for path in run.iterdir()}
    assert {"history.csv", "weights.npz", *PLOTS} <= names, names
    rows = (run / "history.csv").read_text().splitlines()
    assert len(rows) == info["epochs"] + 1  # the header and every recorded epoch


@pytest.mark.slow
def test_a_closed_pty_master_saves_the_run_interrupted(tiny_data_dir, tmp_path):
    """The pty is the command's controlling terminal: closing the master (a dropped SSH
    connection) sends SIGHUP, and every later write to the terminal fails with EIO."""
    with PtyApp(train_argv(tiny_data_dir, tmp_path)) as app:
        run = wait_for_epochs(tmp_path, 3)
        outcome = app.wait_exit(app.hangup(), timeout=60)
        assert outcome.clean and outcome.returncode == 129, outcome
    assert_saved_interrupted(run)


@pytest.mark.slow
def test_eio_without_sighup_is_a_hangup(tiny_data_dir, tmp_path):
    """The pty is not its controlling terminal: no SIGHUP comes, the command learns of the
    dead terminal only from the EIO of its next write."""
    master, slave = os.openpty()
    argv = train_argv(tiny_data_dir, tmp_path)
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    try:
        run = wait_for_epochs(tmp_path, 3)
        os.close(master)
        assert process.wait(60) == 129
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert_saved_interrupted(run)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_killed_tmux_server_saves_the_run_interrupted(tiny_data_dir, tmp_path):
    out = tmp_path / "out"
    with TmuxApp(train_argv(tiny_data_dir, out), socket=tmp_path / "tmux.sock") as pane:
        run = wait_for_epochs(out, 3)
        pane.kill()
        assert_saved_interrupted(run)
