"""The insight widgets as a person meets them: in tests/insight_app.py inside tmux at 80×24
and 120×40, on a store of good runs and crafted folders. After each key the app still runs,
the screen shows what the key promised, and nothing from a folder reaches the terminal (the
pane title and tmux's paste buffers stay clean)."""

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT
from test_runs_cli import make_store
from tmuxharness import TmuxApp

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(240),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]


def typed(app: TmuxApp, text: str) -> None:
    app._tmux("send-keys", "-t", "app", "-l", text)


def pane_title_and_buffers(app: TmuxApp) -> str:
    title = app._tmux("display-message", "-p", "-t", "app", "#{pane_title}")
    done = subprocess.run(
        ["tmux", "-S", app.socket, "-f", "/dev/null", "list-buffers"],
        capture_output=True,
        text=True,
    )
    return title + done.stdout


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_filter_hparams_curves_and_export_in_tmux(tmp_path, size):
    store = make_store(tmp_path / "store")
    argv = [sys.executable, str(ROOT / "tests" / "insight_app.py"), str(store)]
    env = {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TERM": "xterm-256color",
        "COLUMNS": str(size[0]),  # Textual prefers these to the pty's size: pytest's may leak
        "LINES": str(size[1]),
    }
    with TmuxApp(argv, size=size, socket=tmp_path / "tmux.sock", env=env) as app:
        app.wait_for("varying hyper-parameter", timeout=60)
        screen = app.wait_for("eta (log)")
        assert "  lam  " in screen and "12 runs" in screen  # 0 and 0.1: a linear axis
        app.send_keys("/")
        app.wait_for("Enter applies")  # the input has focus
        typed(app, "head=softmax folder=ok")
        app.send_keys("Enter")
        screen = app.wait_for("filter: head=softmax folder=ok · 4 runs")
        assert "eta (log)" in screen and "lam (log)" not in screen  # λ is 0 in all four
        app.send_keys("/")
        app.wait_for("Enter applies")
        app.send_keys("C-u")
        typed(app, "etaa>1")
        app.send_keys("Enter")
        screen = app.wait_for("did you mean eta?")
        assert "· 4 runs" in screen  # the filter in force stays
        app.send_keys("C-u", "Enter")  # an empty line: no filter; the view has the keys again
        app.wait_for("no filter (/ to filter) · 12 runs")
        app.send_keys("2")
        app.wait_for("val_loss · raw · linear y · x by epoch")
        app.send_keys("e")
        app.wait_for("EMA 0.6 (low), raw faint")
        app.send_keys("e", "y", "u")
        screen = app.wait_for("EMA 0.9 (high), raw faint · log y · x by epoch (steps unknown)")
        assert "epoch" in screen  # the crafted folders' n_batch is unknown: x stays epochs
        app.send_keys("p")
        screen = app.wait_for("saved", timeout=60)
        assert ".csv" in screen and ".png" in screen
        exports = sorted((store / "exports").iterdir())
        assert {p.suffix for p in exports} == {".png", ".csv"}
        app.send_keys("1")
        screen = app.wait_for("eta (log)")
        assert "  lam  " in screen
        if size[1] >= 40:  # the head panel, second row, is in view
            app.wait_for("␛[2Jsoftma")  # the crafted value, as a marker
        assert "pwned" not in pane_title_and_buffers(app)
        assert "aGVsbG8" not in pane_title_and_buffers(app)
        app.send_keys("q")
