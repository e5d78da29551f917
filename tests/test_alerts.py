import dataclasses
import math

from runstore import fixed_history

from linclf.engine import status as st
from linclf.engine.insight import alerts as al


def with_val_loss(values):
    base = fixed_history(len(values))
    return [dataclasses.replace(s, val_loss=v) for s, v in zip(base, values)]


def test_a_clean_run_raises_no_alert():
    assert al.alerts(fixed_history(40), st.COMPLETED) == []


def test_rising_fires_where_early_stopping_with_patience_k_stops():
    history = with_val_loss([2.0, 1.8, 1.7, 1.75, 1.6, 1.65, 1.7, 1.8, 1.9])
    found = al.rising(history, patience=3)
    assert found is not None and found.epoch == 8 and found.label == "rising@8"
    assert "keep epoch 5" in found.text
    assert al.rising(history, patience=4).epoch == 9
    assert al.rising(history, patience=5) is None


def test_a_missing_or_nan_validation_loss_breaks_the_streak():
    history = with_val_loss([2.0, 2.1, None, 2.2, 2.3, math.nan, 2.4, 2.5])
    assert al.rising(history, patience=3) is None


def test_nan_and_divergence_are_flagged_at_their_first_epoch():
    history = fixed_history(6)
    history[3] = dataclasses.replace(history[3], train_cost=math.inf)
    history[4] = dataclasses.replace(history[4], val_loss=math.nan)
    history[2] = dataclasses.replace(history[2], train_loss=250.0)
    rules = {a.rule: a for a in al.alerts(history, st.DIVERGED)}
    assert rules[al.NAN].epoch == 4 and "train_cost is inf" in rules[al.NAN].text
    assert rules[al.DIVERGED].epoch == 3


def test_missing_figures_are_not_taken_for_nan():
    history = [dataclasses.replace(s, train_loss=None, val_cost=None) for s in fixed_history(4)]
    assert al.alerts(history, st.COMPLETED) == []


def test_a_stalled_writer_is_flagged_at_its_last_epoch():
    found = al.alerts(fixed_history(7), st.STALLED)
    assert [a.label for a in found] == ["stalled@7"]
    assert al.alerts([], st.STALLED)[0].label == "stalled"
    assert al.alerts(fixed_history(7), st.RUNNING) == []
