"""Partial ZCA whitening: Z as documented, folded into and out of W exactly, commuting with the
flip, and a whitened run whose saved model scores the pixels as its training did."""

from __future__ import annotations

import numpy as np
import pytest

from linclf.engine.data.whiten import TOP, whitening
from linclf.engine.training.augment import flip_indices


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """Correlated, flip-symmetric-ish images: smooth random fields, d×n Fortran-ordered."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((3, 8, 8, 600))
    X = np.repeat(np.repeat(base, 4, axis=1), 4, axis=2).reshape(3072, 600)
    X = X + 0.3 * rng.standard_normal(X.shape)
    X -= X.mean(axis=1, keepdims=True)
    return np.asfortranarray(X)


def test_z_shrinks_the_top_directions_to_below_eps_and_leaves_the_rest(images):
    w = whitening(images, 1.0, flip_indices())
    assert w.U.shape == (3072, TOP) and np.allclose(w.U.T @ w.U, np.eye(TOP), atol=1e-8)
    Z = np.eye(3072) + (w.U * w.c) @ w.U.T
    C = images @ images.T / images.shape[1]
    C = (C + C[np.ix_(flip_indices(), flip_indices())]) / 2
    top = w.U.T @ (Z @ C @ Z) @ w.U
    assert np.all(np.diag(top) < 1.0)  # variance s ε/(s + ε) < ε along each top direction
    assert np.diag(w.U.T @ C @ w.U).max() > 10  # which held far more before
    outside = np.linalg.qr(np.random.default_rng(0).standard_normal((3072, 5)))[0]
    outside -= w.U @ (w.U.T @ outside)
    assert np.allclose(Z @ outside, outside)


def test_apply_fold_and_unfold_agree_with_z(images):
    w = whitening(images, 0.5, flip_indices())
    Z = np.eye(3072) + (w.U * w.c) @ w.U.T
    X = np.asfortranarray(images[:, :50].copy())
    w.apply(X)
    assert np.allclose(X, Z @ images[:, :50])
    W = np.random.default_rng(1).standard_normal((10, 3072))
    assert np.allclose(w.fold(W), W @ Z)
    assert np.allclose(w.unfold(w.fold(W)), W)


def test_z_commutes_with_the_flip(images):
    w = whitening(images, 1.0, flip_indices())
    Z = np.eye(3072) + (w.U * w.c) @ w.U.T
    flip = flip_indices()
    assert np.abs(Z[np.ix_(flip, flip)] - Z).max() < 1e-6


def test_a_whitened_run_saves_and_hands_on_a_model_of_the_pixels(tiny_data_dir, tmp_path):
    """A run trained on whitened images: the worker's model and weights.npz are W Z, which
    score the normalised test pixels exactly as the whitened run scored its whitened test set;
    the validation set of the report (its whitened images) gets the same accuracy back from
    that pixel model."""
    from linclf.engine.config import TrainConfig
    from linclf.engine.data.splits import load_test
    from linclf.engine.report.experiments import validation_figures
    from linclf.engine.training.train import evaluate, score_test
    from linclf.engine.training.worker import train_one

    config = TrainConfig(whiten=1.0, flip=True, lam=0.01, eta=0.01, n_epochs=2, n_batch=20)
    result = train_one(config.to_dict(), str(tiny_data_dir), str(tmp_path), with_test=True)
    assert result["error"] == "" and result["status"] == "completed"
    model = result["model"]
    pixels = load_test(tiny_data_dir, model["mean"], model["std"])
    assert score_test(model, pixels, "softmax").acc == pytest.approx(result["test"]["acc"])
    saved = np.load(f"{result['run_dir']}/weights.npz")
    assert np.array_equal(saved["W"], model["W"])
    loss, acc = validation_figures(model, config.to_dict(), str(tiny_data_dir))
    assert acc == pytest.approx(result["history"][-1]["val_acc"])
    assert loss == pytest.approx(result["history"][-1]["val_loss"])
    # and the pixel model is not the whitened one: the fold did something
    from linclf.engine.training.recording import load_data

    data = load_data(tiny_data_dir, config, False)
    assert data.whitening is not None
    unfolded = data.trained_net(model)
    assert not np.allclose(unfolded["W"], model["W"])
    assert evaluate(unfolded, data.val, 0.0, "softmax")[2] == pytest.approx(acc)


def test_whitening_and_shifts_are_refused_together():
    from linclf.engine.config import TrainConfig

    assert "whiten" in TrainConfig(whiten=1.0, shift=1).problems()
    assert TrainConfig(whiten=1.0, flip=True).problems() == {}
