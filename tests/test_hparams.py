import math
from pathlib import Path

import pytest

from linclf.engine.insight import hparams
from linclf.engine.insight.runrows import RunRow


def row(metric=0.4, **config) -> RunRow:
    cells = {"run": "r", "status": "completed", "best_val_acc": metric, **config}
    return RunRow(Path("r"), cells, ())


GRID = [
    row(0.30, eta=0.001, lam=0.0, head="softmax", n_batch=100),
    row(0.38, eta=0.01, lam=0.001, head="softmax", n_batch=100),
    row(0.35, eta=0.1, lam=0.1, head="sigmoid", n_batch=100),
    row(None, eta=1.0, lam=1.0, head="softmax", n_batch=50),  # no metric: not drawn
]


def test_one_panel_per_varying_parameter_in_schema_order():
    found = hparams.panels(GRID)
    assert [p.name for p in found] == ["lam", "eta", "head"]  # n_batch varies only unscored
    assert all(len(p.xs) == len(p.ys) == 3 for p in found)


def test_values_spanning_decades_get_a_log_axis_with_zero_a_decade_below():
    panels = {p.name: p for p in hparams.panels(GRID)}
    eta, lam, head = panels["eta"], panels["lam"], panels["head"]
    assert eta.scale == hparams.LOG and eta.xs == pytest.approx((-3, -2, -1))
    assert eta.labels == ("0.001", "0.01", "0.1")
    assert lam.scale == hparams.LOG and lam.xs == pytest.approx((-4, -3, -1))
    assert lam.labels[0] == "0"
    assert head.scale == hparams.CATEGORY and head.labels == ("sigmoid", "softmax")
    assert head.xs == (1.0, 1.0, 0.0)


def test_a_narrow_range_is_linear_and_many_values_thin_their_ticks():
    rows = [row(0.3 + i / 100, n_batch=100 + 10 * i) for i in range(20)]
    (panel,) = hparams.panels(rows)
    assert panel.scale == hparams.LINEAR and len(panel.ticks) <= hparams.MAX_TICKS


def test_crafted_values_are_skipped_or_shown_as_text():
    rows = [
        row(0.3, eta=0.01, seed=1, opt="[red]x\x1b[2J"),
        row(0.4, eta="abc", seed="2", opt="b"),  # a string where a number belongs: not placed
        row(math.nan, eta=0.1, seed=2),
        row("0.9", eta=0.1, seed=3),
        row(0.5, eta=0.1, seed=[1]),
    ]
    panels = {p.name: p for p in hparams.panels(rows)}
    assert set(panels) == {"eta", "opt"}  # seed: one usable value among the scored rows
    assert panels["opt"].scale == hparams.CATEGORY
    assert panels["opt"].labels == ("[red]x␛[2J", "b")
    assert panels["eta"].ys == (0.3, 0.5)


def test_an_unknown_metric_is_refused():
    with pytest.raises(ValueError):
        hparams.panels(GRID, "nope")
