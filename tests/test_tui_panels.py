"""What the Run and Check views and the form show at 80 columns: the status line's figures
before the name, the gradient check's verdict, the preset box after an edit."""

from pathlib import Path

import pytest
from runstore import fixed_history, write_run
from screen import widget_text
from test_tui import wait_for
from textual.widgets import Input, Select

from linclf.engine.config import TrainConfig
from linclf.engine.training.gradcheck import CheckResult
from linclf.tui.app import LinclfApp
from linclf.tui.widgets.gradcheck import GradcheckPanel

pytestmark = pytest.mark.timeout(120)


async def test_the_status_line_shows_eta_and_validation_before_the_name(tmp_path):
    name = "20261207-123606-softmax-eta0.001-lam0"
    run = write_run(
        tmp_path / "out" / name, fixed_history(113), "running", config=TrainConfig(n_epochs=200)
    )
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out", follow=run)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "113/200" in widget_text(app, "#run-status"), timeout=10)
        line = widget_text(app, "#run-status")
        assert "running" in line and "ETA 0:44" in line and "val 114.40%" in line, line
        assert line.index("ETA") < line.index("val ") < line.index("20261207")


async def test_the_check_verdict_is_on_screen_at_80_columns(tmp_path):
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out")
    results = [
        CheckResult(
            "batch 1", "softmax", 0.0, 20, 1, "float64", 1e-9, 1e-9, 1e-7, 1e-7, 1e-6, True
        ),
        CheckResult("batch 2", "bce", 0.1, 20, 2, "float64", 1e-3, 1e-3, 0.2, 0.1, 1e-6, False),
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        app.query_one(GradcheckPanel).show(results, "random inputs")
        await pilot.pause()
        table = widget_text(app, "#check-table")
        assert "pass" in table and "FAIL" in table and "rel err W" in table, table


async def test_an_edit_clears_the_preset_box(tmp_path):
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out")
    async with app.run_test(size=(120, 40)) as pilot:
        assert "spec" in widget_text(app, "#preset")
        app.query_one("#preset", Select).value = "lam 1, eta 0.001"
        await pilot.pause()
        assert "lam 1, eta 0.001" in widget_text(app, "#preset")
        app.query_one("#eta", Input).value = "0.05"
        await pilot.pause()
        box = widget_text(app, "#preset")
        assert "lam 1" not in box and "spec settings" not in box and "edited" in box, box


async def test_the_form_shows_the_followed_runs_config_read_only_and_hides_on_wide(tmp_path):
    config = TrainConfig(n_epochs=200, eta=0.01, lam=0.1, flip=True, head="sigmoid")
    run = write_run(tmp_path / "out" / "r1", fixed_history(3), "running", config=config)
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out")
    async with app.run_test(size=(120, 40)) as pilot:
        app.follow(run)
        epochs = app.query_one("#n_epochs", Input)
        await wait_for(pilot, lambda: epochs.value == "200", timeout=10)
        assert epochs.disabled and app.query_one("#eta", Input).value == "0.01"
        assert (
            app.query_one("#flip").value is True
            and app.query_one("#head", Select).value == "sigmoid"
        )
        assert "read-only" in widget_text(app, "#form")
        await pilot.click("#edit-settings")
        await pilot.pause()
        assert not epochs.disabled and epochs.value == "200"
        assert app.query_one("#form").display
        app.set_focus(None)
        await pilot.press("f")
        await pilot.pause()
        assert not app.query_one("#form").display
        assert app.query_one("#tabs").region.width == 120
        await pilot.press("f")
        await pilot.pause()
        assert app.query_one("#form").display and app.is_running
