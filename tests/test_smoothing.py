import math

import pytest

from linclf.engine.insight import smoothing as sm


def test_ema_off_gives_the_values_back_and_keeps_the_raw_list():
    raw = [3.0, 1.0, 2.0]
    assert sm.ema(raw, 0.0) == raw
    smoothed = sm.ema(raw, 0.9)
    assert raw == [3.0, 1.0, 2.0] and smoothed is not raw


def test_ema_is_debiased_and_follows_a_constant():
    assert sm.ema([5.0] * 10, 0.9) == pytest.approx([5.0] * 10)
    smoothed = sm.ema([0.0, 10.0], 0.5)
    # weights 1/3 and 2/3 after debiasing (0.5·0 + 0.5·10 = 5, divided by 1 − 0.25)
    assert smoothed == pytest.approx([0.0, 10 * 2 / 3])


def test_ema_keeps_gaps_where_they_are_and_out_of_the_average():
    smoothed = sm.ema([1.0, None, math.nan, 1.0], 0.6)
    assert smoothed[0] == pytest.approx(1.0) and smoothed[3] == pytest.approx(1.0)
    assert smoothed[1] is None and math.isnan(smoothed[2])


def test_ema_refuses_a_weight_outside_zero_to_one():
    with pytest.raises(ValueError):
        sm.ema([1.0], 1.0)


def test_downsample_keeps_ends_spikes_and_order():
    n = 100_000
    xs = list(range(n))
    ys = [1.0] * n
    ys[31_337] = 50.0
    ys[77_777] = -3.0
    small_x, small_y = sm.downsample(xs, ys, 200)
    assert len(small_x) <= 200
    assert small_x[0] == 0 and small_x[-1] == n - 1 and small_x == sorted(small_x)
    assert 50.0 in small_y and -3.0 in small_y
    assert sm.downsample([1, 2], [1.0, 2.0], 200) == ([1, 2], [1.0, 2.0])


def test_steps_per_epoch_from_the_config_as_read():
    assert sm.steps_per_epoch({"n_batch": 100, "split": "spec"}) == 100
    assert sm.steps_per_epoch({"n_batch": 100, "split": "all", "n_val": 1000}) == 490
    assert sm.steps_per_epoch({"n_batch": 300}) == 34
    for bad in ({"n_batch": "100"}, {"n_batch": 0}, {"n_batch": True}, {"n_batch": 9, "split": 3}):
        assert sm.steps_per_epoch(bad) is None
    assert sm.x_values([1, 2], {"n_batch": 100}, "step") == [100, 200]
    assert sm.x_values([1, 2], {}, "step") is None
    assert sm.x_values([1, 2], {}, "epoch") == [1, 2]
