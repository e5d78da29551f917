"""The insight widgets (hyper-parameter view, filter bar, note editor) mounted alone in a tiny
app at 80×24, asserted on what the screen shows."""

import dataclasses
from pathlib import Path

import pytest
from runstore import fixed_history, write_run
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from linclf.engine.config import TrainConfig
from linclf.engine.insight import notes, runrows
from linclf.tui.curveaxes import log_ticks
from linclf.tui.widgets.filterbar import FilterBar
from linclf.tui.widgets.hparams import HParamsView, ParamPlot
from linclf.tui.widgets.noteedit import NoteEditor

pytestmark = pytest.mark.timeout(120)


class Harness(App):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget
        self.applied: list = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_filter_bar_applied(self, message: FilterBar.Applied) -> None:
        self.applied.append(message)


def grid_rows() -> list[runrows.RunRow]:
    rows = []
    for i, (eta, lam, head) in enumerate(
        [(0.001, 0.0, "softmax"), (0.01, 0.001, "softmax"), (0.1, 0.1, "sigmoid")]
    ):
        cells = {"run": f"r{i}", "status": "completed", "best_val_acc": 0.3 + i / 20}
        cells.update(TrainConfig(eta=eta, lam=lam, head=head).to_dict())
        rows.append(runrows.RunRow(Path(f"r{i}"), cells, ()))
    return rows


def text_of(widget) -> str:
    return str(widget.render())


async def test_hparams_view_draws_a_panel_per_varying_parameter_at_80x24():
    view = HParamsView()
    app = Harness(view)
    async with app.run_test(size=(80, 24)) as pilot:
        view.show(grid_rows())
        await pilot.pause()
        plots = list(app.query(ParamPlot))
        assert [p.panel.name for p in plots] == ["lam", "eta", "head"]
        assert all(p.region.width >= 38 and p.region.height >= 8 for p in plots[:2])
        assert plots[0].region.y == plots[1].region.y  # two a row at 80 columns
        assert "lam (log)" in text_of(plots[0]) and "eta (log)" in text_of(plots[1])
        assert "0.001" in text_of(plots[1]) and "sigmoid" in text_of(plots[2])
        title = text_of(app.query_one("#hparams-title", Static))
        assert "best_val_acc against 3 varying" in title and "3 of 3 runs" in title
        view.focus()
        await pilot.press("m")
        assert view.metric == "train_acc"
        title = text_of(app.query_one("#hparams-title", Static))
        assert "train_acc: no hyper-parameter varies" in title  # no run has a train_acc cell


async def test_hparams_view_is_one_column_when_narrow_and_says_when_empty():
    view = HParamsView()
    app = Harness(view)
    async with app.run_test(size=(50, 24)) as pilot:
        view.show(grid_rows())
        await pilot.pause()
        plots = list(app.query(ParamPlot))
        assert plots[0].region.x == plots[1].region.x
        view.show([])
        await pilot.pause()
        assert not list(app.query(ParamPlot))
        assert "no runs" in text_of(app.query_one("#hparams-title", Static))


async def test_filter_bar_applies_good_expressions_and_explains_bad_ones():
    kinds = runrows.kinds(runrows.columns([]))
    bar = FilterBar(kinds)
    app = Harness(bar)
    async with app.run_test(size=(80, 24)) as pilot:
        bar.focus_input()
        await pilot.press(*"eta>=0.01 head=sigmoid", "enter")
        await pilot.pause()
        assert [c.column for c in app.applied[-1].conditions] == ["eta", "head"]
        assert "filter: eta>=0.01 head=sigmoid" in str(bar.summary())
        app.query_one(Input).value = ""
        await pilot.press(*"etaa>1", "enter")
        await pilot.pause()
        error = text_of(app.query_one("#filter-note", Static))
        assert "did you mean eta?" in error and len(app.applied) == 1
        assert [c.column for c in bar.conditions] == ["eta", "head"]  # the filter in force stays
        app.query_one(Input).value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert app.applied[-1].conditions == [] and text_of(
            app.query_one("#filter-note", Static)
        ) in ("", "None")


def noisy_history(n: int):
    base = fixed_history(n)
    return [
        dataclasses.replace(s, val_loss=s.val_loss + (0.3 if s.epoch % 2 else -0.3)) for s in base
    ]


def test_log_ticks_are_1_2_5_steps_inside_the_range():
    assert log_ticks(0.5, 30) == [0.5, 1, 2, 5, 10, 20]
    assert log_ticks(0.01, 1000) == [0.01, 0.1, 1, 10, 100, 1000]
    assert log_ticks(1e-6, 1e6) == [1e-6, 1e-3, 1, 1e3, 1e6]
    assert log_ticks(1.1, 1.9) == [1.1, 1.9]


class EditorHost(App):
    def __init__(self, run_dir) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.results: list = []

    def on_mount(self) -> None:
        self.push_screen(NoteEditor(self.run_dir), self.results.append)


async def test_note_editor_saves_note_and_tags_and_keeps_another_writers(tmp_path):
    run = write_run(tmp_path / "run", fixed_history(2))
    notes.add_tags(run, "old", "theirs")
    app = EditorHost(run)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.screen
        assert editor.query_one("#tags", Input).value == "old theirs"
        editor.query_one("#note", Input).value = "lr [b]too[/b] high"
        editor.query_one("#tags", Input).value = "theirs, best"
        notes.add_tags(run, "meanwhile")  # another writer, while the dialog is open
        editor.query_one("#note", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.results[-1] is not None
        saved = notes.read_notes(run)
        assert saved.note == "lr [b]too[/b] high"
        assert set(saved.tags) == {"theirs", "best", "meanwhile"}  # "old" removed


async def test_note_editor_says_what_cannot_be_saved_and_escape_cancels(tmp_path):
    run = write_run(tmp_path / "run", fixed_history(2))
    app = EditorHost(run)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.screen
        editor.query_one("#tags", Input).value = "[bold]"
        await pilot.press("enter")
        await pilot.pause()
        assert "a tag is" in text_of(editor.query_one("#note-error", Static))
        assert isinstance(app.screen, NoteEditor) and not app.results
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None] and not (run / notes.NOTES_FILE).exists()
