"""Issue 21's keys in the real app (`linclf tui`) inside tmux at 80×24, as a person meets them:
the filter, the hyper-parameter view, smoothing and log y, export, a note and tags, and an
alert that appears while watching (marked in the table, rung, in the pane's title). After each
action the app still runs and the screen shows the result."""

import math
import os
import shutil
import sys
import time

import pytest
from runstore import append_epochs, fixed_history, write_run
from test_tui_insight import store
from tmuxharness import TmuxApp

from linclf.engine.config import TrainConfig
from linclf.engine.insight import notes
from linclf.engine.records import EpochStats

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]


def pane_title(app: TmuxApp) -> str:
    return app._tmux("display-message", "-p", "-t", "app", "#{pane_title}").strip()


def alive(app: TmuxApp) -> None:
    os.kill(app.pid, 0)  # raises when the app has gone


def test_insight_keys_at_80x24_in_tmux(tmp_path):
    out = tmp_path / "out"
    runs = store(out)
    config = TrainConfig(eta=0.001, n_epochs=6)
    live = write_run(out / "20260101-000009-live", fixed_history(2), "running", config)
    argv = [sys.executable, "-m", "linclf", "tui", "--out", str(out), "--data-dir", "unused"]
    env = {"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    with TmuxApp(argv, size=(80, 24), socket=tmp_path / "tmux", env=env) as app:
        app.wait_for("1 Run", timeout=60)
        app.send_keys("4")
        app.wait_for("4 runs under")
        app.send_keys("/")
        app.wait_for("Enter applies")
        app.type_text("eta<0.05")
        app.send_keys("Enter")
        screen = app.wait_for("filter eta<0.05: 3 of 4 runs")
        assert runs["c"].name[-10:] not in screen
        alive(app)
        app.send_keys("Escape")
        app.wait_for("4 runs under")
        alive(app)
        app.send_keys("h")
        screen = app.wait_for("against 2 varying hyper-parameters")
        assert "eta (log)" in screen and "escape closes" in screen
        app.send_keys("Escape")
        app.wait_for("4 runs under")
        alive(app)
        app.send_keys("Down", "Down", "e")
        app.wait_for("EMA low")
        app.send_keys("e", "y")
        app.wait_for("EMA high · log y")
        alive(app)
        app.send_keys("space", "p")
        screen = app.wait_for("Exported 1 run", timeout=60)
        assert {p.suffix for p in (out / "exports").iterdir()} == {".csv", ".png"}
        alive(app)
        app.send_keys("n")
        app.wait_for("Enter saves")
        app.type_text("good one")
        app.send_keys("Tab")
        app.type_text("best")
        app.send_keys("Enter")
        app.wait_for("#best good one")
        assert any(notes.read_notes(p).tags == ("best",) for p in runs.values())
        alive(app)
        nan = EpochStats(3, math.nan, math.nan, 0.1, math.nan, math.nan, 0.1, 0.5, 0.001)
        append_epochs(live, [nan])
        app.wait_for("nan@3", timeout=30)
        deadline = time.monotonic() + 20
        while f"{live.name} nan@3" not in pane_title(app) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pane_title(app).startswith(f"linclf: {live.name} nan@3"), pane_title(app)
        alive(app)
        app.send_keys("q")
