"""The real app, driven headless with App.run_test() and Pilot: its own runs (shown through
their run folders, like any other run), the form, the keys, help and the command palette."""

import io
import time
from pathlib import Path

import pytest
from ptyharness import no_stray_runs  # noqa: F401 - a fixture
from rich.console import Console
from rich.text import Text
from runstore import fixed_history, write_run
from textual.widgets import Button, DataTable, Input, Select, TabbedContent

from linclf.tui.app import LinclfApp
from linclf.tui.system import ProcessSampler
from linclf.tui.widgets.help import HelpScreen

pytestmark = [pytest.mark.timeout(180), pytest.mark.usefixtures("no_stray_runs")]


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


def shown(app, selector: str) -> str:
    """The text a widget shows (a Static with a table or group in it is rendered as such)."""
    widget = app.query_one(selector)
    content = getattr(widget, "content", None)
    if content is None or isinstance(content, (str, Text)):
        return str(widget.render())
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


async def test_invalid_fields_are_all_shown_at_once(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test() as pilot:
        start = app.query_one("#start", Button)
        assert not start.disabled
        bad = {"eta": "abc", "n_epochs": "2.5", "lam": "nan", "n_batch": "-1"}
        for field, text in bad.items():
            await set_field(pilot, field, text)
        assert start.disabled
        for field, reason in (
            ("eta", "must be a number"),
            ("n_epochs", "whole number"),
            ("lam", "finite"),
            ("n_batch", "n_batch must lie in"),
        ):
            assert app.query_one(f"#{field}", Input).has_class("-invalid")
            assert reason in shown(app, f"#{field}-error")
        assert "4 to fix" in shown(app, "#form-problems")
        assert app.query_one("#form-problems").display
        await pilot.press("s")
        assert not app.runs.launcher.runs
        assert "eta must be a number" in shown(app, "#run-message")
        for field, text in {"eta": "0.001", "n_epochs": "40", "lam": "0", "n_batch": "9"}.items():
            await set_field(pilot, field, text)
        assert not start.disabled and not app.query_one("#form-problems").display


async def test_preset_sets_every_field_and_an_edit_clears_its_name(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test() as pilot:
        for field, text in {"n_epochs": "7", "seed": "3", "shift": "2", "decay_every": "5"}.items():
            await set_field(pilot, field, text)
        app.query_one("#split", Select).value = "all"
        app.query_one("#flip").value = True
        await pilot.pause()
        app.query_one("#preset", Select).value = "lam 1, eta 0.001"
        await pilot.pause()
        config = app.query_one("#form").config
        assert (config.lam, config.eta, config.n_epochs, config.n_batch) == (1.0, 0.001, 40, 100)
        assert (config.seed, config.split, config.flip, config.shift) == (42, "spec", False, 0)
        assert config.decay_every == 0
        assert app.query_one("#preset", Select).value == "lam 1, eta 0.001"
        await set_field(pilot, "eta", "0.002")
        assert app.query_one("#preset", Select).is_blank()


async def test_gradcheck_that_cannot_run_says_why(tmp_path):
    app = make_app(tmp_path / "missing" / "cifar-10-batches-py", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        table = app.query_one("#check-table", DataTable)
        headers = [str(column.label) for column in table.ordered_columns]
        assert {"abs err W", "abs err b", "rel err W", "tol"} <= set(headers)
        await wait_for(pilot, lambda: "check failed" in shown(app, "#check-status"))
        assert "missing" in shown(app, "#check-status") and table.row_count == 0
        assert not app.query_one("#run-check", Button).disabled
        assert app.is_running


async def test_missing_data_is_a_message_not_a_crash(tmp_path):
    app = make_app(tmp_path / "nowhere" / "cifar-10-batches-py", tmp_path)
    async with app.run_test() as pilot:
        await pilot.press("s")
        message = app.query_one("#run-message")
        await wait_for(pilot, lambda: "did not start" in str(message.render()))
        assert "nowhere" in str(message.render()) and message.has_class("-error")
        assert app.is_running


async def test_stop_while_starting_means_the_run_never_starts(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test() as pilot:
        await set_field(pilot, "n_epochs", "100000")
        await pilot.press("s", "x")  # before linclf train can have made its folder
        (run,) = app.runs.launcher.runs
        # 130 from linclf's handler; -2 when SIGINT came before Python had one
        assert run.process.wait(timeout=30) in (130, -2)
        await wait_for(pilot, lambda: "no run folder" in shown(app, "#run-message"))
        assert not app.query_one("#run-message").has_class("-error")
    assert not list((tmp_path / "outputs").glob("*/run.json"))


@pytest.mark.slow
async def test_diverging_run_is_reported_with_formatted_costs(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await set_field(pilot, "eta", "1000000")
        await set_field(pilot, "lam", "1000000")
        await pilot.press("s")
        await wait_for(pilot, lambda: "diverged" in shown(app, "#run-status"))
        message = shown(app, "#run-message")
        assert "Diverged at epoch" in message and "training cost" in message
        cost = message.split("training cost ")[1].split(",")[0]
        assert len(cost) <= 10  # 4 significant figures, not a raw float's 17 digits
        assert app.is_running


async def test_unwritable_outputs_is_a_message(tiny_data_dir, tmp_path):
    blocker = tmp_path / "outputs"
    blocker.write_text("a file where the folder should be")
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test() as pilot:
        await pilot.press("s")
        message = app.query_one("#run-message")
        await wait_for(pilot, lambda: "Cannot start a run" in str(message.render()))
        assert "outputs" in str(message.render()) and app.is_running


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_hidden_form_gives_up_the_focus(tiny_data_dir, tmp_path, size):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=size) as pilot:
        app.query_one("#preset", Select).focus()
        await pilot.pause()
        for view in ("4", "1"):
            await pilot.press(view)
            await pilot.pause()
            focused = app.focused
            assert focused is None or app.query_one("#form") not in focused.ancestors_with_self
            await pilot.press("down", "down", "enter")
            await pilot.pause()
            assert app.query_one("#preset", Select).is_blank()
            assert app.query_one("#form").config.lam == 0.0


async def test_escape_leaves_a_text_field(tiny_data_dir, tmp_path):
    app = make_app(tiny_data_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one("#eta", Input).focus()
        await pilot.press("escape")
        assert not isinstance(app.focused, Input)
        await pilot.press("4")
        assert app.query_one(TabbedContent).active == "runs"
        assert app.query_one("#eta", Input).value == "0.001"


async def test_help_is_a_modal_screen_that_fits_80x24(tmp_path):
    app = make_app(Path("unused"), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("VerticalScroll")
        assert box.region.height <= 24 and box.max_scroll_y == 0  # every line visible
        await pilot.press("s")  # keys of the app do not reach through the modal
        assert not app.runs.launcher.runs
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.slow
async def test_command_palette_lists_the_apps_actions(tmp_path):
    app = make_app(Path("unused"), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Start run", "Stop run", "Gradient check", "View: Runs", "Help"):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"gradient")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "check")


def quiet_system(monkeypatch) -> None:
    """Process figures change from second to second: fixed text for the snapshots."""
    monkeypatch.setattr(ProcessSampler, "host_line", lambda self: "host: CPU 12% of 2 cores")
    monkeypatch.setattr(ProcessSampler, "usage", lambda self, *a, **k: "pid 4242 · CPU 97%")


async def _settle(pilot) -> None:
    app = pilot.app
    table = app.query_one("#epochs")
    await wait_for(pilot, lambda: app.snapshot.followed is not None, timeout=20)
    curves = app.query_one("#curves")
    await wait_for(pilot, lambda: table.row_count == 12 and app.focused is table, timeout=20)
    await wait_for(pilot, lambda: curves.point_count() == 12 and not curves._pending, timeout=20)
    await wait_for(pilot, lambda: table.scroll_y == table.max_scroll_y, timeout=20)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.5)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_form(snap_compare, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)
    quiet_system(monkeypatch)
    app = LinclfApp(data_dir=Path("unused"), out=Path("outputs"))
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_run_view(snap_compare, tmp_path, monkeypatch, size):
    """A run in progress, 12 of 40 epochs, followed from its folder."""
    monkeypatch.chdir(tmp_path)
    quiet_system(monkeypatch)
    write_run(
        Path("outputs/replayed-run"), fixed_history(12), status="running", beat=time.time() + 3600
    )
    app = LinclfApp(
        data_dir=Path("unused"), out=Path("outputs"), follow=Path("outputs/replayed-run")
    )
    assert snap_compare(app, terminal_size=size, run_before=_settle)
