"""The curves as a person reads them at 80×24: the y labels evenly spaced in value and in
rows, the legend beside the plot rather than over its rows, curves that coincide said so,
and a full-width comparison (z)."""

import re
from pathlib import Path

import pytest
from runstore import fixed_history, write_run
from screen import screen_text, widget_text
from test_tui import wait_for

from linclf.engine.config import TrainConfig
from linclf.tui.app import LinclfApp
from linclf.tui.widgets.curves import Curves, nice_ticks
from linclf.tui.widgets.runtable import RunsTable

pytestmark = pytest.mark.timeout(120)


def y_labels(plot: str) -> list[tuple[int, float]]:
    """(row, value) of every y-axis label of a drawn plot."""
    found = []
    for row, line in enumerate(plot.splitlines()):
        match = re.match(r"\s*(-?[0-9.]+)┤", line)
        if match:
            found.append((row, float(match.group(1))))
    return found


def evenly_spaced(values: list[float]) -> bool:
    steps = [b - a for a, b in zip(values, values[1:])]
    return len(steps) >= 1 and max(steps) - min(steps) <= 1e-9 * max(1.0, abs(steps[0]))


@pytest.mark.parametrize("rows", [3, 4, 5, 6, 7, 9, 12, 20])
def test_nice_ticks_span_the_data_in_even_steps(rows):
    for low, high in ((1.837, 2.003), (0.25, 0.39), (25.0, 38.6), (2.0, 2.0), (-1e-3, 5e-4)):
        ticks, top, every = nice_ticks(low, high, rows)
        assert ticks[0] <= low and top >= high and ticks[-1] <= top
        assert 2 <= len(ticks) <= 6 and evenly_spaced(ticks)
        # A tick every `every` rows, from the bottom row up: the labels are evenly spaced.
        assert (len(ticks) - 1) * every <= rows - 1 < len(ticks) * every


async def test_one_run_at_80x24_has_even_labels_and_no_legend_rows(tmp_path):
    run = write_run(tmp_path / "out" / "r", fixed_history(7), "completed")
    app = LinclfApp(data_dir=Path("unused"), out=tmp_path / "out", follow=run, watch=True)
    async with app.run_test(size=(80, 24)) as pilot:
        curves = app.query_one("#curves", Curves)
        await wait_for(pilot, lambda: curves.point_count() == 7 and not curves._pending, 10)
        await pilot.pause(0.3)
        plot = widget_text(app, "#curves")
        labels = y_labels(plot)
        assert len(labels) >= 3, plot
        assert evenly_spaced([v for _, v in labels]), plot
        assert evenly_spaced([r for r, _ in labels]), plot
        assert "train" not in "\n".join(plot.splitlines()[1:]) or "• train" in plot.splitlines()[0]


async def test_a_comparison_keeps_its_rows_says_where_curves_coincide_and_zooms(tmp_path):
    out = tmp_path / "out"
    for name, eta, lam in (("a", 0.01, 0.0), ("b", 0.001, 0.0), ("c", 0.01, 0.1)):
        write_run(out / name, fixed_history(6), config=TrainConfig(eta=eta, lam=lam))
    app = LinclfApp(data_dir=Path("unused"), out=out)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 3)
        await pilot.press("space", "down", "space", "down", "space")
        curves = app.query_one("#run-curves", Curves)
        await wait_for(pilot, lambda: len(curves.series) == 3 and not curves._pending)
        await pilot.pause(0.3)
        plot = widget_text(app, "#run-curves")
        assert "η=" not in plot  # the legend is not drawn over the plot's rows
        legend = widget_text(app, "#run-legend")
        # The three runs have the same history: the later ones are drawn under the first.
        assert "η=0.01 λ=0" in legend and "hidden under" in legend, legend
        narrow = app.query_one("#run-curves").region.width
        await pilot.press("z")
        await pilot.pause(0.3)
        assert app.query_one("#run-curves").region.width == 80 > narrow
        assert not app.query_one("#run-side").display
        assert "η=0.01 λ=0" in screen_text(app)
        await pilot.press("z")
        await pilot.pause(0.3)
        assert app.query_one("#run-side").display and app.is_running
