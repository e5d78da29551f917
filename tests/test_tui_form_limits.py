"""The TUI's form refuses settings the data cannot satisfy, with a message on the screen."""

import time


async def test_tui_batch_larger_than_training_set_is_a_message(tiny_data_source, tmp_path):
    from textual.widgets import Input

    from linclf.tui.app import LinclfApp

    app = LinclfApp(data_dir=tiny_data_source, out=tmp_path / "out")
    async with app.run_test() as pilot:
        app.query_one("#n_batch", Input).value = "5000"
        await pilot.pause()
        await pilot.press("s")
        message = app.query_one("#run-message")
        deadline = time.monotonic() + 30
        while "n_batch" not in str(message.render()) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert "training set has 200 images" in str(message.render())
        # the launched linclf train refused it before making a run folder (only its log is kept)
        assert not list((tmp_path / "out").glob("**/run.json"))
        assert app.is_running
