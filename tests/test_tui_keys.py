"""Keys act only on what the user can see, and a start is deliberate: Enter in a field moves
on, F5 behind the help does nothing, x acts only on the run the Run view shows; End in the
epoch table follows the newest epoch again; the palette names every action."""

from pathlib import Path

import pytest
from runstore import fixed_history, write_run
from screen import screen_text, widget_text
from test_tui import wait_for
from textual import events
from textual.widgets import Input, TabbedContent

from linclf.tui.app import LinclfApp
from linclf.tui.widgets.epochs import EpochTable
from linclf.tui.widgets.help import HelpScreen

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def started(monkeypatch) -> list[str]:
    """Every start and stop the app's keys and buttons ask for."""
    calls: list[str] = []
    monkeypatch.setattr(LinclfApp, "action_start", lambda self: calls.append("start"))
    monkeypatch.setattr(LinclfApp, "action_stop", lambda self: calls.append("stop"))
    return calls


async def test_enter_in_a_field_moves_on_and_does_not_start(tmp_path, started):
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out")
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one("#eta", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert started == []
        assert app.focused is not None and app.focused.id != "eta"
        assert app.is_running


async def test_f5_and_x_behind_the_help_do_nothing(tmp_path, started):
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=5)
        await pilot.press("f5", "f6", "s", "x")
        await pilot.pause()
        assert started == []
        assert isinstance(app.screen, HelpScreen) and "keys" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("f5")
        assert started == ["start"]


async def test_x_in_the_runs_view_stops_nothing_hidden(tmp_path, started):
    out = tmp_path / "out"
    write_run(out / "r1", fixed_history(2), "running")
    app = LinclfApp(data_dir=Path("unused"), out=out, follow=out / "r1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.press("x", "f6")
        await pilot.pause()
        assert started == []
        await pilot.press("1", "x")
        assert started == ["stop"]


async def test_a_view_chosen_while_the_run_view_takes_focus_stays_chosen(tmp_path, started):
    """The start-up focus of the Run view (a message) can arrive after a typed-ahead 4: it
    must not switch back to the Run view, whose x would stop the run."""
    out = tmp_path / "out"
    write_run(out / "r1", fixed_history(2), "running")
    app = LinclfApp(data_dir=Path("unused"), out=out, follow=out / "r1")
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(EpochTable).focus()  # its pane's Focused message is still to come
        app.action_tab("runs")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "runs"
        await pilot.press("x")
        await pilot.pause()
        assert started == [] and app.is_running
        assert app.focused is not None and app.focused.id == "runs-table"


@pytest.mark.parametrize("field", ["#n_epochs", "#filter-input"])
async def test_keys_read_in_one_chunk_edit_a_field_in_order(tmp_path, field):
    """A busy machine over SSH reads several keys at once: backspace and the arrows act
    where they were typed, not after the digits that followed them."""
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out")
    async with app.run_test(size=(120, 40)) as pilot:
        if field == "#filter-input":
            await pilot.press("4", "slash")
        text = app.query_one(field, Input)
        text.focus()
        text.value = "40"
        await pilot.pause()
        keys = ["end", "backspace", "backspace", "2", "0", "0", "home", "right", "delete", "1"]
        for key in keys:  # as the driver posts a chunk: no waiting between keys
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        await wait_for(pilot, lambda: text.value == "210", timeout=5)
        assert app.is_running and app.focused is text


async def test_end_follows_the_newest_epoch_again_and_is_in_the_help(tmp_path):
    out = tmp_path / "out"
    run = write_run(out / "r1", fixed_history(60), "completed")
    app = LinclfApp(data_dir=Path("unused"), out=out, follow=run)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EpochTable)
        await wait_for(pilot, lambda: table.row_count == 60, timeout=10)
        table.focus()
        await pilot.press("home")
        await pilot.pause()
        assert not table.following
        await pilot.press("end")
        await pilot.pause(0.3)
        assert table.following and table.cursor_row == 59
        assert " 60 " in widget_text(app, "#epochs")
        await pilot.press("question_mark")
        await pilot.pause()
        assert "newest epoch" in screen_text(app)


async def test_the_palette_sorts_marks_and_follows(tmp_path):
    out = tmp_path / "out"
    write_run(out / "r1", fixed_history(2))
    app = LinclfApp(data_dir=Path("unused"), out=out)
    async with app.run_test(size=(120, 40)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for wanted in ("Runs: sort", "Runs: mark", "Runs: follow"):
            assert any(t.startswith(wanted) for t in titles), titles
