"""The model's edges the equations leave open: buffer layouts at the size boundary, results
written into a given buffer, the sigmoid head's hand-checked figures, clipped logarithms and
the class templates. Written against mutation testing: each test pins a behaviour that a
one-token change of engine/training/model.py breaks."""

import warnings

import numpy as np
import pytest

from linclf.engine.data.splits import PixelSplit
from linclf.engine.training.model import (
    SAMPLE_MAJOR_MAX,
    apply_network,
    class_templates,
    compute_cost,
    compute_loss,
    init_network,
    loss_from_scores,
    output_gradient,
    probabilities,
    score_buffer,
    scores,
    sigmoid,
    softmax,
)
from linclf.engine.training.train import score_test


def _net(rng, K=4, d=6):
    return {"W": rng.normal(size=(K, d)), "b": rng.normal(size=(K, 1))}


@pytest.mark.parametrize(
    "n, sample_major", [(1, True), (SAMPLE_MAJOR_MAX, True), (SAMPLE_MAJOR_MAX + 1, False)]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_score_buffer_layout_switches_after_sample_major_max(n, sample_major, dtype):
    out = score_buffer(3, n, dtype)
    assert out.shape == (3, n) and out.dtype == dtype
    assert out.flags.f_contiguous == sample_major
    assert out.flags.c_contiguous == (not sample_major or n == 1)


@pytest.mark.parametrize("n", [5, SAMPLE_MAJOR_MAX + 3])
def test_scores_fill_and_return_the_given_buffer(n):
    rng = np.random.default_rng(n)
    net = _net(rng)
    X = rng.normal(size=(6, n))
    out = score_buffer(4, n, np.float64)
    result = scores(X, net, out=out)
    assert result is out
    assert np.allclose(out, net["W"] @ X + net["b"])
    fresh = scores(X, net)
    assert fresh is not out and np.array_equal(fresh, out)
    assert fresh.flags.f_contiguous == out.flags.f_contiguous


def test_scores_keep_the_parameters_dtype():
    rng = np.random.default_rng(3)
    net = {k: v.astype(np.float32) for k, v in _net(rng).items()}
    X = rng.normal(size=(6, 7)).astype(np.float32)
    S = scores(X, net)
    assert S.dtype == np.float32 and S.shape == (4, 7)


@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
def test_probabilities_in_place_equal_the_fresh_ones(head):
    S = np.random.default_rng(4).normal(0, 5, size=(4, 9))
    expected = probabilities(S.copy(), head)
    result = probabilities(S, head, out=S)
    assert result is S
    assert np.array_equal(S, expected)


def test_softmax_and_sigmoid_values():
    S = np.array([[1.0, -2.0, 0.5], [2.0, 0.0, 0.5], [0.0, 1.0, -3.0]])
    E = np.exp(S)
    assert np.allclose(softmax(S.copy()), E / E.sum(axis=0))
    assert np.allclose(sigmoid(S.copy()), 1 / (1 + np.exp(-S)))
    assert np.array_equal(S, [[1.0, -2.0, 0.5], [2.0, 0.0, 0.5], [0.0, 1.0, -3.0]])


def test_apply_network_defaults_to_softmax_and_takes_the_sigmoid_head():
    rng = np.random.default_rng(5)
    net = _net(rng)
    X = rng.normal(size=(6, 8))
    S = net["W"] @ X + net["b"]
    P = apply_network(X, net)
    assert np.allclose(P, np.exp(S) / np.exp(S).sum(axis=0))
    assert np.allclose(apply_network(X, net, "sigmoid"), 1 / (1 + np.exp(-S)))


def test_sigmoid_loss_on_a_hand_made_case():
    # K = 2 classes, n = 3 columns: each term is log(1 + e^-s) for the true class and
    # log(1 + e^s) for the other, averaged over K·n = 6 terms.
    S = np.array([[2.0, -1.0, 0.0], [0.5, 3.0, -2.0]])
    y = np.array([0, 1, 1])
    terms = [
        np.log1p(np.exp(-2.0)),
        np.log1p(np.exp(0.5)),
        np.log1p(np.exp(-1.0)),
        np.log1p(np.exp(-3.0)),
        np.log1p(np.exp(0.0)),
        np.log1p(np.exp(2.0)),
    ]
    assert loss_from_scores(S, y, "sigmoid") == pytest.approx(sum(terms) / 6)
    P = 1 / (1 + np.exp(-S))
    assert compute_loss(P, y, "sigmoid") == pytest.approx(sum(terms) / 6)
    assert compute_loss(P, y) == pytest.approx(-(np.log(P[0, 0] * P[1, 1] * P[1, 2])) / 3)


def test_softmax_loss_from_scores_is_shift_safe_and_exact():
    S = np.array([[1000.0, 0.0], [999.0, 2.0], [998.0, -1.0]])
    y = np.array([1, 2])
    log_norm = np.array(
        [1000 + np.log(1 + np.exp(-1) + np.exp(-2)), np.log(1 + np.e**2 + np.e**-1)]
    )
    expected = np.mean(log_norm - np.array([999.0, -1.0]))
    with np.errstate(over="raise"):
        assert loss_from_scores(S, y) == pytest.approx(expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_loss_stays_finite_for_saturated_probabilities(dtype):
    P = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    wrong = np.array([1, 0])  # every probability exactly 0 or 1, all on the wrong side
    loss = compute_loss(P.copy(), wrong, "sigmoid")
    tiny = np.finfo(dtype).tiny
    assert np.isfinite(loss) and loss == pytest.approx(-np.log(tiny), rel=1e-6)
    assert compute_loss(P.copy(), np.array([0, 1]), "sigmoid") == 0.0
    assert compute_loss(P.copy(), wrong) == pytest.approx(-np.log(tiny), rel=1e-6)


@pytest.mark.parametrize("head, scale", [("softmax", 1), ("sigmoid", 1 / 4)])
def test_output_gradient_per_head(head, scale):
    rng = np.random.default_rng(6)
    P = rng.random(size=(4, 7))  # K != n, so dividing by the wrong axis shows
    Y = np.eye(4)[:, rng.integers(0, 4, size=7)]
    assert np.allclose(output_gradient(P, Y, head), (P - Y) * scale)
    assert np.allclose(output_gradient(P, Y), P - Y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_network_shapes_and_dtype(dtype):
    net = init_network(np.random.default_rng(0), 4, 6, dtype)
    assert net["W"].shape == (4, 6) and net["b"].shape == (4, 1)
    assert net["W"].dtype == net["b"].dtype == dtype
    assert np.all(net["b"] == 0) and np.abs(net["W"]).max() < 0.1
    assert init_network(np.random.default_rng(0), 4, 6)["W"].dtype == np.float64


def test_class_templates_keep_channels_and_scale_each_row():
    W = np.zeros((4, 3072))
    W[0, :1024] = 5.0  # red plane only
    W[1, 2048 + 32 * 4 + 7] = -2.0  # one blue pixel, row 4, column 7
    W[2] = 0.25  # constant: no span
    W[3, 1024:2048] = 0.01  # green plane only, a span below 1 (as a trained W has)
    T = class_templates(W)
    assert T.shape == (4, 32, 32, 3) and T.dtype == np.float64
    assert np.all(T[0, :, :, 0] == 1) and np.all(T[0, :, :, 1:] == 0)
    assert T[1, 4, 7, 2] == 0 and T[1].max() == 1 and (T[1] == 0).sum() == 1
    assert np.array_equal(T[2], np.zeros((32, 32, 3)))
    assert np.all(T[3, :, :, 1] == 1) and np.all(T[3, :, :, [0, 2]] == 0)
    ramp = np.arange(3 * 3072, dtype=np.float32).reshape(3, 3072)
    R = class_templates(ramp)
    assert R.min() == 0 and R.max() == 1
    assert np.allclose(R[:, 0, 0, 0], 0) and np.allclose(R[:, 31, 31, 2], 1)
    assert R[0, 0, 1, 0] > R[0, 0, 0, 0] and R[0, 1, 0, 0] > R[0, 0, 31, 0]


def test_cost_without_regularisation_is_the_loss_whatever_the_weights():
    net = {"W": np.array([[np.inf, 1.0]]), "b": np.zeros((1, 1))}
    assert compute_cost(0.7, net, 0.0) == 0.7
    assert compute_cost(0.7, net, 0.5) == np.inf


@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
def test_score_test_scores_every_test_image(head):
    """The test set, kept as pixels, scored against the same figures computed directly."""
    rng = np.random.default_rng(8)
    rows = rng.integers(0, 256, size=(300, 3072), dtype=np.uint8)
    y = rng.integers(0, 10, size=300)
    mean = rows.mean(axis=0).reshape(-1, 1) / 255
    std = rows.std(axis=0).reshape(-1, 1) / 255
    net = {"W": rng.normal(0, 0.05, size=(10, 3072)), "b": rng.normal(size=(10, 1))}
    scored = score_test(net, PixelSplit(rows, y, mean, std, np.float64), head)
    X = (rows.T / 255 - mean) / std
    S = net["W"] @ X + net["b"]
    true = S[y, np.arange(300)]
    if head == "softmax":
        loss = np.mean(S.max(axis=0) + np.log(np.exp(S - S.max(axis=0)).sum(axis=0)) - true)
    else:
        loss = (np.logaddexp(0, S).sum() - true.sum()) / S.size
    acc = np.mean(S.argmax(axis=0) == y)
    if head == "softmax":
        P = np.exp(S - S.max(axis=0))
        P /= P.sum(axis=0)
    else:
        P = 1 / (1 + np.exp(-S))
    correct = S.argmax(axis=0) == y
    assert 0.05 < acc < 0.95  # neither all right nor all wrong: a flipped test shows
    assert scored.loss == pytest.approx(loss, rel=1e-9)
    assert scored.acc == pytest.approx(acc)
    assert np.allclose(scored.p_true, P[y, np.arange(300)], rtol=1e-9)
    assert np.array_equal(scored.correct, correct)
    net["W"][0, 0] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf - inf while scoring: no warning either
        assert not np.isfinite(
            score_test(net, PixelSplit(rows, y, mean, std, np.float64), head).loss
        )
