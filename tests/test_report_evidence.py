"""The report's wording follows its numbers: a difference inside the noise is never worded as an
effect, one well outside always is; the over-fitting sentence follows the measured gaps,
whichever way the loss and the accuracy gaps point."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linclf.engine.report import evidence as ev


def test_binomial_standard_error_of_the_spec_test_set():
    assert ev.binomial_se(0.3913, 10_000) == pytest.approx(0.00488, abs=1e-5)  # 0.49 points


@given(p=st.floats(0.05, 0.95), shift=st.floats(-1.0, 1.0), n=st.integers(500, 50_000))
def test_within_two_standard_errors_is_never_an_effect(p, shift, n):
    a = ev.accuracy(p, n)
    b = ev.accuracy(min(0.99, max(0.01, p + shift * 2 * a.se)), n)
    diff = ev.difference(a, b)
    verdict = ev.word_difference(diff, "the change")
    if abs(diff.value) <= 2 * diff.se:
        assert not verdict.effect
        assert "no measurable difference" in verdict.text
        assert "raises" not in verdict.text and "lowers" not in verdict.text


@given(base=st.lists(st.floats(0.38, 0.40), min_size=3, max_size=5), offset=st.floats(-0.02, 0.02))
def test_over_seeds_needs_the_t_quantile_not_two(base, offset):
    a = ev.over_seeds(base, 10_000)
    b = ev.over_seeds([v + offset for v in base], 10_000)
    diff = ev.difference(a, b)
    if abs(diff.z) <= ev.critical(diff.df):
        text = ev.word_difference(diff, "x").text
        if abs(diff.z) > 2:  # beyond two standard errors, short of the few-seed bar
            assert "too few seeds to call it an effect" in text and "raises" not in text
        else:
            assert "no measurable difference" in text


def test_the_issue_examples():
    # +0.22 points from a grid search, one seed each: within the noise of 10 000 test images.
    grid = ev.difference(ev.accuracy(0.3913, 10_000), ev.accuracy(0.3935, 10_000))
    assert not grid.is_effect
    assert ev.word_difference(grid, "the grid search").text == (
        "the grid search makes no measurable difference to test accuracy (+0.22 ± 0.69 points)"
    )
    # +1.9 points for all data, 3 seeds each: an effect.
    data = ev.difference(
        ev.over_seeds([0.391, 0.390, 0.393], 10_000), ev.over_seeds([0.410, 0.409, 0.411], 10_000)
    )
    verdict = ev.word_difference(data, "all training data")
    assert verdict.effect and verdict.text.startswith("all training data raises test accuracy")


def test_a_large_change_short_of_the_few_seed_bar_is_not_called_no_difference():
    # Exercise 1's η = 0.1 on the quick budget: −5.55 ± 1.08 points from 2 seeds (df 1).
    diff = ev.Difference(-0.0555, 0.0108, 1)
    text = ev.word_difference(diff, "raising η").text
    assert text == (
        "raising η changes test accuracy by −5.55 ± 1.08 points, too few seeds to call it an "
        "effect (that takes 12.7 standard errors)"
    )


def test_few_seeds_raise_the_bar():
    assert ev.critical(math.inf) == 2.0
    assert ev.critical(2) == pytest.approx(4.30)
    # A seed-only difference of 3 standard errors with 2 degrees of freedom is not an effect.
    assert not ev.Difference(0.03, 0.01, 2).is_effect
    assert ev.Difference(0.03, 0.01, math.inf).is_effect


def test_lowering_is_worded_with_a_minus_sign():
    diff = ev.difference(ev.accuracy(0.40, 10_000), ev.accuracy(0.39, 10_000))
    assert "test accuracy (−1.00 ± " in ev.word_difference(diff, "λ = 1").text
    big = ev.difference(ev.accuracy(0.40, 10_000), ev.accuracy(0.30, 10_000))
    assert "lowers test accuracy by 10.00" in ev.word_difference(big, "η = 0.1").text


def test_paired_noise_is_smaller_when_models_mostly_agree():
    a = [True] * 390 + [False] * 610
    b = list(a)
    b[0], b[500], b[501] = False, True, True
    paired = ev.paired_se(a, b)
    independent = ev.difference(ev.accuracy(0.390, 1000), ev.accuracy(0.392, 1000)).se
    assert paired < independent / 5


def test_largest_gain_says_when_the_runner_up_cannot_be_told_apart():
    gains = {
        "flips": ev.Difference(0.019, 0.004, math.inf),
        "grid": ev.Difference(0.016, 0.004, math.inf),
        "decay": ev.Difference(0.001, 0.004, math.inf),
    }
    text = ev.largest_gain(gains)
    assert text.startswith("The largest gain is from flips: +1.90 ± 0.40 points")
    assert "cannot be ranked" in text
    gains["grid"] = ev.Difference(0.002, 0.004, math.inf)
    assert "clearly ahead of the runner-up, grid" in ev.largest_gain(gains)
    assert "itself within noise" in ev.largest_gain({"decay": gains["decay"]})


def test_stopping_sensitivity_quantifies_the_swing():
    text = ev.stopping_sensitivity([0.30, 0.243, 0.314, 0.27, 0.29], window=5)
    assert "from 24.3 to 31.4 %" in text
    assert "29.0 % lies 4.7 points above the lowest and 2.4 below the highest" in text


def test_variants_tested_on_the_same_images_are_compared_paired():
    """Two variants that agree on most test images: the paired error is far below the
    independent one, so a 1-point gain of three steady seeds is an effect; the same accuracies
    without per-image results (or on other images) stay within noise."""
    rng = np.random.default_rng(0)
    first = rng.random(10_000) < 0.39
    base = []
    for _ in range(3):  # seeds that differ on a few images only: a small seed spread
        correct = first.copy()
        correct[rng.choice(10_000, 30, replace=False)] ^= True
        base.append(correct)
    better = []
    for seed, correct in enumerate(base):
        flipped = correct.copy()
        flipped[np.flatnonzero(~correct)[seed * 150 : seed * 150 + 150]] = True  # +1.5 points
        flipped[np.flatnonzero(correct)[:50]] = False  # -0.5 points
        better.append(flipped)
    paired = ev.difference(ev.tested(base), ev.tested(better))
    assert paired.value == pytest.approx(0.01) and paired.is_effect
    plain = [ev.over_seeds([float(c.mean()) for c in v], 10_000) for v in (base, better)]
    unpaired = ev.difference(*plain)
    assert unpaired.se > 2 * paired.se and not unpaired.is_effect
    other_images = ev.tested([c[:5000] for c in better])
    assert ev.difference(ev.tested(base), other_images).se > paired.se
