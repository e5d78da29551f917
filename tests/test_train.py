import warnings

import numpy as np
import pytest

from linclf.engine.config import TrainConfig
from linclf.engine.data.splits import load_splits
from linclf.engine.errors import ConfigError
from linclf.engine.training import model
from linclf.engine.training.train import Training, score_test


@pytest.fixture
def tiny(tiny_data_dir):
    return load_splits(tiny_data_dir)


def test_cost_decreases_on_a_small_subset(tiny):
    history = Training(tiny, TrainConfig(eta=0.01, n_batch=20, n_epochs=5)).run()
    costs = [s.train_cost for s in history]
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))
    assert history[-1].train_acc > 0.5


def test_same_seed_same_history_and_initial_parameters_untouched(tiny):
    first = Training(tiny, TrainConfig(n_batch=30, n_epochs=3, flip=True))
    initial = {k: v.copy() for k, v in first.init_net.items()}
    first.run()
    again = Training(tiny, TrainConfig(n_batch=30, n_epochs=3, flip=True)).run()
    assert first.history == [
        s.__class__(**{**s.to_dict(), "seconds": f.seconds}) for s, f in zip(again, first.history)
    ]
    assert all(np.array_equal(first.init_net[k], initial[k]) for k in initial)
    assert not np.array_equal(first.net["W"], initial["W"])
    other = Training(tiny, TrainConfig(n_batch=30, n_epochs=3, seed=7)).run()
    assert other[-1].train_cost != first.history[-1].train_cost


def test_given_initial_parameters_are_copied_not_modified(tiny):
    init = model.init_network(np.random.default_rng(0), 10, 3072)
    saved = init["W"].copy()
    Training(tiny, TrainConfig(n_epochs=1), init_net=init).run()
    assert np.array_equal(init["W"], saved)


def test_stop_between_epochs_keeps_finished_epochs(tiny):
    training = Training(tiny, TrainConfig(n_batch=50, n_epochs=10))
    for stats in training:
        if stats.epoch == 2:
            training.stop()
    # Epoch 3 had finished training when epoch 2's stats arrived (its evaluation overlaps
    # the next epoch): finished work is kept.
    assert training.status == "stopped"
    assert [s.epoch for s in training.history] == [1, 2, 3]


def test_stop_mid_epoch_restores_the_last_finished_epoch(tiny, monkeypatch):
    training = Training(tiny, TrainConfig(n_batch=20, n_epochs=5))
    snapshots = {}
    calls = []
    real_descend = model.descend

    def counting_descend(*args, **kwargs):
        calls.append(1)
        if len(calls) == 13:  # third mini-batch of epoch 2 (10 per epoch)
            snapshots["mid_epoch"] = {k: v.copy() for k, v in training.net.items()}
            training.stop()
        result = real_descend(*args, **kwargs)
        if len(calls) == 10:  # the last mini-batch of epoch 1 just stepped
            snapshots["end_of_epoch_1"] = {k: v.copy() for k, v in training.net.items()}
        return result

    monkeypatch.setattr("linclf.engine.training.train.descend", counting_descend)
    training.run()
    assert training.status == "stopped" and [s.epoch for s in training.history] == [1]
    finished = snapshots["end_of_epoch_1"]
    # Two mini-batches of epoch 2 moved the parameters; the stop must undo them.
    assert not np.array_equal(snapshots["mid_epoch"]["W"], finished["W"])
    assert all(np.array_equal(training.net[k], finished[k]) for k in finished)


def test_finish_epoch_stop_completes_the_current_epoch(tiny):
    training = Training(tiny, TrainConfig(n_batch=50, n_epochs=10))
    training.stop(finish_epoch=True)
    assert len(training.run()) == 0
    training = Training(tiny, TrainConfig(n_batch=50, n_epochs=4))
    for _ in training:
        training.stop(finish_epoch=True)
    # Asked after epoch 1's stats: epoch 2, trained meanwhile, is finished and kept; no more.
    assert training.status == "stopped" and len(training.history) == 2


def test_divergence_stops_and_keeps_finite_parameters(tiny):
    training = Training(tiny, TrainConfig(eta=1e6, lam=1e6, n_batch=50, n_epochs=20))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may reach the terminal
        history = training.run()
    assert training.status == "diverged"
    assert history[-1].diverged and not any(s.diverged for s in history[:-1])
    assert len(history) < 20
    assert np.all(np.isfinite(training.net["W"]))


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"eta": 0}, "eta"),
        ({"eta": -1.0}, "eta"),
        ({"eta": float("nan")}, "eta"),
        ({"eta": float("inf")}, "eta"),
        ({"lam": -0.1}, "lam"),
        ({"n_batch": 0}, "n_batch"),
        ({"n_batch": 201}, "n_batch"),
        ({"n_epochs": 0}, "n_epochs"),
        ({"head": "relu"}, "head"),
        ({"dtype": "float16"}, "dtype"),
        ({"n_epochs": 10**9}, "n_epochs"),
        ({"decay_factor": 0.0}, "decay_factor"),
        ({"split": "mine"}, "split"),
    ],
)
def test_invalid_configurations_are_refused(tiny, changes, field):
    config = TrainConfig(**changes)
    assert field in config.problems(n_train=200)
    with pytest.raises(ConfigError, match=field):
        Training(tiny, config)


def test_huge_but_finite_cost_counts_as_diverged(tiny):
    training = Training(tiny, TrainConfig(eta=1000, n_batch=20, n_epochs=5))
    history = training.run()
    assert training.status == "diverged" and len(history) == 1
    costs = (history[0].train_cost, history[0].val_cost)
    assert all(np.isfinite(costs)) and max(costs) > 1e3


def test_step_decay_schedule():
    config = TrainConfig(eta=0.1, decay_every=5, decay_factor=0.5)
    assert [config.eta_at(e) for e in (1, 5, 6, 11)] == [0.1, 0.1, 0.05, 0.025]
    assert TrainConfig(eta=0.1).eta_at(100) == 0.1


def test_shift_augmentation_is_repeatable_and_changes_the_run(tiny):
    shifted = [Training(tiny, TrainConfig(n_batch=20, n_epochs=2, shift=2)).run() for _ in "ab"]
    plain = Training(tiny, TrainConfig(n_batch=20, n_epochs=2)).run()
    assert [s.train_cost for s in shifted[0]] == [s.train_cost for s in shifted[1]]
    assert shifted[0][-1].train_cost != plain[-1].train_cost


def test_float32_and_sigmoid_runs(tiny_data_dir):
    data32 = load_splits(tiny_data_dir, dtype=np.float32)
    training = Training(data32, TrainConfig(dtype="float32", head="sigmoid", eta=0.05, n_epochs=3))
    history = training.run()
    assert training.net["W"].dtype == np.float32
    assert history[-1].train_cost < history[0].train_cost


@pytest.mark.slow
def test_spec_reference_figures(real_splits):
    """Defaults (seed 42, float64, shuffling) give the spec's 1.972 and 39.13 %."""
    training = Training(real_splits, TrainConfig())
    history = training.run()
    assert round(history[0].train_cost, 4) == 1.9722
    assert all(b.train_cost < a.train_cost for a, b in zip(history, history[1:]))
    test = score_test(training.net, real_splits.test, "softmax")
    assert test.acc == pytest.approx(0.3913, abs=5e-5)


def test_test_set_is_scored_with_the_final_parameters_during_the_last_evaluation(tiny):
    training = Training(tiny, TrainConfig(n_batch=20, n_epochs=3, head="sigmoid", eta=0.05))
    training.run()
    expected = score_test(training.net, tiny.test, "sigmoid")
    scored = training.test_scores
    assert (scored.loss, scored.acc) == (expected.loss, expected.acc)
    assert np.array_equal(scored.p_true, expected.p_true)
    assert np.array_equal(scored.correct, expected.correct)
    stopped = Training(tiny, TrainConfig(n_batch=20, n_epochs=5))
    for _ in stopped:
        stopped.stop()  # epoch 2 has trained meanwhile: the run ends after it
    assert len(stopped.history) == 2
    assert stopped.test_scores.acc == score_test(stopped.net, tiny.test, "softmax").acc


def test_no_test_scores_without_a_test_set_or_after_divergence(tiny, tiny_data_dir):
    diverged = Training(tiny, TrainConfig(eta=1000, n_batch=20, n_epochs=1))
    diverged.run()
    assert diverged.status == "diverged" and diverged.test_scores is None
    no_test = load_splits(tiny_data_dir, with_test=False)
    training = Training(no_test, TrainConfig(n_batch=50, n_epochs=2))
    training.run()
    assert no_test.test is None and training.test_scores is None
