"""The training loop against a plain-numpy reference of the spec's mini-batch GD, on small
synthetic splits: the order of the random draws, every mini-batch (the last one short), the
learning-rate schedule, the end-of-epoch figures, stopping, restoring and divergence.
Written against mutation testing: each test pins a behaviour a one-token change of the loop
in engine/training/train.py breaks."""

import warnings

import numpy as np
import pytest

from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.data.splits import PixelSplit, Split, Splits
from linclf.engine.training.augment import flip_indices, shift_indices
from linclf.engine.training.train import Training, evaluate, score_test

K = 10


def _split(rng, n, d, shift):
    y = rng.integers(0, K, size=n)
    X = np.asfortranarray(rng.normal(size=(d, n)) + shift[:, y])
    return Split(X, np.eye(K)[:, y], y)


def synthetic(n_train=65, n_val=31, d=12, seed=0, nan=False):
    """Learnable splits (a class-dependent mean per dimension) without a test set."""
    rng = np.random.default_rng(seed)
    shift = rng.normal(0, 2, size=(d, K))
    train, val = _split(rng, n_train, d, shift), _split(rng, n_val, d, shift)
    if nan:
        train.X[0, 0] = np.nan
    return Splits(train, val, None, np.zeros((d, 1)), np.ones((d, 1)))


def _figures(W, b, split, lam, head="softmax"):
    S = W @ split.X + b
    true = S[split.y, np.arange(split.n)]
    if head == "softmax":
        top = S.max(axis=0)
        loss = np.mean(top + np.log(np.exp(S - top).sum(axis=0)) - true)
    else:  # log(1 + e^s) for each wrong class, log(1 + e^-s) for the true one, over K·n
        loss = (np.logaddexp(0, S).sum() - true.sum()) / S.size
    acc = np.mean(S.argmax(axis=0) == split.y)
    return loss, loss + lam * np.sum(W * W), acc


def reference(data, cfg, init=None):
    """The spec's loop written out: W then b (unless given), one permutation per epoch, the
    flip coins and the translations per mini-batch; returns (W, b) after each epoch and the
    figures of each epoch."""
    rng = np.random.default_rng(cfg.seed)
    d, n = data.train.X.shape
    if init is None:
        W, b = 0.01 * rng.standard_normal(size=(K, d)), np.zeros((K, 1))
    else:
        W, b = init["W"].copy(), init["b"].copy()
    params, figures = [], []
    for epoch in range(1, cfg.n_epochs + 1):
        steps = (epoch - 1) // cfg.decay_every if cfg.decay_every else 0
        eta = cfg.eta * cfg.decay_factor**steps
        order = rng.permutation(n) if cfg.shuffle else np.arange(n)
        for start in range(0, n, cfg.n_batch):
            idx = order[start : start + cfg.n_batch]
            X = data.train.X[:, idx].copy()
            if cfg.flip:
                coins = rng.random(idx.size) < 0.5
                X[:, coins] = X[flip_indices()][:, coins]
            if cfg.shift:
                maps = shift_indices(cfg.shift)
                chosen = rng.integers(0, len(maps), size=idx.size)
                padded = np.vstack([X, np.zeros((1, idx.size))])
                X = np.stack([padded[maps[k], j] for j, k in enumerate(chosen)], axis=1)
            S = W @ X + b
            if cfg.head == "softmax":
                P = np.exp(S - S.max(axis=0))
                P /= P.sum(axis=0)
                G = (P - data.train.Y[:, idx]) / idx.size
            else:
                G = (1 / (1 + np.exp(-S)) - data.train.Y[:, idx]) / (K * idx.size)
            W = W - eta * (G @ X.T + 2 * cfg.lam * W)
            b = b - eta * G.sum(axis=1, keepdims=True)
        params.append((W, b))
        train = _figures(W, b, data.train, cfg.lam, cfg.head)
        figures.append((epoch, eta, *train, *_figures(W, b, data.val, cfg.lam, cfg.head)))
    return params, figures


FIGURES = "epoch eta train_loss train_cost train_acc val_loss val_cost val_acc".split()


def _row(stats):
    return tuple(getattr(stats, name) for name in FIGURES)


def _assert_same_run(training, params, figures):
    assert len(training.history) == len(figures)
    for stats, expected in zip(training.history, figures):
        assert _row(stats) == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert 0 < stats.seconds < 60  # a generous bound: a tiny epoch, not a clock reading
    W, b = params[-1]
    assert np.allclose(training.net["W"], W, rtol=1e-9, atol=1e-12)
    assert np.allclose(training.net["b"], b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"shuffle": False, "lam": 0.05},
        {"n_batch": 65, "lam": 0.05},
        {"head": "sigmoid", "lam": 0.02, "eta": 0.5},
        {"decay_every": 1, "decay_factor": 0.5, "n_batch": 1, "n_epochs": 3},
        {"decay_every": 2, "decay_factor": 0.3, "n_epochs": 5, "seed": 3},
    ],
)
def test_training_follows_the_reference_loop(changes):
    config = TrainConfig(**{"eta": 0.05, "n_batch": 20, "n_epochs": 4, **changes})
    data = synthetic()
    training = Training(data, config)
    seen = [_row(stats) for stats in training]
    params, figures = reference(data, config)
    _assert_same_run(training, params, figures)
    assert seen == [_row(s) for s in training.history]
    assert training.status == st.COMPLETED
    assert training.history[-1].train_acc > 0.5


@pytest.mark.parametrize("changes", [{"flip": True}, {"shift": 1}, {"flip": True, "shift": 2}])
def test_augmented_training_follows_the_reference_loop(changes):
    config = TrainConfig(eta=0.02, n_batch=16, n_epochs=2, **changes)
    data = synthetic(n_train=40, n_val=10, d=3072)
    training = Training(data, config)
    training.run()
    params, figures = reference(data, config)
    _assert_same_run(training, params, figures)


def test_given_initial_parameters_start_the_run_and_leave_the_draws_to_the_epochs():
    data = synthetic()
    init = {"W": np.full((K, 12), 0.02), "b": np.linspace(-1, 1, K).reshape(K, 1)}
    config = TrainConfig(eta=0.05, n_batch=20, n_epochs=2)
    training = Training(data, config, init_net={k: v.astype(np.float32) for k, v in init.items()})
    assert training.net["W"].dtype == np.float64
    assert np.array_equal(training.net["b"], init["b"].astype(np.float32))
    training.run()
    params, figures = reference(data, config, {k: v.astype(np.float32) for k, v in init.items()})
    _assert_same_run(training, params, figures)


def test_stats_net_holds_the_parameters_each_yielded_epoch_describes():
    data = synthetic()
    config = TrainConfig(eta=0.05, n_batch=20, n_epochs=3, lam=0.01)
    training = Training(data, config)
    params, _ = reference(data, config)
    for stats in training:
        W, b = params[stats.epoch - 1]
        assert np.allclose(training.stats_net["W"], W, rtol=1e-9, atol=1e-12)
        assert np.allclose(training.stats_net["b"], b, rtol=1e-9, atol=1e-12)
        figures = evaluate(training.stats_net, data.val, 0.01, "softmax")
        assert figures == (stats.val_loss, stats.val_cost, stats.val_acc)
    assert training.stats_net is not training.net
    assert np.array_equal(training.stats_net["W"], training.net["W"])


def _stop_at(training, monkeypatch, call, **stop):
    """Make the call-th mini-batch step of the run ask it to stop."""
    import linclf.engine.training.train as train_module

    calls = []
    real = train_module.descend

    def counting(*args):
        calls.append(1)
        if len(calls) == call:
            training.stop(**stop)
        return real(*args)

    monkeypatch.setattr(train_module, "descend", counting)
    return calls


@pytest.mark.parametrize("call", [1, 3, 8, 10])
def test_stop_mid_epoch_keeps_the_parameters_of_the_last_finished_epoch(monkeypatch, call):
    data = synthetic(n_train=60)  # three mini-batches of 20 per epoch
    config = TrainConfig(eta=0.05, n_batch=20, n_epochs=5)
    training = Training(data, config)
    calls = _stop_at(training, monkeypatch, call, reason=st.INTERRUPTED)
    training.run()
    finished = (call - 1) // 3  # epochs whose every mini-batch ran before the stop
    assert len(calls) == call  # the stop takes effect before the next mini-batch
    assert training.status == st.INTERRUPTED
    assert [s.epoch for s in training.history] == list(range(1, finished + 1))
    if finished:
        params, _ = reference(data, TrainConfig(eta=0.05, n_batch=20, n_epochs=finished))
        W, b = params[-1]
    else:
        W, b = training.init_net["W"], training.init_net["b"]
    assert np.allclose(training.net["W"], W, rtol=1e-9, atol=1e-12)
    assert np.allclose(training.net["b"], b, rtol=1e-9, atol=1e-12)


def test_finish_epoch_stop_asked_mid_epoch_completes_that_epoch(monkeypatch):
    data = synthetic(n_train=60)
    training = Training(data, TrainConfig(eta=0.05, n_batch=20, n_epochs=5))
    calls = _stop_at(training, monkeypatch, 5, finish_epoch=True)
    assert not training.stop_requested
    training.run()
    assert training.stop_requested
    assert len(calls) == 6 and [s.epoch for s in training.history] == [1, 2]
    assert training.status == st.STOPPED


def test_a_stop_after_the_last_epoch_trained_still_completes():
    training = Training(synthetic(), TrainConfig(eta=0.05, n_batch=20, n_epochs=2))
    for _ in training:
        training.stop(st.INTERRUPTED)  # epoch 2 had trained when epoch 1's stats arrived
    assert len(training.history) == 2 and training.status == st.COMPLETED


def test_stop_before_the_first_epoch_trains_nothing():
    training = Training(synthetic(), TrainConfig(eta=0.05, n_batch=20, n_epochs=3))
    training.stop(st.INTERRUPTED)
    assert training.run() == [] and training.status == st.INTERRUPTED
    assert np.array_equal(training.net["W"], training.init_net["W"])


def test_nan_in_the_first_epoch_is_divergence_and_keeps_the_initial_parameters():
    training = Training(synthetic(nan=True), TrainConfig(eta=0.05, n_batch=20, n_epochs=4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may reach the terminal
        history = training.run()
    assert training.status == st.DIVERGED and len(history) == 1
    assert history[0].diverged and np.isnan(history[0].train_cost)
    assert np.array_equal(training.net["W"], training.init_net["W"])
    assert training.stats_net["W"] is not training.net["W"]
    assert np.array_equal(training.stats_net["W"], training.init_net["W"])


@pytest.mark.parametrize("n_epochs", [3, 6])  # diverging on the last epoch, or mid-run
def test_a_poisoned_epoch_is_recorded_then_dropped(monkeypatch, n_epochs):
    """Epoch 3 ends with an infinite weight: the run records epoch 3 as diverged, ends, and
    keeps epoch 2's parameters (those of a two-epoch run)."""
    import linclf.engine.training.train as train_module

    data = synthetic(n_train=60)
    config = TrainConfig(eta=0.05, n_batch=20, n_epochs=n_epochs)
    training = Training(data, config)
    calls = []
    real = train_module.descend

    def poisoning(X, y, net, *rest):
        calls.append(1)
        real(X, y, net, *rest)
        if len(calls) == 9:  # last mini-batch of epoch 3: inf (not yet NaN) is evaluated
            net["W"][0, 0] = np.inf

    monkeypatch.setattr(train_module, "descend", poisoning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf - inf in the loop and the evaluation: no warning
        history = training.run()
    assert training.status == st.DIVERGED
    assert [s.epoch for s in history] == [1, 2, 3]
    assert [s.diverged for s in history] == [False, False, True]
    params, _ = reference(data, TrainConfig(eta=0.05, n_batch=20, n_epochs=2))
    assert np.allclose(training.net["W"], params[-1][0], rtol=1e-9, atol=1e-12)
    assert np.array_equal(training.stats_net["W"], training.net["W"])
    assert training.test_scores is None


def test_an_exploding_loss_is_divergence():
    """η far too large: the loss runs away within a few epochs (however the bound is drawn)
    and the run ends with finite parameters from before the runaway."""
    training = Training(synthetic(), TrainConfig(eta=1e4, n_batch=5, n_epochs=30))
    history = training.run()
    assert training.status == st.DIVERGED and len(history) < 30
    assert history[-1].diverged and not any(s.diverged for s in history[:-1])
    assert np.all(np.isfinite(training.net["W"]))
    runaway = max(history[-1].train_loss, history[-1].val_loss)
    assert runaway > 100 * np.log(K) or not np.isfinite(runaway)  # from about log K = 2.3


def test_a_new_run_is_pending_at_its_initial_parameters_in_the_data_dtype():
    data = synthetic()
    data.train.X = np.asfortranarray(data.train.X.astype(np.float32))
    training = Training(data, TrainConfig(n_batch=20))
    assert training.status == st.PENDING
    assert training.init_net["W"].dtype == training.net["W"].dtype == np.float32
    assert training.net["W"] is not training.init_net["W"]
    assert np.array_equal(training.stats_net["W"], training.init_net["W"])


def test_the_test_set_is_scored_with_the_head_of_the_run():
    data = synthetic(n_train=40, n_val=10, d=3072)
    rng = np.random.default_rng(9)
    rows = rng.integers(0, 256, size=(50, 3072), dtype=np.uint8)
    mean, std = rows.mean(axis=0).reshape(-1, 1) / 255, rows.std(axis=0).reshape(-1, 1) / 255
    data.test = PixelSplit(rows, rng.integers(0, K, size=50), mean, std, np.float64)
    training = Training(data, TrainConfig(eta=0.02, n_batch=20, n_epochs=2))
    training.run()
    expected = score_test(training.net, data.test, "softmax")
    assert training.test_scores.loss == pytest.approx(expected.loss, rel=1e-12)
    assert np.allclose(training.test_scores.p_true, expected.p_true, rtol=1e-12, atol=0)
