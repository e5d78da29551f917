import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from linclf.engine.data.splits import Split
from linclf.engine.training.model import (
    SAMPLE_MAJOR_MAX,
    backward_pass,
    compute_accuracy,
    compute_cost,
    compute_loss,
    descend,
    init_network,
    loss_from_scores,
    probabilities,
    scores,
    sigmoid,
    softmax,
)
from linclf.engine.training.train import split_scores


def test_softmax_is_stable_for_huge_scores():
    S = np.array([[1e300, 0.0], [-1e300, 1000.0], [0.0, -1000.0]])
    with np.errstate(over="raise", invalid="raise"):
        P = softmax(S)
    assert np.all(np.isfinite(P))
    assert np.allclose(P.sum(axis=0), 1)
    assert np.allclose(P[:, 0], [1, 0, 0]) and np.allclose(P[:, 1], [0, 1, 0])


def test_sigmoid_is_stable_and_symmetric():
    s = np.array([-1e4, -30.0, 0.0, 30.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):
        p = sigmoid(s)
    assert p[2] == 0.5 and p[0] == 0.0 and p[-1] == 1.0
    assert np.allclose(p + sigmoid(-s), 1)


def test_losses_on_hand_made_cases():
    y = np.array([0, 1])
    uniform = np.full((10, 2), 0.1)
    assert compute_loss(uniform, y) == pytest.approx(np.log(10))
    assert loss_from_scores(np.zeros((10, 2)), y) == pytest.approx(np.log(10))
    # sigmoid of 0 is 1/2 for every class: each binary cross-entropy term is log 2
    assert loss_from_scores(np.zeros((10, 2)), y, "sigmoid") == pytest.approx(np.log(2))
    P = np.array([[0.7, 0.2], [0.3, 0.8]])
    assert compute_loss(P, y) == pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2)
    expected_bce = -(np.log(0.7) + np.log(0.7) + np.log(0.8) + np.log(0.8)) / 4
    assert compute_loss(P, y, "sigmoid") == pytest.approx(expected_bce)


@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
def test_loss_from_scores_matches_loss_from_probabilities(head):
    rng = np.random.default_rng(0)
    S = rng.normal(0, 3, size=(10, 50))
    y = rng.integers(0, 10, size=50)
    assert loss_from_scores(S, y, head) == pytest.approx(
        compute_loss(probabilities(S, head), y, head)
    )


def test_loss_stays_finite_for_confident_mistakes():
    S = np.array([[800.0], [-800.0]])
    assert loss_from_scores(S, np.array([1])) == pytest.approx(1600)
    assert np.isfinite(compute_loss(softmax(S), np.array([1])))


def test_accuracy_and_cost():
    P = np.array([[0.9, 0.1, 0.4], [0.1, 0.9, 0.6]])
    assert compute_accuracy(P, np.array([0, 0, 1])) == pytest.approx(2 / 3)
    net = {"W": np.array([[1.0, -2.0]]), "b": np.zeros((1, 1))}
    assert compute_cost(0.5, net, 0.1) == pytest.approx(0.5 + 0.1 * 5)
    assert compute_cost(0.5, net, 0.0) == 0.5


def _cost(X, Y, y, net, lam, head):
    return compute_cost(loss_from_scores(scores(X, net), y, head), net, lam)


@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_gradients_match_central_differences(head, lam):
    rng = np.random.default_rng(1)
    d, n = 20, 7
    X = rng.normal(size=(d, n))
    y = rng.integers(0, 10, size=n)
    Y = np.eye(10)[:, y]
    net = init_network(rng, 10, d)
    net["W"] *= 30  # away from zero, so a missing λ or 1/K factor shows
    net["b"] = rng.normal(size=(10, 1))
    grads = backward_pass(X, Y, probabilities(scores(X, net), head), net, lam, head)
    h = 1e-6
    for key in ("W", "b"):
        numeric = np.zeros_like(net[key])
        for index in np.ndindex(net[key].shape):
            saved = net[key][index]
            net[key][index] = saved + h
            plus = _cost(X, Y, y, net, lam, head)
            net[key][index] = saved - h
            minus = _cost(X, Y, y, net, lam, head)
            net[key][index] = saved
            numeric[index] = (plus - minus) / (2 * h)
        rel = np.abs(grads[key] - numeric) / np.maximum(1e-12, np.abs(grads[key]) + np.abs(numeric))
        assert rel.max() < 1e-6, (key, rel.max())


def test_init_network_draws_w_first_with_spec_scale():
    net = init_network(np.random.default_rng(42), 10, 3072)
    expected = 0.01 * np.random.default_rng(42).standard_normal(size=(10, 3072))
    assert np.array_equal(net["W"], expected)
    assert np.array_equal(net["b"], np.zeros((10, 1)))


def _reference_step(X, y, net, eta, lam, head):
    """The spec's step written out: probabilities, backward_pass, update."""
    Y = np.zeros((net["W"].shape[0], y.size), dtype=X.dtype, order="F")
    Y[y, np.arange(y.size)] = 1
    grads = backward_pass(X, Y, probabilities(scores(X, net), head), net, lam, head)
    net["W"] -= eta * grads["W"]
    net["b"] -= eta * grads["b"]


@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
@pytest.mark.parametrize("lam", [0.0, 0.1])
@pytest.mark.parametrize("m", [1, 37, 1001])  # one image (gemv), sample- and class-major scores
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_descend_gives_the_bits_of_the_spec_step(head, lam, m, dtype):
    rng = np.random.default_rng(m)
    d = 3072
    rows = rng.normal(size=(m, d)).astype(dtype)  # a gathered mini-batch, one image per row
    y = rng.integers(0, 10, size=m)
    net = init_network(rng, 10, d, dtype)
    net["b"] += rng.normal(size=(10, 1)).astype(dtype)
    expected = {k: v.copy() for k, v in net.items()}
    _reference_step(rows.T, y, expected, 0.05, lam, head)
    descend(rows.T, y, net, 0.05, lam, head, np.empty_like(net["W"]))
    for key in ("W", "b"):
        assert net[key].dtype == dtype
        assert np.array_equal(net[key], expected[key]), key


@pytest.mark.parametrize("n", [700, 1500, 2 * 128 + 1])
def test_split_scores_in_blocks_equal_scores_of_the_whole(n):
    """Scoring a split block by block (as the evaluation does, at one BLAS thread) gives the
    bits of one product in float64, in the layout scores() chooses for n columns; n = 257
    would end in a block of one image (a matrix-vector product) if it were not merged."""
    rng = np.random.default_rng(n)
    X = np.asfortranarray(rng.normal(size=(3072, n)))
    net = {"W": rng.normal(size=(10, 3072)), "b": rng.normal(size=(10, 1))}
    with threadpool_limits(1):
        whole = scores(X, net)
        out = split_scores(Split(X, np.zeros((10, n)), np.zeros(n, dtype=int)), net)
    assert np.array_equal(out, whole)
    assert out.flags.f_contiguous == whole.flags.f_contiguous == (n <= SAMPLE_MAJOR_MAX)
    assert np.allclose(whole, net["W"] @ X + net["b"])
