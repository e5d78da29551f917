"""linclf-tui under a real pseudo-terminal: a dropped terminal (pty master closed, as when an
SSH connection drops) or SIGTERM ends the app within 10 s in every state it can be in, with
the run it owned saved and no process of its session left behind."""

from __future__ import annotations

import json
import shutil
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ptyharness import PtyApp, session_processes
from tmuxharness import TmuxApp

pytestmark = pytest.mark.slow  # a real pty or tmux, the real data

pytest.importorskip("pyte")
LIMIT = 10.0
IDLE = "A preset sets every field"
# state -> steps of (keys, text to wait for, seconds to stay after it)
STEPS: dict[str, list[tuple[tuple[str, ...], str, float]]] = {
    "idle": [],
    "loading": [(("s",), "Loading data", 0.0)],
    "training": [(("s",), "run folder", 1.5)],
    "checking": [(("c",), "Checking", 0.5)],
    "modal": [(("?",), "escape closes", 0.5)],
    "training+palette": [(("s",), "run folder", 1.0), (("ctrl+p",), "Search for commands", 0.5)],
}


def command(out: Path, data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "linclf", "tui", "--out", str(out), "--data-dir", str(data_dir)]


def bring_to(app: PtyApp, state: str) -> None:
    app.wait_for(IDLE, timeout=60)
    time.sleep(0.3)
    for keys, text, pause in STEPS[state]:
        app.press(*keys)
        app.wait_for(text, timeout=60)
        time.sleep(pause)


def assert_saved(out: Path, state: str) -> None:
    """Each run folder is complete: final status, one history line per epoch, weights."""
    runs = [p.parent for p in out.rglob("run.json")]
    if "training" in state:
        assert runs, "the training run left no folder"
    for run in runs:
        info = json.loads((run / "run.json").read_text())
        assert info["status"] in ("interrupted", "completed"), info
        lines = (run / "history.jsonl").read_text().splitlines()
        assert info["epochs"] == len(lines) >= 1
        assert [json.loads(line)["epoch"] for line in lines] == list(range(1, len(lines) + 1))
        with np.load(run / "weights.npz") as weights:
            assert weights["W"].shape[0] == 10


def expect_clean(app: PtyApp, since: float, signum: int) -> None:
    outcome = app.wait_exit(since, timeout=LIMIT)
    assert outcome.exited, f"still running {LIMIT} s later:\n{outcome.report}"
    assert outcome.returncode in (128 + signum, -signum), outcome
    assert not outcome.leftovers, f"left in the session: {outcome.leftovers}"


@pytest.mark.parametrize("state", list(STEPS))
def test_hangup_ends_app_and_saves(tmp_path: Path, real_data_dir: Path, state: str) -> None:
    with PtyApp(command(tmp_path, real_data_dir), size=(100, 30)) as app:
        bring_to(app, state)
        expect_clean(app, app.hangup(), signal.SIGHUP)
    assert_saved(tmp_path, state)


@pytest.mark.parametrize("state", ["idle", "training", "training+palette"])
def test_sigterm_ends_app_and_saves(tmp_path: Path, real_data_dir: Path, state: str) -> None:
    with PtyApp(command(tmp_path, real_data_dir), size=(100, 30)) as app:
        bring_to(app, state)
        expect_clean(app, app.send_signal(signal.SIGTERM), signal.SIGTERM)
        time.sleep(0.2)  # the reader thread takes what the app wrote last
        # The terminal is alive: the app must have given it back (left the alternate screen).
        assert b"\x1b[?1049l" in app.output
    assert_saved(tmp_path, state)


@pytest.mark.parametrize("state", ["idle", "training"])
def test_hangup_seen_without_sighup(tmp_path: Path, real_data_dir: Path, state: str) -> None:
    """The kernel signals only the session leader; here that is a wrapper that ignores SIGHUP
    (inherited by the app, as under a careless script), so the app learns of the hangup from
    its terminal alone."""
    wrapper = (
        "import signal, subprocess, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
        "sys.exit(subprocess.call(sys.argv[1:]))"
    )
    argv = [sys.executable, "-c", wrapper, *command(tmp_path, real_data_dir)]
    with PtyApp(argv, size=(100, 30)) as app:
        bring_to(app, state)
        outcome = app.wait_exit(app.hangup(), timeout=LIMIT)
        assert outcome.exited and not outcome.leftovers, outcome.report
    assert_saved(tmp_path, state)


def test_quit_key_saves_a_running_training(tmp_path: Path, real_data_dir: Path) -> None:
    """The normal path: q stops the run, saves it with its plots and exits with 0."""
    with PtyApp(command(tmp_path, real_data_dir), size=(100, 30)) as app:
        bring_to(app, "training")
        since = time.monotonic()
        app.press("q")
        outcome = app.wait_exit(since, timeout=60)
        assert outcome.exited and outcome.returncode == 0, outcome.report or outcome
    assert_saved(tmp_path, "training")
    assert list(tmp_path.rglob("curves.png"))


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tmux_screens_and_kill_server(tmp_path: Path, real_data_dir: Path) -> None:
    """The app fits 80x24 and 120x40; ending the tmux server hangs the app up."""
    for cols, rows in ((80, 24), (120, 40)):
        socket = tmp_path / f"tmux-{cols}"
        argv = command(tmp_path / "out", real_data_dir)
        with TmuxApp(argv, size=(cols, rows), socket=socket) as tmux:
            lines = tmux.wait_for("Start", timeout=60).splitlines()
            assert len(lines) == rows and max(map(len, lines)) <= cols
            pid = tmux.pid
            tmux.kill()
            deadline = time.monotonic() + LIMIT
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not Path(f"/proc/{pid}").exists(), "app still running after tmux ended"


# The harness must be able to say "no": a program that ignores SIGHUP, and one that leaves a
# child behind in its session.
def test_harness_reports_a_survivor() -> None:
    code = "import signal, time; signal.signal(signal.SIGHUP, signal.SIG_IGN); time.sleep(60)"
    with PtyApp([sys.executable, "-c", code]) as app:
        time.sleep(0.3)
        outcome = app.wait_exit(app.hangup(), timeout=1.0)
        assert not outcome.exited and outcome.leftovers
    assert not session_processes(app.pid)


def test_harness_reports_an_orphan() -> None:
    code = (
        "import subprocess, signal, sys; subprocess.Popen(['sleep', '60'], "
        "preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)); print('ready')"
    )
    with PtyApp([sys.executable, "-c", code]) as app:
        app.wait_for("ready", timeout=10)
        outcome = app.wait_exit(app.hangup(), timeout=5.0)
        assert outcome.exited and [p.comm for p in outcome.leftovers] == ["sleep"]
    assert not session_processes(app.pid)
