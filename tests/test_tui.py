"""The real app, driven headless with App.run_test() and Pilot."""

import time
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, TabbedContent

from linclf.engine.config import TrainConfig
from linclf.engine.runread import load_run
from linclf.engine.train import EpochStats
from linclf.tui.app import LinclfApp
from linclf.tui.messages import EpochsDone, RunStarted
from linclf.tui.widgets.curves import Curves
from linclf.tui.widgets.epochs import EpochTable
from linclf.tui.widgets.templates import TemplatesView

pytestmark = pytest.mark.timeout(120)


async def wait_for(pilot, condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def set_field(pilot, field: str, text: str) -> None:
    pilot.app.query_one(f"#{field}", Input).value = text
    await pilot.pause()


def make_app(data_dir, tmp_path, **kwargs):
    return LinclfApp(data_dir=data_dir, out=tmp_path / "outputs", **kwargs)


async def test_form_run_rows_curves_stop_and_run_folder(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await set_field(pilot, "n_batch", "20")
        await set_field(pilot, "eta", "0.01")
        await set_field(pilot, "n_epochs", "100000")
        await pilot.click("#start")
        table = app.query_one("#epochs", EpochTable)
        await wait_for(pilot, lambda: table.row_count >= 3)
        assert app.query_one("#curves", Curves).point_count() >= 3
        assert app.query_one(TabbedContent).active == "train"
        await pilot.press("x")
        await wait_for(pilot, lambda: app.last_summary is not None)
        summary = app.last_summary
        assert summary["status"] == "stopped" and summary["config"]["eta"] == 0.01
        run_dir = Path(summary["run_dir"])
        assert run_dir.parent == tmp_path / "outputs"
        assert {"run.json", "history.csv", "curves.png", "templates.png", "weights.npz"} <= {
            p.name for p in run_dir.iterdir()
        }
        saved = load_run(run_dir)
        assert len(saved["history"]) == len(app.history) == table.row_count
        assert str(run_dir) in str(app.query_one("#run-message").render())
        assert app.query_one(TemplatesView).images is not None


async def test_invalid_fields_disable_start_with_the_reason(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test() as pilot:
        start = app.query_one("#start", Button)
        assert not start.disabled
        for field, text, reason in (
            ("eta", "abc", "must be a number"),
            ("eta", "-1", "eta must lie in"),
            ("n_epochs", "2.5", "whole number"),
            ("lam", "nan", "finite"),
        ):
            await set_field(pilot, field, text)
            assert start.disabled
            assert app.query_one(f"#{field}", Input).has_class("-invalid")
            assert reason in str(app.query_one(f"#{field}-error").render())
            await pilot.press("s")
            assert not app.training_running()
            await set_field(pilot, field, {"eta": "0.001", "n_epochs": "40", "lam": "0"}[field])
        assert not start.disabled


async def test_preset_fills_the_spec_setting(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test() as pilot:
        app.query_one("#preset").value = "lam 1, eta 0.001"
        await pilot.pause()
        assert app.query_one("#lam", Input).value == "1"
        assert app.query_one("#eta", Input).value == "0.001"
        assert app.query_one("#form").config.lam == 1.0


async def test_gradcheck_panel_shows_results(tmp_path):
    app = make_app(tmp_path / "missing" / "cifar-10-batches-py", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        table = app.query_one("#check-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 8)
        assert all(str(table.get_row_at(i)[-1]) == "pass" for i in range(table.row_count))
        assert "synthetic" in str(app.query_one("#check-status").render())


async def test_keys_work_while_training_and_quit_stops_and_saves(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await set_field(pilot, "n_batch", "10")
        await set_field(pilot, "n_epochs", "100000")
        await pilot.press("s")
        await wait_for(pilot, lambda: len(app.history) >= 1)
        await pilot.press("3")
        assert app.query_one(TabbedContent).active == "templates"
        assert app.training_running()
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=30)
    (run_dir,) = (tmp_path / "outputs").iterdir()
    run = load_run(run_dir)
    assert run["status"] == "interrupted" and len(run["history"]) >= 1


async def test_missing_data_is_a_message_not_a_crash(tmp_path):
    app = make_app(tmp_path / "nowhere" / "cifar-10-batches-py", tmp_path)
    async with app.run_test() as pilot:
        await pilot.press("s")
        message = app.query_one("#run-message")
        await wait_for(pilot, lambda: "linclf data fetch" in str(message.render()))
        assert message.has_class("-error")


async def test_diverging_run_is_reported(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await set_field(pilot, "eta", "1000000")
        await set_field(pilot, "lam", "1000000")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.last_summary is not None)
        assert app.last_summary["status"] == "diverged"
        assert "Diverged at epoch" in str(app.query_one("#run-message").render())


async def test_unwritable_outputs_is_a_message(tiny_data_dir, tmp_path):
    blocker = tmp_path / "outputs"
    blocker.write_text("a file where the folder should be")
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test() as pilot:
        await pilot.press("s")
        message = app.query_one("#run-message")
        await wait_for(pilot, lambda: "cannot create" in str(message.render()))


async def test_run_history_lists_and_overlays_runs(tiny_data_dir, tmp_path):
    from linclf.tui.cli import main

    for seed in ("1", "2"):
        assert (
            main(
                [
                    "train",
                    "--data-dir",
                    str(tiny_data_dir),
                    "--n-epochs",
                    "2",
                    "--seed",
                    seed,
                    "--out",
                    str(tmp_path / "outputs"),
                    "--no-plots",
                ]
            )
            == 0
        )
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        runs = app.query_one("#runs-table", DataTable)
        assert runs.row_count == 2
        runs.focus()
        await pilot.pause()
        assert app.query_one("#run-epochs", EpochTable).row_count == 2
        await pilot.press("space")
        await pilot.press("down")
        await pilot.pause()
        assert len(app.query_one("#run-curves", Curves).series) == 2


def fixed_history(n: int) -> list[EpochStats]:
    return [
        EpochStats(
            e,
            2.0 - 0.05 * e,
            2.0 - 0.05 * e,
            0.25 + 0.01 * e,
            2.05 - 0.04 * e,
            2.05 - 0.04 * e,
            0.24 + 0.008 * e,
            0.5,
            0.001,
        )
        for e in range(1, n + 1)
    ]


async def _replay(pilot) -> None:
    """A deterministic run: fixed rows (fixed seconds, so elapsed and ETA are fixed too)."""
    app = pilot.app
    app.post_message(RunStarted(TrainConfig(), Path("outputs/replayed-run")))
    app.post_message(EpochsDone(fixed_history(12)))
    await pilot.pause()
    app.action_tab("train")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_form(snap_compare, tmp_path, size):
    app = make_app(Path("unused"), tmp_path)
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_training(snap_compare, tmp_path, size):
    app = make_app(Path("unused"), tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=_replay)
