"""Runs and checks started from linclf-tui are processes of their own: `s` starts `linclf train`
(its folder is found by the writer pid and followed like any other run), `x` stops a run as
Ctrl-C does, and the gradient check is `linclf check --json` in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ptyharness import no_stray_runs  # noqa: F401 - a fixture
from test_tui import make_app, set_field, shown, wait_for
from textual.widgets import DataTable

from linclf.engine.config import TrainConfig
from linclf.engine.store.runread import load_run
from linclf.tui.launch import train_argv
from linclf.tui.widgets.confirm import Confirm

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.slow,
    pytest.mark.usefixtures("no_stray_runs"),
]


def test_train_argv_spells_out_every_field(tmp_path: Path, monkeypatch) -> None:
    from linclf.engine.errors import ConfigError
    from linclf.tui.cli import main

    config = TrainConfig(lam=0.1, eta=1e-5, n_epochs=3, flip=True, shuffle=False, head="sigmoid")
    argv = train_argv(config, tmp_path / "out", tmp_path / "data")
    assert argv[:4] == [sys.executable, "-m", "linclf", "train"]
    assert argv[-4:] == ["--out", str(tmp_path / "out"), "--data-dir", str(tmp_path / "data")]
    parsed = []

    def validate(self, n_train=None):  # the CLI's config, caught before any work
        parsed.append(self)
        raise ConfigError("parsed")

    monkeypatch.setattr(TrainConfig, "validate", validate)
    assert main(argv[3:]) == 2
    assert parsed == [config]


def live_writer(run_dir: Path) -> int:
    return json.loads((run_dir / "run.json").read_text())["pid"]


async def test_start_launches_linclf_train_and_follows_its_folder(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await set_field(pilot, "n_batch", "20")
        await set_field(pilot, "n_epochs", "100000")
        await pilot.press("s")
        (run,) = app.runs.launcher.runs
        assert run.process.pid != os.getpid()
        await wait_for(pilot, lambda: app.followed is not None)
        assert app.followed == run.run_dir and live_writer(run.run_dir) == run.pid
        table = app.query_one("#epochs", DataTable)
        await wait_for(pilot, lambda: table.row_count >= 2)
        assert "running" in shown(app, "#run-status")
        assert app.query_one("#runs-table").launched == {run.run_dir}
        await pilot.press("x")  # SIGINT, as Ctrl-C: finishes the epoch, saves
        assert "finishes its epoch" in shown(app, "#run-message")
        await wait_for(pilot, lambda: "interrupted" in shown(app, "#run-status"))
        assert run.process.wait(timeout=30) == 130
        assert app.is_running
    saved = load_run(run.run_dir)
    assert saved["status"] == "interrupted" and saved["config"]["n_batch"] == 20
    assert {"history.csv", "curves.png", "templates.png"} <= {p.name for p in run.run_dir.iterdir()}
    assert "loading the spec split" in run.log.read_text()


async def test_quit_leaves_a_launched_run_training(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await set_field(pilot, "n_epochs", "100000")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.followed is not None)
        await pilot.press("q")  # the first q only says that the run goes on
        assert app.is_running
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)
    (run,) = app.runs.launcher.runs
    try:
        assert run.process.poll() is None  # still training after the app has ended
        assert load_run(run.run_dir)["status"] == "running"
    finally:
        run.process.send_signal(signal.SIGINT)
        run.process.wait(timeout=30)
    assert load_run(run.run_dir)["status"] == "interrupted"


def headless_run(out: Path, data_dir: Path) -> subprocess.Popen:
    argv = [sys.executable, "-m", "linclf", "train", "--n-epochs", "100000", "--n-batch", "20"]
    argv += ["--out", str(out), "--data-dir", str(data_dir), "--no-plots"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_stopping_a_run_started_elsewhere_asks_first(tiny_data_dir, tmp_path):
    out = tmp_path / "outputs"
    other = headless_run(out, tiny_data_dir)
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("*/history.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.1)
        (run_dir,) = [p.parent for p in out.glob("*/run.json")]
        app = make_app(tiny_data_dir, tmp_path, follow=run_dir)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.history)
            await pilot.press("x")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert "did not start it" in app.screen.question
            await pilot.press("n")
            assert not isinstance(app.screen, Confirm) and other.poll() is None
            await pilot.press("x")
            await pilot.press("y")
            assert other.wait(timeout=30) == 130
            await wait_for(pilot, lambda: "interrupted" in shown(app, "#run-status"))
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()


async def test_gradient_check_runs_as_a_process(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        table = app.query_one("#check-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 8, timeout=120)
        assert all(
            str(table.get_row_at(i)[0]) == "pass" for i in range(table.row_count)
        )  # the verdict comes first
        assert "first 100 training images" in shown(app, "#check-status")
    assert "torch" not in sys.modules or app.check_process.process.pid != os.getpid()
    assert app.check_process.process.returncode == 0


async def test_check_in_progress_ends_with_the_app(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test() as pilot:
        await pilot.press("c")
        await wait_for(pilot, lambda: app.check_process.process is not None)
    # Killed as the app ended, long before torch is even imported.
    assert app.check_process.process.wait(timeout=60) == -signal.SIGKILL
