"""The watch-only layout --follow opens: full width, no form, no key that starts anything;
a search folder opens with its progress, ETA and leaderboard. Checked as a person sees it, in
tmux at 80×24 and 120×40, and through Pilot."""

import json
import shutil
import sys
import time
from pathlib import Path

import pytest
from runstore import fixed_history, write_run
from screen import screen_text
from test_tui import wait_for
from tmuxharness import TmuxApp

from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.training import search as grid_search
from linclf.tui.app import LinclfApp

pytestmark = pytest.mark.timeout(180)


def make_search(folder: Path, live: bool = True) -> list[Path]:
    """A search of 6 trials: 4 done (the last chosen, its test accuracy in best.json), one
    running, one to go."""
    configs = grid_search.grid(
        TrainConfig(n_epochs=10), {"eta": [0.001, 0.01, 0.1], "lam": [0.0, 0.1]}
    )
    folder.mkdir(parents=True)
    state = st.RUNNING if live else st.COMPLETED
    grid_search._write_plan(folder / "results.csv", configs, state, time.time() - 60)
    runs, rows = [], []
    for k, config in enumerate(configs[:5]):
        run = folder / "runs" / f"20261207-12360{k}-softmax-eta{config.eta}-lam{config.lam}"
        status = "running" if k == 4 else "completed"
        write_run(run, fixed_history(10 if k < 4 else 3, seconds=6.0), status, config=config)
        runs.append(run)
        if k < 4:
            rows.append(f"{grid_search.trial_key(config)},completed,{run}\n")
    (folder / "results.csv").write_text("key,status,run_dir\n" + "".join(rows))
    chosen = {"run_dir": str(runs[3]), "val_acc": 0.32, "test_acc": 0.3858}
    (folder / "best.json").write_text(json.dumps(chosen))
    return runs


async def test_follow_opens_watch_only_without_form_or_starts(tmp_path, monkeypatch):
    calls: list[str] = []
    for action in ("start", "check"):
        monkeypatch.setattr(LinclfApp, f"action_{action}", lambda self, a=action: calls.append(a))
    run = write_run(tmp_path / "out" / "r1", fixed_history(3), "running")
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out", follow=run, watch=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "3/40" in screen_text(app), timeout=10)
        assert not app.query_one("#form").display
        assert app.query_one("#tabs").region.width == 120  # the whole width
        await pilot.press("s", "f5", "c", "f", "2")
        await pilot.press("enter", "space")
        await pilot.pause()
        assert calls == [] and not app.query_one("#form").display
        text = screen_text(app)
        assert "Start" not in text and "Watch-only" in text
        assert app.is_running


async def test_follow_search_shows_progress_eta_and_leaderboard(tmp_path):
    make_search(tmp_path / "s")
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "s", view="runs", watch=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "to go" in screen_text(app), timeout=15)
        await pilot.pause(0.5)
        text = screen_text(app)
        assert "4/6 done" in text and "ETA" in text, text
        assert "38.58%" in text  # best.json's test accuracy of the chosen trial


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_watch_only_in_tmux(tmp_path, size):
    runs = make_search(tmp_path / "s")
    cols, rows = size
    base = [sys.executable, "-m", "linclf", "tui"]
    with TmuxApp([*base, "--follow", str(runs[4])], size=size, socket=tmp_path / "t1") as tmux:
        screen = tmux.wait_for("3/10", timeout=60)
        lines = screen.splitlines()
        status = next(line for line in lines if "3/10" in line)
        assert "ETA" in status and "val " in status, screen
        assert "Start" not in screen and "n_epochs" not in screen, screen
        tmux.send_keys("s", "c", "f")
        time.sleep(1.0)
        screen = tmux.capture()
        assert "3/10" in screen and "n_epochs" not in screen and "Checking" not in screen, screen
    with TmuxApp(
        [*base, "--follow", str(tmp_path / "s")], size=size, socket=tmp_path / "t2"
    ) as tmux:
        screen = tmux.wait_for("to go", timeout=60)
        time.sleep(1.0)
        screen = tmux.capture()
        assert "4/6 done" in screen and "ETA" in screen and "38.58%" in screen, screen
        assert max(map(len, screen.splitlines())) <= cols
