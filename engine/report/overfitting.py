"""Exercise 2.2's over-fitting judgement, by a measure that means the same for both heads.

The two heads minimise different losses (the multiple binary cross-entropy is about K times
smaller than the cross-entropy and saturates differently), so their loss gaps are not
commensurable. Accuracy is: the train–validation accuracy gap is in the same unit for both.
It also grows as a model fits its training set better, so two heads are compared at the same
training accuracy: the highest one both reached, where each head's gap is read off its curve
of gap against training accuracy (interpolated between epochs). A head that stops far below
the other's training accuracy has not been trained comparably: no verdict is drawn from it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from linclf.engine.report.evidence import Difference, binomial_se

UNDER_TRAINED = 0.03  # a head whose final training accuracy is this far below the other's
STILL_LEARNING = 0.01  # training accuracy still rising this much over the last quarter


@dataclass(frozen=True)
class HeadCurves:
    """One head at one step size: per seed, per epoch, training and validation accuracy."""

    name: str
    train_acc: tuple[tuple[float, ...], ...]
    val_acc: tuple[tuple[float, ...], ...]
    n_val: int

    @property
    def final_train(self) -> float:
        return statistics.fmean(seed[-1] for seed in self.train_acc)

    @property
    def reached(self) -> float:
        """The training accuracy every seed reached at some epoch."""
        return min(max(seed) for seed in self.train_acc)

    def rise(self) -> float:
        """How much the mean training accuracy rose over the last quarter of the epochs."""
        mean = [statistics.fmean(values) for values in zip(*self.train_acc)]
        back = max(1, len(mean) // 4)
        return mean[-1] - mean[-1 - back] if len(mean) > back else 0.0


def head_curves(name: str, histories: Sequence[Sequence], n_val: int) -> HeadCurves:
    """From each seed's EpochStats-like records (train_acc, val_acc as fractions)."""
    return HeadCurves(
        name,
        tuple(tuple(float(s.train_acc) for s in h) for h in histories),
        tuple(tuple(float(s.val_acc) for s in h) for h in histories),
        n_val,
    )


def gap_at(train_acc: Sequence[float], val_acc: Sequence[float], level: float) -> float:
    """The train–validation accuracy gap where training accuracy first reaches level,
    interpolated linearly between the two epochs around it."""
    gaps = [t - v for t, v in zip(train_acc, val_acc)]
    if train_acc[0] >= level:
        return gaps[0]
    for i in range(1, len(train_acc)):
        if train_acc[i] >= level:
            share = (level - train_acc[i - 1]) / (train_acc[i] - train_acc[i - 1])
            return gaps[i - 1] + share * (gaps[i] - gaps[i - 1])
    raise ValueError(f"training accuracy never reaches {level}")


@dataclass(frozen=True)
class Judgement:
    more: str | None  # the head that over-fits more at equal training accuracy, or None
    under_trained: str | None  # a head too little trained to be judged
    level: float  # the training accuracy the gaps are read at
    gaps: tuple[float, float]  # mean gap of a and b at level
    difference: Difference  # gap of a minus gap of b
    sentence: str


def judge(a: HeadCurves, b: HeadCurves) -> Judgement:
    level = min(a.reached, b.reached)
    per_seed = [[gap_at(t, v, level) for t, v in zip(h.train_acc, h.val_acc)] for h in (a, b)]
    means = tuple(statistics.fmean(g) for g in per_seed)
    variance = sum(
        (statistics.variance(g) / len(g) if len(g) > 1 else 0.0)
        + binomial_se(level - m, h.n_val) ** 2
        for g, m, h in zip(per_seed, means, (a, b))
    )
    seeds = min(len(g) for g in per_seed)
    diff = Difference(means[0] - means[1], math.sqrt(variance), 2 * (seeds - 1) or math.inf)
    weaker, stronger = (a, b) if a.final_train < b.final_train else (b, a)
    under = weaker.name if stronger.final_train - weaker.final_train > UNDER_TRAINED else None
    more = None
    if under is None and diff.is_effect:
        more = a.name if diff.value > 0 else b.name
    numbers = (
        f"at {100 * level:.1f} % training accuracy, the highest both reached, the gap is "
        f"{100 * means[0]:.2f} points for {a.name} and {100 * means[1]:.2f} for {b.name} "
        f"(difference {diff.cell()} points)"
    )
    if under is not None:
        sentence = (
            f"No verdict: {weaker.name} ends at {100 * weaker.final_train:.1f} % training "
            f"accuracy, {100 * (stronger.final_train - weaker.final_train):.1f} points below "
            f"{stronger.name}; it has not been trained as far, and a gap measured early in "
            f"training says little about over-fitting ({numbers})."
        )
    elif more is None:
        sentence = (
            f"Neither head over-fits measurably more: {numbers}, within the noise of "
            f"{seeds} seeds and {a.n_val} validation images."
        )
    else:
        sentence = f"{more} over-fits more: {numbers}, beyond the noise."
    return Judgement(more, under, level, (means[0], means[1]), diff, sentence)


def learning_words(curves: HeadCurves) -> str:
    """'still learning (+1.4 points over the last 10 epochs)' or 'levelled off'."""
    rise = curves.rise()
    return (
        f"still learning (training accuracy +{100 * rise:.1f} points over the last quarter)"
        if rise > STILL_LEARNING
        else f"levelled off (+{100 * rise:.1f} points over the last quarter)"
    )
