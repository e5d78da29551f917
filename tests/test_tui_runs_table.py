"""The Runs table as a person reads it: cells that grow are shown whole, the config columns
fit beside the scrollbar, names stay apart, no two columns share a header, one "val"
definition (the search's: the last epoch), and the counts read as English."""

import json
from pathlib import Path

import pytest
from runstore import fixed_history, write_run
from screen import widget_text
from test_tui import wait_for

from linclf.engine.config import TrainConfig
from linclf.tui.app import LinclfApp
from linclf.tui.widgets.runtable import RunsTable

pytestmark = pytest.mark.timeout(120)


def watching(out: Path) -> LinclfApp:
    return LinclfApp(data_dir=Path("unused"), out=out)


async def test_a_cell_that_grows_is_shown_whole(tmp_path):
    run = write_run(tmp_path / "out" / "20261207-123606-r", fixed_history(2), "running")
    app = watching(tmp_path / "out")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.pause(0.3)
        info = json.loads((run / "run.json").read_text())
        info.update(status="completed", test_acc=0.3858, ended=info["started"] + 9)
        (run / "run.json").write_text(json.dumps(info))
        await wait_for(pilot, lambda: "complet" in str(table.get_row(str(run))[1]), timeout=10)
        await pilot.pause(2.5)  # the table's in-place refresh
        assert "38.58%" in widget_text(app, "#runs-table")
        assert "✔ completed" in widget_text(app, "#runs-table")


async def test_one_run_is_not_runs_and_epochs_is_one_column(tmp_path):
    out = tmp_path / "out"
    write_run(out / "search" / "runs" / "t1", fixed_history(3), config=TrainConfig(n_epochs=3))
    write_run(out / "a", fixed_history(5), config=TrainConfig(n_epochs=5, lam=0.1))
    app = watching(out)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 4)
        text = widget_text(app, "#runs-table")
        assert "1 run " in text and "1 runs" not in text
        headers = [str(c.label) for c in table.ordered_columns]
        assert len(headers) == len(set(headers)), headers
        assert "5/5" in text and "3/3" in text  # the total is in the epochs column


async def test_names_stay_apart_and_config_columns_fit_at_80(tmp_path):
    out = tmp_path / "out"
    names = [f"20261207-12360{k}-softmax-eta0.001-lam{k}" for k in range(3)]
    names += ["20261208-123600-softmax-eta0.001-lam0"]  # the same but for its date
    for k, name in enumerate(names):
        write_run(out / name, fixed_history(3), config=TrainConfig(lam=k / 10, seed=k))
    app = watching(out)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 4)
        await pilot.pause(0.3)
        text = widget_text(app, "#runs-table")
        shown_names = [str(table.get_row(str(out / n))[0]).strip() for n in names]
        assert len(set(shown_names)) == 4, shown_names
        assert all(name.endswith(f"m{k}") for k, name in enumerate(shown_names[:3]))
        assert all(name in text for name in shown_names), text
        for value in ("0.1", "0.2"):
            assert f" {value} " in text or f" {value}▁" in text or f" {value}│" in text, text
        assert "seed" in text, text
