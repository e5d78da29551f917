"""Divergence is judged on the loss (and NaN or inf), not on a cost that a strong λ makes large."""

import json
import math

import numpy as np
import pytest

from linclf.engine.config import TrainConfig
from linclf.engine.data.splits import load_splits
from linclf.engine.records import DIVERGED_LOSS
from linclf.engine.training.train import Training
from linclf.tui.cli import main


@pytest.fixture
def tiny_data(tiny_data_dir):
    return load_splits(tiny_data_dir)


@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
def test_a_strong_lambda_with_a_tiny_step_completes(tiny_data, head):
    """λ 400 makes the cost start near 1240 (400‖W‖²) and fall; the run is healthy."""
    training = Training(tiny_data, TrainConfig(lam=400, eta=1e-7, n_epochs=3, head=head))
    history = training.run()
    assert training.status == "completed" and len(history) == 3
    assert history[0].train_cost > 1000 and history[-1].train_cost < history[0].train_cost


def test_a_strong_lambda_run_keeps_its_weights_at_the_cli(tiny_data_dir, tmp_path):
    args = ["train", "--data-dir", str(tiny_data_dir), "--lam", "400", "--eta", "1e-7"]
    assert main([*args, "--n-epochs", "2", "--no-plots", "--out", str(tmp_path / "runs")]) == 0
    (run,) = (tmp_path / "runs").iterdir()
    assert json.loads((run / "run.json").read_text())["status"] == "completed"
    with np.load(run / "weights.npz") as saved:
        assert int(saved["epoch"]) == 2


@pytest.mark.parametrize("eta", [10.0, 100.0])
def test_a_huge_step_is_caught_as_diverged(tiny_data, eta):
    training = Training(tiny_data, TrainConfig(eta=eta, n_epochs=10))
    history = training.run()
    assert training.status == "diverged" and history[-1].diverged
    assert history[-1].train_loss > DIVERGED_LOSS and all(np.isfinite(training.net["W"]).flat)
    assert not any(stats.diverged for stats in history[:-1])


def test_nan_in_any_figure_is_divergence(tiny_data):
    training = Training(tiny_data, TrainConfig(n_epochs=1))
    (stats,) = training.run()
    assert not stats.diverged
    for name in ("train_loss", "val_loss", "train_cost", "val_cost"):
        broken = type(stats)(**{**stats.to_dict(), name: math.nan})
        assert broken.diverged, name


@pytest.mark.slow
def test_the_spec_s_largest_step_is_not_divergence(real_splits):
    """Spec setting 1 (λ 0, η 0.1): jagged curves, but a run to keep."""
    training = Training(real_splits, TrainConfig(lam=0, eta=0.1, n_epochs=40))
    history = training.run()
    assert training.status == "completed"
    assert max(stats.val_loss for stats in history) < DIVERGED_LOSS / 5
