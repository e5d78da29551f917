"""No error kills linclf-tui: each error path, met as a person meets it (the real app in tmux at
80×24), leaves the app running with the message on the screen. A Pilot test alone once passed
over a toast that killed the app."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest
from ptyharness import no_stray_runs  # noqa: F401 - a fixture
from runstore import fixed_history, write_run
from tmuxharness import TmuxApp

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.timeout(180),
    pytest.mark.slow,
    pytest.mark.usefixtures("no_stray_runs"),
]
READY = "Start"


def tui(tmp_path: Path, data_dir: Path, *extra: str) -> TmuxApp:
    argv = [sys.executable, "-m", "linclf", "tui", "--out", str(tmp_path / "out")]
    argv += ["--data-dir", str(data_dir), *extra]
    return TmuxApp(argv, size=(80, 24), socket=tmp_path / "tmux.sock")


def assert_alive(app: TmuxApp, text: str) -> str:
    """The message is on screen, and the app still runs and answers keys (view 2 opens)."""
    screen = app.wait_for(text, timeout=60)
    assert Path(f"/proc/{app.pid}").exists(), "the app has ended"
    assert "Traceback" not in screen
    app.send_keys("2")
    app.wait_for("gradient check", timeout=20)
    return screen


def type_into(app: TmuxApp, back: int, text: str) -> None:
    """Focus the field `back` places before the focused one (shift+tab), replace its text
    (ctrl+u clears it)."""
    app.send_keys(*["BTab"] * back, "C-u")
    app.wait_for("is empty", timeout=20)  # a key sent at once after ctrl+u can be lost
    app.type_text(text)


def test_invalid_field(tmp_path: Path, tiny_data_dir: Path) -> None:
    with tui(tmp_path, tiny_data_dir) as app:
        app.wait_for(READY, timeout=60)
        type_into(app, 1, "abc")  # decay factor, the field before Start
        app.wait_for("must be a number", "1 to fix", timeout=20)
        app.send_keys("Tab", "s")  # onto Start, out of the field: s is a key again
        assert_alive(app, "Cannot start")
    assert not (tmp_path / "out").exists()


def test_missing_data_then_start(tmp_path: Path) -> None:
    with tui(tmp_path, Path("/nonexistent")) as app:
        app.wait_for(READY, timeout=60)
        app.send_keys("s")
        screen = assert_alive(app, "did not start")
        assert "nonexistent" in screen or "CIFAR" in screen


def test_diverging_run_started_from_the_app(tmp_path: Path, tiny_data_dir: Path) -> None:
    with tui(tmp_path, tiny_data_dir) as app:
        app.wait_for(READY, timeout=60)
        type_into(app, 14, "1000000")  # eta, 14 places before Start
        type_into(app, 1, "1000000")  # lam
        app.send_keys("F5")  # start, from within a field
        assert_alive(app, "Diverged")


def test_check_that_fails(tmp_path: Path) -> None:
    with tui(tmp_path, Path("/nonexistent")) as app:
        app.wait_for(READY, timeout=60)
        app.send_keys("c")
        assert_alive(app, "check failed")


@pytest.mark.parametrize("damage", ["garbage", "folder", "failed"])
def test_unreadable_or_failed_run_folder(tmp_path: Path, tiny_data_dir: Path, damage: str):
    run = tmp_path / "out" / "20261207-101010-softmax-eta0.1-lam0"
    write_run(run, fixed_history(3), status="failed", error="disk [red]full[/red]")
    if damage == "garbage":
        (run / "run.json").write_text('{"format": 2, "status": ')
        (run / "history.jsonl").write_bytes(b"\x00\xff not json\n")
    elif damage == "folder":
        (run / "run.json").unlink()
        (run / "run.json").mkdir()
    with tui(tmp_path, tiny_data_dir, "--follow", str(run)) as app:
        expected = {"garbage": "unreadable", "folder": "unreadable", "failed": "full[/red]"}
        assert_alive(app, expected[damage])
        app.send_keys("4")  # the Runs view lists it too
        app.wait_for(run.name[9:20], timeout=20)
        assert Path(f"/proc/{app.pid}").exists()


def test_quit_is_prompt_and_clean(tmp_path: Path, tiny_data_dir: Path) -> None:
    with tui(tmp_path, tiny_data_dir) as app:
        app.wait_for(READY, timeout=60)
        pid = app.pid
        app.send_keys("q")
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists()
