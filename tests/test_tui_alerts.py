"""The signal when a followed run or a search ends or stalls: the bell and the window title,
once per change, not for what had already ended, and not at all with --no-signal."""

import json
import shutil
import sys
import time
from pathlib import Path

import pytest
from runstore import fixed_history, write_run
from test_tui import wait_for
from tmuxharness import TmuxApp

from linclf.tui.alerts import Alerts, title_safe
from linclf.tui.app import LinclfApp

pytestmark = pytest.mark.timeout(120)


def finish(run: Path, status: str) -> None:
    info = json.loads((run / "run.json").read_text())
    info.update(status=status, ended=info["started"] + 5)
    (run / "run.json").write_text(json.dumps(info))


@pytest.mark.parametrize("status", ["completed", "failed", "diverged"])
async def test_a_followed_run_that_ends_rings_and_sets_the_title(tmp_path, monkeypatch, status):
    rung: list[str] = []
    monkeypatch.setattr(LinclfApp, "bell", lambda self: rung.append("bell"))
    run = write_run(tmp_path / "out" / "r1", fixed_history(2), "running")
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out", follow=run)
    titles: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        monkeypatch.setattr(app.alerts, "title", titles.append)
        await wait_for(pilot, lambda: app.snapshot.followed is not None, timeout=10)
        assert rung == []
        finish(run, status)
        await wait_for(pilot, lambda: rung == ["bell"], timeout=10)
        assert titles == [f"linclf: r1 {status}"]
        await pilot.pause(1.2)
        assert rung == ["bell"] and app.is_running  # once


async def test_no_signal_turns_it_off_and_ended_runs_do_not_ring(tmp_path, monkeypatch):
    rung: list[str] = []
    monkeypatch.setattr(LinclfApp, "bell", lambda self: rung.append("bell"))
    out = tmp_path / "out"
    done = write_run(out / "done", fixed_history(2), "completed")
    live = write_run(out / "live", fixed_history(2), "running")
    app = LinclfApp(data_dir=Path("unused"), out=out, follow=done, signal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.followed is not None, timeout=10)
        app.follow(live)
        await wait_for(pilot, lambda: app.snapshot.followed.path == live, timeout=10)
        finish(live, "completed")
        await wait_for(pilot, lambda: app.alerts.signalled, timeout=10)
        assert rung == []


def test_a_stall_and_a_search_signal_and_titles_are_printable():
    from types import SimpleNamespace as NS

    rung: list[str] = []
    alerts = Alerts(lambda: rung.append("bell"), rung.append)
    run = NS(path=Path("r\x1b]2;evil\x07"), state="running")
    search = NS(name="results.csv", state="running")
    alerts.update(run, {"s": (search,)})
    alerts.update(
        NS(path=run.path, state="stalled"), {"s": (NS(name="results.csv", state="completed"),)}
    )
    assert rung == [
        "bell",
        "linclf: r]2;evil stalled",
        "bell",
        "linclf: search s/results.csv completed",
    ]
    assert title_safe("a\x07b\nc") == "abc"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("flag, rings", [([], True), (["--no-signal"], False)])
def test_tmux_sees_the_bell_and_the_window_title(tmp_path, flag, rings):
    run = write_run(tmp_path / "out" / "r1", fixed_history(3), "running")
    argv = [sys.executable, "-m", "linclf", "tui", "--follow", str(run), *flag]
    with TmuxApp(argv, size=(80, 24), socket=tmp_path / "tmux") as tmux:
        tmux.wait_for("3/40", timeout=60)
        finish(run, "diverged")
        screen = tmux.wait_for("diverged", timeout=30)
        time.sleep(1.0)
        shown = tmux._tmux(
            "display-message", "-p", "-t", "app", "#{pane_title}|#{window_bell_flag}"
        )
        title, bell = shown.strip().split("|")
        assert (title == "linclf: r1 diverged") is rings, shown
        assert (bell == "1") is rings, shown
        assert "epoch 3/40" in screen
