"""Exercise 2.1's grid is extended while its choice sits on an edge."""

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
