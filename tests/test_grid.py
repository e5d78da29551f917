"""The grid of `linclf search`: every combination once, in a stable order."""

from __future__ import annotations

from linclf.engine.config import TrainConfig
from linclf.engine.training import search as grid_search


def test_a_value_given_twice_runs_once():
    configs = grid_search.grid(TrainConfig(), {"lam": [0.1, 0.1, 0.10, 0.2], "eta": [0.01, 0.01]})
    assert [(c.lam, c.eta) for c in configs] == [(0.1, 0.01), (0.2, 0.01)]


def test_every_combination_in_order_the_last_field_fastest():
    configs = grid_search.grid(TrainConfig(), {"lam": [0, 1], "n_batch": [10, 20]})
    assert [(c.lam, c.n_batch) for c in configs] == [(0, 10), (0, 20), (1, 10), (1, 20)]
