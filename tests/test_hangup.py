"""linclf-tui under a real pseudo-terminal: a dropped terminal (pty master closed, as when an
SSH connection drops) or SIGTERM ends the app within 10 s in every state it can be in, with no
process of its session left behind; a run it started is a process of its own and goes on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ptyharness import PtyApp, no_stray_runs, session_processes  # noqa: F401
from tmuxharness import TmuxApp

pytest.importorskip("pyte")
# a real pty or tmux, the real data; no run a test launched may outlive it
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_stray_runs")]
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


def launched_runs(out: Path, state: str) -> list[Path]:
    """The folders of the runs the app started; those of a training state must exist (a run
    still loading at the hangup makes its folder later)."""
    if "training" not in state and "loading" not in state:
        assert not list(out.rglob("run.json"))
        return []
    deadline = time.monotonic() + 60
    while not list(out.rglob("history.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.1)
    runs = [p.parent for p in out.rglob("run.json")]
    assert runs, "the run started from the app left no folder"
    return runs


def assert_goes_on_then_stop(out: Path, state: str) -> None:
    """Each launched run still trains after the app ended; SIGINT (as Ctrl-C) then saves it
    as interrupted: final status, one history line per epoch, weights."""
    for run in launched_runs(out, state):
        info = json.loads((run / "run.json").read_text())
        assert info["status"] == "running", info
        os.kill(info["pid"], 0)  # its writer lives on
        os.kill(info["pid"], signal.SIGINT)
    for run in launched_runs(out, state):
        deadline = time.monotonic() + 60
        while json.loads((run / "run.json").read_text())["status"] == "running":
            assert time.monotonic() < deadline, "the run did not stop on SIGINT"
            time.sleep(0.1)
        info = json.loads((run / "run.json").read_text())
        assert info["status"] == "interrupted", info
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


def checks_running(data_dir: Path) -> list[int]:
    """linclf check processes on data_dir: each is in a session of its own, not the app's."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or ())
        if "check --json" in cmdline and str(data_dir) in cmdline:
            if proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc.info["pid"])
    return found


@pytest.mark.parametrize("state", list(STEPS))
def test_hangup_ends_app_and_saves(tmp_path: Path, real_data_dir: Path, state: str) -> None:
    with PtyApp(command(tmp_path, real_data_dir), size=(100, 30)) as app:
        bring_to(app, state)
        if state == "checking":
            assert checks_running(real_data_dir)
        expect_clean(app, app.hangup(), signal.SIGHUP)
    assert not checks_running(real_data_dir), "the gradient check outlived the app"
    assert_goes_on_then_stop(tmp_path, state)


@pytest.mark.parametrize("state", ["idle", "training", "training+palette"])
def test_sigterm_ends_app_and_saves(tmp_path: Path, real_data_dir: Path, state: str) -> None:
    with PtyApp(command(tmp_path, real_data_dir), size=(100, 30)) as app:
        bring_to(app, state)
        expect_clean(app, app.send_signal(signal.SIGTERM), signal.SIGTERM)
        time.sleep(0.2)  # the reader thread takes what the app wrote last
        # The terminal is alive: the app must have given it back (left the alternate screen).
        assert b"\x1b[?1049l" in app.output
    assert_goes_on_then_stop(tmp_path, state)


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
    assert_goes_on_then_stop(tmp_path, state)


def test_quit_key_leaves_the_run_training(tmp_path: Path, real_data_dir: Path) -> None:
    """The normal path: the first q says the run goes on, the second exits with 0."""
    with PtyApp(command(tmp_path, real_data_dir), size=(100, 30)) as app:
        bring_to(app, "training")
        app.press("q")
        app.wait_for("keep training", timeout=20)
        since = time.monotonic()
        app.press("q")
        outcome = app.wait_exit(since, timeout=60)
        assert outcome.exited and outcome.returncode == 0, outcome.report or outcome
        assert b"still training: pid" in app.output
    assert_goes_on_then_stop(tmp_path, "training")


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


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_run_started_from_the_app_survives_a_dropped_terminal(
    tmp_path: Path, real_data_dir: Path
) -> None:
    """Start a 3-epoch run from the form, end the tmux server while it trains: the app ends,
    the run completes with history.csv and its three plots."""
    out = tmp_path / "out"
    with TmuxApp(command(out, real_data_dir), size=(80, 24), socket=tmp_path / "t") as tmux:
        tmux.wait_for(IDLE, timeout=60)
        time.sleep(1.0)  # the first frame comes before Start has the focus
        tmux.send_keys(*["BTab"] * 12, "C-u")  # n_epochs, 12 fields before Start
        tmux.wait_for("is empty", timeout=20)  # a key sent at once after ctrl+u can be lost
        tmux.type_text("3")
        tmux.wait_for_line("n_epochs", "3", timeout=20)
        tmux.send_keys("F5")
        tmux.wait_for("run folder", timeout=120)
        pid = tmux.pid
        tmux.kill()
        deadline = time.monotonic() + LIMIT
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists(), "app still running after tmux ended"
    (run,) = [p.parent for p in out.glob("*/run.json")]
    deadline = time.monotonic() + 300
    while json.loads((run / "run.json").read_text())["status"] == "running":
        assert time.monotonic() < deadline, "the run did not end"
        time.sleep(0.2)
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "completed" and info["epochs"] == 3, info
    for name in ("history.csv", "curves.png", "templates.png", "histograms.png"):
        assert (run / name).stat().st_size > 0, name
