"""Exercise 2.1's grid is extended while its choice sits on an edge."""

import pytest

from linclf.engine.report.grid_edge import edges

GRID = {"lam": [0.0, 0.01, 0.1], "eta": [0.001, 0.005, 0.01], "n_batch": [50, 100]}


def test_a_corner_choice_is_extended_along_every_edge_axis():
    """The issue's case: largest λ, smallest η, smallest batch."""
    found = edges(GRID, {"lam": 0.1, "eta": 0.001, "n_batch": 50})
    assert found == {"lam": 0.1 * 3, "eta": 0.0005, "n_batch": 25}


def test_an_interior_choice_needs_nothing():
    assert edges(GRID, {"lam": 0.01, "eta": 0.005, "n_batch": 100} | {"n_batch": 100}) == {
        "n_batch": 200
    }
    inner = {**GRID, "n_batch": [50, 100, 200]}
    assert edges(inner, {"lam": 0.01, "eta": 0.005, "n_batch": 100}) == {}


def test_lambda_zero_is_a_hard_bound():
    assert "lam" not in edges(GRID, {"lam": 0.0, "eta": 0.005, "n_batch": 100})


def test_after_extension_the_old_corner_is_interior():
    grown = {"lam": [*GRID["lam"], 0.3], "eta": [0.0005, *GRID["eta"]], "n_batch": [25, 50, 100]}
    assert edges(grown, {"lam": 0.1, "eta": 0.001, "n_batch": 50}) == {}


def test_a_batch_larger_than_the_training_set_is_never_proposed():
    tried = {"lam": [0.0], "eta": [0.01], "n_batch": [100, 200]}
    chosen = {"lam": 0.0, "eta": 0.01, "n_batch": 200}
    assert edges(tried, chosen)["n_batch"] == 400
    assert "n_batch" not in edges(tried, chosen, max_batch=200)


def _trial(lam: float, eta: float, val_acc: float) -> dict:
    from linclf.engine.config import TrainConfig

    config = TrainConfig(lam=lam, eta=eta)
    return {"status": "completed", "history": [{"val_acc": val_acc}], "config": config.to_dict()}


@pytest.mark.parametrize("still_on_edge", [False, True])
def test_the_grid_paragraph_says_interior_only_when_the_choice_is(tmp_path, still_on_edge):
    """After its last round of extensions a grid whose best point is still on its edge is
    said to be so, naming the axis; an interior choice is called interior."""
    from linclf.engine.report.document import Document
    from linclf.engine.report.experiments import QUICK
    from linclf.engine.report.gridsearch import grid_table
    from linclf.engine.report.render_text import markdown

    trials = [_trial(0.0, 0.001, 0.30), _trial(0.0, 0.01, 0.34), _trial(0.0, 0.02, 0.32)]
    doc = Document(tmp_path, "t")
    on_edge = {"eta": 0.04} if still_on_edge else {}
    grid_table(doc, trials, trials[1], on_edge, QUICK, 10_000)
    text = " ".join(markdown(doc.front, doc.everything()).split())
    assert ("until it was interior" in text) is not still_on_edge
    assert ("still sits on the edge along η" in text) is still_on_edge


class _Grid:
    """Experiments with a known validation accuracy: best at λ = 0.01, η = 0.01, batch 100."""

    def choose(self, configs, what):
        import math

        def acc(c):
            return (
                0.4
                - (c.lam - 0.01) ** 2
                - math.log(c.eta / 0.01) ** 2
                - math.log(c.n_batch / 100) ** 2
            )

        trials = [
            {"config": c.to_dict(), "status": "completed", "history": [{"val_acc": acc(c)}]}
            for c in configs
        ]
        return max(trials, key=lambda t: t["history"][-1]["val_acc"]), trials

    def sizes(self, config):
        return 10_000, 10_000


@pytest.mark.parametrize(
    "rounds, left_on_edge", [(0, {"lam", "eta", "n_batch"}), (1, {"n_batch"}), (3, set())]
)
def test_the_grid_search_reports_the_axes_still_on_an_edge_after_its_rounds(rounds, left_on_edge):
    from dataclasses import replace

    from linclf.engine.config import TrainConfig
    from linclf.engine.report.experiments import QUICK
    from linclf.engine.report.gridsearch import grid_search

    budget = replace(QUICK, grid_rounds=rounds)  # grid λ (0, 0.01), η (0.001, 0.01), batch 100
    chosen, trials, on_edge = grid_search(_Grid(), TrainConfig(), budget)
    assert set(on_edge) == left_on_edge
    assert (chosen["config"]["lam"], chosen["config"]["eta"]) == (0.01, 0.01)
