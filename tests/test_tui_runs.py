"""The app watching run folders it did not write: --follow, the live Runs view, comparison,
a search's leaderboard, templates, and folders a careless or newer writer left behind."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from runstore import append_epochs, fixed_history, write_run
from test_tui import quiet_system, shown, wait_for

from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.training import search as grid_search
from linclf.tui.app import LinclfApp
from linclf.tui.widgets.curves import Curves
from linclf.tui.widgets.epochs import EpochTable
from linclf.tui.widgets.runtable import RunsTable
from linclf.tui.widgets.templates import TemplatesView

pytestmark = pytest.mark.timeout(180)


def watching(out: Path, **kwargs) -> LinclfApp:
    return LinclfApp(data_dir=Path("unused"), out=out, **kwargs)


def state_cell(app, path: Path) -> str:
    table = app.query_one(RunsTable)
    return str(table.get_row(str(path))[1])


def save_weights(folder: Path, epoch: int, W: np.ndarray | None = None) -> None:
    W = np.random.default_rng(epoch).normal(size=(10, 3072)) if W is None else W
    buffer = io.BytesIO()
    np.savez(buffer, W=W, b=np.zeros((10, 1)), mean=np.zeros(3072), std=np.ones(3072), epoch=epoch)
    tmp = folder / ".weights.tmp"
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, folder / "weights.npz")


async def test_follow_shows_each_epoch_as_it_is_written(tmp_path):
    run = write_run(tmp_path / "out" / "r1", fixed_history(2), "running")
    app = watching(tmp_path / "out", follow=run)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one("#epochs", EpochTable)
        await wait_for(pilot, lambda: table.row_count == 2, timeout=10)
        assert "running" in shown(app, "#run-status") and "ETA" in shown(app, "#run-status")
        for n in (3, 4, 5):
            append_epochs(run, [fixed_history(n)[-1]])
            await wait_for(pilot, lambda n=n: table.row_count == n, timeout=5)
            assert table.cursor_row == n - 1  # the newest row is highlighted, in view
        info = json.loads((run / "run.json").read_text())
        (run / "run.json").write_text(json.dumps({**info, "status": "completed", "epochs": 5}))
        await wait_for(pilot, lambda: "completed" in shown(app, "#run-status"), timeout=10)
        assert "ETA" not in shown(app, "#run-status")
        assert "Completed" in shown(app, "#run-message")


@pytest.mark.slow
async def test_a_killed_headless_train_is_followed_then_marked_dead(tiny_data_dir, tmp_path):
    out = tmp_path / "out"
    args = [
        "train",
        "--data-dir",
        str(tiny_data_dir),
        "--out",
        str(out),
        "--n-epochs",
        "100000",
        "--n-batch",
        "10",
        "--no-plots",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "linclf", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (out.is_dir() and any(out.iterdir())) and time.monotonic() < deadline:
            time.sleep(0.1)
        (run,) = out.iterdir()
        app = watching(out, follow=run)
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.query_one("#epochs", EpochTable)
            await wait_for(pilot, lambda: table.row_count >= 2)
            assert "running" in shown(app, "#run-status")
            assert f"pid {proc.pid}" in shown(app, "#run-system")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            await wait_for(pilot, lambda: "dead" in shown(app, "#run-status"), timeout=30)
            assert "Dead" in shown(app, "#run-message")
            await wait_for(pilot, lambda: "gone" in shown(app, "#run-system"), timeout=10)
            assert f"writer pid {proc.pid} on" in shown(app, "#run-system")
            await pilot.press("4")
            await wait_for(pilot, lambda: "dead" in state_cell(app, run), timeout=10)
    finally:
        proc.kill()


@pytest.mark.slow
async def test_runs_appear_live_grouped_with_the_config_that_differs(tmp_path):
    out = tmp_path / "out"
    write_run(out / "20260101-100000-a", fixed_history(3), config=TrainConfig(eta=0.01))
    write_run(out / "20260101-110000-b", fixed_history(5), config=TrainConfig(eta=0.1))
    app = watching(out)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        headers = [str(c.label) for c in table.ordered_columns]
        assert "η" in headers and "λ" not in headers and "seed" not in headers
        assert {"state", "epochs", "last val", "test"} <= set(headers)
        trial = out / "search" / "runs" / "20260101-120000-t"
        write_run(trial, [], "running", config=TrainConfig(eta=0.1, lam=0.5))
        await wait_for(pilot, lambda: str(trial) in table.rows, timeout=5)
        assert "λ" in [str(c.label) for c in table.ordered_columns]
        assert "group:search" in table.rows and "group:" in table.rows  # grouped
        rows = table.row_count
        append_epochs(trial, fixed_history(2))
        await wait_for(pilot, lambda: str(table.get_row(str(trial))[2]).startswith("2/"))
        assert table.row_count == rows  # updated in place
        # Sorting: by the last epoch's validation accuracy, best first within each group.
        while table.headers[table.sort_column] != "last val":
            await pilot.press("o")
        order = [key.value for key in table.rows]
        assert order.index(str(out / "20260101-110000-b")) < order.index(
            str(out / "20260101-100000-a")
        )
        await pilot.press("O")
        order = [key.value for key in table.rows]
        assert order.index(str(out / "20260101-100000-a")) < order.index(
            str(out / "20260101-110000-b")
        )


async def test_compare_overlays_runs_in_colours_and_markers_with_a_config_diff(tmp_path):
    out = tmp_path / "out"
    for name, eta, lam in (("a", 0.01, 0.0), ("b", 0.001, 0.0), ("c", 0.01, 0.1)):
        write_run(out / name, fixed_history(4), config=TrainConfig(eta=eta, lam=lam))
    app = watching(out)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 3)
        await pilot.press("space", "down", "space", "down", "space")
        assert all(str(table.get_row(str(out / n))[0]) == f"*{n}" for n in "abc")
        curves = app.query_one("#run-curves", Curves)
        await wait_for(pilot, lambda: len(curves.series) == 3)
        labels = sorted(series.label for series in curves.series)
        assert labels == ["η=0.001 λ=0", "η=0.01 λ=0", "η=0.01 λ=0.1"]
        markers = ("•", "+", "x")  # one per run, and one colour per run, in the legend line
        # (the three histories are the same: the curves coincide, the legend says so)
        legend = lambda: shown(app, "#run-legend")  # noqa: E731
        await wait_for(pilot, lambda: all(f"{m} η=" in legend() for m in markers), timeout=5)
        assert "hidden under + x" in legend()
        side = shown(app, "#run-side")
        assert "config diff" in side and "0.001" in side and "0.1" in side


async def test_a_live_search_shows_its_leaderboard(tmp_path):
    out = tmp_path / "out"
    configs = grid_search.grid(TrainConfig(), {"eta": [0.001, 0.01, 0.1]})
    (out / "s").mkdir(parents=True)
    grid_search._write_plan(out / "s" / "results.csv", configs, st.RUNNING, time.time() - 5)
    runs = out / "s" / "runs"
    write_run(runs / "t1", fixed_history(4), "completed", config=configs[0])
    write_run(runs / "t2", fixed_history(2), "running", config=configs[1])
    row = {
        "key": grid_search.trial_key(configs[0]),
        "status": "completed",
        "run_dir": str(runs / "t1"),
    }
    (out / "s" / "results.csv").write_text("key,status,run_dir\n" + ",".join(row.values()) + "\n")
    app = watching(out)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 3)  # the heading and two trials
        table.move_cursor(row=table.get_row_index("group:s"))
        await wait_for(pilot, lambda: "to go" in shown(app, "#run-side"))
        side = shown(app, "#run-side")
        assert "1/3 done · 1 running · 1 to go · ETA" in side
        assert "η=0.001" in side and "η=0.01" in side


@pytest.mark.slow
@pytest.mark.parametrize("case", ["nan", "types", "nested", "markup", "newer"])
async def test_garbled_folders_show_markers_and_the_app_lives(tmp_path, case):
    out = tmp_path / "out"
    run = out / ("run[bold]x[/]" if case == "markup" else "run")
    run.mkdir(parents=True)
    rows = [fixed_history(1)[0].to_dict()]
    info = {"format": 2, "status": "completed", "config": TrainConfig().to_dict()}
    if case == "nan":
        rows = [
            {**rows[0], "train_cost": "nan", "val_cost": "inf", "train_loss": 1e300},
            {**rows[0], "epoch": 2, "val_acc": "-inf"},
        ]
        save_weights(run, 1, np.full((10, 3072), np.nan))
    elif case == "types":
        rows = [rows[0], None, {"epoch": "two", "val_acc": [1]}]
        info.update(test_acc="0.5", config={"eta": "fast", "lam": None}, epochs="x")
    elif case == "nested":
        info["config"] = {"lam": json.loads("[" * 500 + "]" * 500)}
    elif case == "markup":
        info["status"] = "[red]stopped[/red] [link=x]"
    else:
        info.update(format=99, status="archived", config={"momentum": 0.9})
    (run / "run.json").write_text(json.dumps(info))
    (run / "history.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    app = watching(out, follow=run)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.followed is not None, timeout=10)
        for view in ("1", "3", "4", "1"):
            await pilot.press(view)
            await pilot.pause(0.6)
        assert app.is_running
        table = app.query_one("#epochs", EpochTable)
        cells = [str(c) for r in range(table.row_count) for c in table.get_row_at(r)]
        if case == "nan":
            assert "NaN" in cells and "inf" in cells and "-inf" in cells
            assert "NaN/inf" in str(app.query_one(TemplatesView).render())
            await pilot.press("1")
            drawn = str(app.query_one("#curves", Curves).render())
            assert "values not drawn" in drawn and "cannot be drawn" not in drawn
        if case == "types":
            assert "–" in cells and "?" not in shown(app, "#run-status").split("epoch")[0]
        if case in ("markup", "newer"):
            assert "unknown" in shown(app, "#run-status")
            assert "[red]stopped" in shown(app, "#run-message") or case == "newer"
        if case == "newer":
            assert "newer" in shown(app, "#run-message")


@pytest.mark.slow
@pytest.mark.parametrize("lam, eta", [("1e6", "1"), ("1000", "0.1")])
async def test_runs_that_linclf_train_lets_diverge_are_shown(tiny_data_dir, tmp_path, lam, eta):
    from linclf.tui.cli import main

    out = tmp_path / "out"
    args = ["train", "--data-dir", str(tiny_data_dir), "--out", str(out), "--no-plots"]
    assert main([*args, "--lam", lam, "--eta", eta, "--n-epochs", "3"]) == 1  # diverged
    (run,) = out.iterdir()
    app = watching(out, follow=run)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "diverged" in shown(app, "#run-status"), timeout=10)
        for view in ("3", "4", "1"):
            await pilot.press(view)
            await pilot.pause(0.6)
        assert app.is_running and "Diverged at epoch 1" in shown(app, "#run-message")
        drawn = str(app.query_one("#curves", Curves).render())
        assert "cannot be drawn" not in drawn


@pytest.mark.slow
async def test_all_ten_templates_fit_80x24_and_follow_the_weights(tmp_path):
    run = write_run(tmp_path / "out" / "r", fixed_history(2), "running")
    save_weights(run, 2)
    app = watching(tmp_path / "out", follow=run)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one("#epochs", EpochTable)
        # Once the first view has its focus (after the first refresh): a key before that
        # can meet TabbedContent still applying its initial tab (noted on issue 10).
        await wait_for(pilot, lambda: table.row_count == 2 and app.focused is table, timeout=10)
        await pilot.press("3")
        view = app.query_one(TemplatesView)
        await wait_for(pilot, lambda: view.images is not None and view.size.height, timeout=10)
        lines = str(view.render()).splitlines()
        assert len(lines) <= view.size.height
        assert max(len(line) for line in lines) <= view.size.width
        from linclf.engine.data.splits import CLASS_NAMES

        text = "\n".join(lines)
        assert all(name[:8] in text for name in CLASS_NAMES)
        assert "epoch 2" in text
        save_weights(run, 3)
        await wait_for(pilot, lambda: "epoch 3" in str(view.render()), timeout=10)


@pytest.mark.slow
async def test_the_newest_epoch_stays_in_view_unless_the_user_scrolled_up(tmp_path):
    run = write_run(tmp_path / "out" / "r", fixed_history(30), "running")
    app = watching(tmp_path / "out", follow=run)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one("#epochs", EpochTable)
        await wait_for(pilot, lambda: table.row_count == 30, timeout=10)

        def last_row_visible() -> bool:
            return table.scroll_y + table.scrollable_content_region.height > table.row_count

        await wait_for(pilot, last_row_visible, timeout=5)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, last_row_visible, timeout=5)
        table.focus()
        await pilot.press("up", "up", "up")
        row = table.cursor_row
        append_epochs(run, fixed_history(31)[-1:])
        await wait_for(pilot, lambda: table.row_count == 31, timeout=5)
        assert table.cursor_row == row  # reading older rows: not pulled down
        await pilot.press("down", "down", "down", "down")  # back at the newest row: follow again
        append_epochs(run, fixed_history(32)[-1:])
        await wait_for(pilot, lambda: table.row_count == 32, timeout=5)
        await wait_for(pilot, last_row_visible, timeout=5)
        info = json.loads((run / "run.json").read_text())
        info.update(status="diverged", error="x" * 300)  # a long final sentence
        (run / "run.json").write_text(json.dumps(info))
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: "diverged" in shown(app, "#run-status"), timeout=10)
        await wait_for(pilot, last_row_visible, timeout=5)
        assert app.query_one("#run-message").size.height == 1


@pytest.mark.slow
async def test_curves_use_whole_epochs_and_percent(tmp_path):
    run = write_run(tmp_path / "out" / "r", fixed_history(7), "completed")
    app = watching(tmp_path / "out", follow=run)
    async with app.run_test(size=(120, 40)) as pilot:
        curves = app.query_one("#curves", Curves)
        await wait_for(pilot, lambda: curves.point_count() == 7, timeout=10)
        calls = []
        real_plot, real_ticks = curves.plt.plot, curves.plt.xticks
        curves.plt.plot = lambda x, y, **k: calls.append(("plot", y)) or real_plot(x, y, **k)
        curves.plt.xticks = lambda t, *a: calls.append(("ticks", t)) or real_ticks(t, *a)
        await pilot.press("a")  # loss → cost
        await pilot.pause(0.6)
        calls.clear()
        await pilot.press("a")  # → accuracy
        await pilot.pause(0.6)
        assert curves.metric == "acc" and "(%)" in str(curves.render())
        values = [v for kind, ys in calls if kind == "plot" for v in ys]
        ticks = [t for kind, ts in calls if kind == "ticks" for t in ts]
        assert min(values) > 20  # 25 %, not 0.25
        assert ticks and all(isinstance(t, int) for t in ticks)


def test_follow_option_opens_a_run_or_the_runs_of_a_search(tmp_path, monkeypatch):
    from linclf.tui.cli import main

    opened = []
    monkeypatch.setattr(LinclfApp, "run", lambda self: opened.append(self))
    run = write_run(tmp_path / "s" / "runs" / "t", fixed_history(1))
    assert main(["tui", "--follow", str(run)]) == 0
    assert opened[-1].followed == run and opened[-1].initial_view == "train"
    assert main(["tui", "--follow", str(tmp_path / "s")]) == 0
    assert opened[-1].out == tmp_path / "s" and opened[-1].initial_view == "runs"
    assert main(["tui", "--follow", str(tmp_path / "nothing")]) == 2


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_runs_view(snap_compare, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)
    quiet_system(monkeypatch)
    configs = grid_search.grid(TrainConfig(), {"eta": [0.001, 0.01], "lam": [0.0, 0.1]})
    Path("outputs/search").mkdir(parents=True)
    grid_search._write_plan(Path("outputs/search/results.csv"), configs, st.COMPLETED, 0.0)
    for k, config in enumerate(configs):
        history = fixed_history(4 + k)
        write_run(
            Path(f"outputs/search/runs/2026010{k}-120000-t"),
            history,
            config=config,
            test_acc=0.3 + k / 100,
        )
    write_run(Path("outputs/20260101-090000-a"), fixed_history(3), "stopped", test_acc=0.25)

    async def mark_two(pilot):
        await pilot.press("4")
        await wait_for(pilot, lambda: pilot.app.query_one(RunsTable).row_count == 7)
        await pilot.press("down", "down", "down", "space", "down", "space")
        await pilot.pause(0.7)

    app = LinclfApp(data_dir=Path("unused"), out=Path("outputs"))
    assert snap_compare(app, terminal_size=size, run_before=mark_two)


def test_snapshot_templates_80x24(snap_compare, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    quiet_system(monkeypatch)
    run = write_run(Path("outputs/r"), fixed_history(2), "completed")
    rng = np.random.default_rng(0)
    save_weights(run, 2, rng.normal(size=(10, 3072)).cumsum(axis=1))

    async def templates(pilot):
        await wait_for(pilot, lambda: pilot.app.snapshot.weights is not None, timeout=10)
        await pilot.press("3")
        await pilot.pause(0.5)

    app = LinclfApp(data_dir=Path("unused"), out=Path("outputs"), follow=run)
    assert snap_compare(app, terminal_size=(80, 24), run_before=templates)
