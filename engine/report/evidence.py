"""The statistics that keep the report's wording honest: numbers in, records and sentences out.

A difference is called an effect only when it exceeds its noise: |difference| > 2 standard
errors, or the 97.5 % t-quantile when the noise is estimated from a few seeds (4.3 for 3 seeds
of one variant). The noise of a test accuracy has two parts: the seed-to-seed spread of training
and the binomial sampling error of a finite test set, sqrt(p(1 - p) / n), which averaging over
seeds does not remove (every seed is tested on the same images). Two variants scored on the same
test images share most of that sampling error: their difference is judged by the paired error
of the images on which they disagree (`tested` keeps the per-image results for that). Sentences
are plain text (pass them through markup.plain): no maths, so every output shows them as they
are.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Z = 2.0
# Two-sided 95 % quantiles of Student's t, df = 1..30; beyond, Z.
_T975 = tuple(
    float(t)
    for t in (
        "12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26 2.23 2.20 2.18 2.16 2.14 2.13 "
        "2.12 2.11 2.10 2.09 2.09 2.08 2.07 2.07 2.06 2.06 2.06 2.05 2.05 2.05 2.04"
    ).split()
)


def signed(value: float, digits: int = 2) -> str:
    """+1.87 or −0.46, with a true minus sign."""
    return f"{value:+.{digits}f}".replace("-", "−")


def binomial_se(p: float, n: int) -> float:
    """Standard error of an accuracy p measured on n independent examples."""
    return math.sqrt(p * (1 - p) / n)


def critical(df: float) -> float:
    """How many standard errors a difference must exceed to be called an effect."""
    if not math.isfinite(df) or df > len(_T975):
        return Z
    return max(Z, _T975[max(1, math.floor(df)) - 1])


@dataclass(frozen=True)
class Estimate:
    """An accuracy (a fraction) with its two variance components."""

    value: float
    seed_var: float  # variance of the mean from seed-to-seed spread (std^2 / seeds)
    sample_var: float  # binomial variance of the test-set sample, p(1 - p) / n
    seeds: int
    spread: float  # seed-to-seed standard deviation (0 for one run)
    # per test image, the share of the seeds that classified it right (see `tested`)
    per_image: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def se(self) -> float:
        return math.sqrt(self.seed_var + self.sample_var)

    def cell(self) -> str:
        """For a table: '41.23 ± 0.31 %', the ± being the seed std, or the binomial s.e. of a
        single run (say which in the caption)."""
        plus_minus = self.spread if self.seeds > 1 else self.se
        return f"{100 * self.value:.2f} ± {100 * plus_minus:.2f} %"

    def text(self) -> str:
        """'41.23 ± 0.31 % (mean ± std of 3 seeds)' or '39.13 % ± 0.49 (binomial s.e.)'."""
        if self.seeds > 1:
            return (
                f"{100 * self.value:.2f} ± {100 * self.spread:.2f} % "
                f"(mean ± std of {self.seeds} seeds)"
            )
        return f"{100 * self.value:.2f} % ± {100 * self.se:.2f} (binomial s.e.)"


def accuracy(p: float, n: int) -> Estimate:
    """One run's accuracy on n test examples."""
    return Estimate(p, 0.0, binomial_se(p, n) ** 2, 1, 0.0)


def over_seeds(values: Sequence[float], n: int) -> Estimate:
    """Mean accuracy of runs that differ only in their seed, all tested on the same n images."""
    if len(values) < 2:
        raise ValueError("a spread needs at least two seeds (three for a usable one)")
    mean, spread = statistics.fmean(values), statistics.stdev(values)
    return Estimate(mean, spread**2 / len(values), binomial_se(mean, n) ** 2, len(values), spread)


@dataclass(frozen=True)
class Difference:
    """b - a, with its standard error and the degrees of freedom of that error."""

    value: float
    se: float
    df: float

    @property
    def z(self) -> float:
        return self.value / self.se if self.se > 0 else math.copysign(math.inf, self.value)

    @property
    def is_effect(self) -> bool:
        return self.value != 0 and abs(self.z) > critical(self.df)

    def cell(self) -> str:
        """For a table, in points: '+1.87 ± 0.70'."""
        return f"{signed(100 * self.value)} ± {100 * self.se:.2f}"


def tested(correct: Sequence[np.ndarray]) -> Estimate:
    """The test accuracy of a variant from each seed's per-image correctness (same images)."""
    accuracies = [float(np.mean(c)) for c in correct]
    n = len(correct[0])
    found = over_seeds(accuracies, n) if len(correct) > 1 else accuracy(accuracies[0], n)
    return Estimate(
        found.value,
        found.seed_var,
        found.sample_var,
        found.seeds,
        found.spread,
        np.mean(np.asarray(correct, dtype=np.float64), axis=0),
    )


def difference(a: Estimate, b: Estimate, paired_sample_se: float | None = None) -> Difference:
    """b - a. The test-set sampling parts are paired when both estimates carry per-image
    results for the same images (or paired_sample_se is given), else taken as independent:
    the cautious choice, which can only make fewer claims."""
    per_a, per_b = a.per_image, b.per_image
    if paired_sample_se is None and per_a is not None and per_b is not None:
        if per_a.shape == per_b.shape:  # the same test images
            paired_sample_se = paired_se(per_a, per_b)
    sample = (a.sample_var + b.sample_var) if paired_sample_se is None else paired_sample_se**2
    variance = a.seed_var + b.seed_var + sample
    # Welch-Satterthwaite: only the seed parts are estimated from few values.
    denominator = sum(
        v**2 / (e.seeds - 1) for v, e in ((a.seed_var, a), (b.seed_var, b)) if e.seeds > 1
    )
    df = variance**2 / denominator if denominator > 0 else math.inf
    return Difference(b.value - a.value, math.sqrt(variance), df)


def paired_se(
    correct_a: Sequence[float] | np.ndarray, correct_b: Sequence[float] | np.ndarray
) -> float:
    """Sampling standard error of acc_b - acc_a when both models saw the same test images:
    only the images on which they disagree carry noise (the McNemar view). Entries are per
    image, 0/1 for one model or the share of seeds that got the image right."""
    diffs = np.asarray(correct_b, dtype=np.float64) - np.asarray(correct_a, dtype=np.float64)
    if np.shape(correct_a) != np.shape(correct_b) or diffs.size < 2:
        raise ValueError("need the same test images, at least two")
    return float(np.std(diffs, ddof=1) / math.sqrt(diffs.size))


@dataclass(frozen=True)
class Verdict:
    effect: bool
    text: str


def listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def word_difference(diff: Difference, subject: str, measure: str = "test accuracy") -> Verdict:
    """'<subject> raises test accuracy by 1.90 ± 0.40 points' only when the difference is an
    effect; otherwise '<subject> makes no measurable difference to test accuracy (+0.22 ± 0.69
    points)', or, when the difference exceeds two standard errors but not the bar that a few
    seeds set, '<subject> changes test accuracy by −5.55 ± 1.08 points, too few seeds to call
    it an effect (that takes 12.7 standard errors)'. What ± means and when a difference
    counts is said once, under the table."""
    points, se = 100 * diff.value, 100 * diff.se
    if diff.is_effect:
        verb = "raises" if diff.value > 0 else "lowers"
        return Verdict(True, f"{subject} {verb} {measure} by {abs(points):.2f} ± {se:.2f} points")
    if abs(diff.z) > Z:
        return Verdict(
            False,
            f"{subject} changes {measure} by {signed(points)} ± {se:.2f} points, too few seeds "
            f"to call it an effect (that takes {critical(diff.df):.1f} standard errors)",
        )
    return Verdict(
        False,
        f"{subject} makes no measurable difference to {measure} "
        f"({signed(points)} ± {se:.2f} points)",
    )


def largest_gain(gains: dict[str, Difference]) -> str:
    """Name the largest gain over a common baseline, and say whether it is separable from
    the runner-up. Their errors share the baseline, so adding them in quadrature is cautious."""
    ranked = sorted(gains.items(), key=lambda item: item[1].value, reverse=True)
    (name, best), rest = ranked[0], ranked[1:]
    text = f"The largest gain is from {name}: {best.cell()} points"
    if not best.is_effect:
        return text + ", itself within noise: no variant beats the baseline beyond the noise."
    if not rest:
        return text + "."
    second_name, second = rest[0]
    between = Difference(
        best.value - second.value, math.hypot(best.se, second.se), min(best.df, second.df)
    )
    if between.is_effect:
        return text + f", clearly ahead of the runner-up, {second_name} ({second.cell()})."
    return (
        text + f", but the runner-up, {second_name} ({second.cell()}), is within noise "
        "of it: the two cannot be ranked."
    )


def stopping_sensitivity(val_acc: Sequence[float], window: int = 10) -> str:
    """How much an unstable run's result depends on the epoch it stops at: the range of its
    validation accuracy over the last window epochs."""
    tail = list(val_acc)[-window:]
    low, high = min(tail), max(tail)
    spread = statistics.stdev(tail) if len(tail) > 1 else 0.0
    last = tail[-1]
    return (
        f"Over the last {len(tail)} epochs its validation accuracy ranges from "
        f"{100 * low:.1f} to {100 * high:.1f} % (std {100 * spread:.1f} points); the last "
        f"epoch's {100 * last:.1f} % lies {100 * (last - low):.1f} points above the lowest "
        f"and {100 * (high - last):.1f} below the highest, so stopping a little earlier or "
        "later could have moved the reported number by that much"
    )
