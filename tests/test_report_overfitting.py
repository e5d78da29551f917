"""Exercise 2.2's over-fitting verdict on constructed histories: it follows the accuracy gap
at equal training accuracy (commensurable across losses), never the loss gap, and draws no
verdict from an under-trained head."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from linclf.engine.report import overfitting as of


def history(train_acc, gap, loss_gap=0.0, epochs=40):
    """Per-epoch records: training accuracy rising from 30 % to train_acc, the validation
    accuracy below it by a gap that grows with the training accuracy (to gap at the end),
    and losses whose relative gap grows to loss_gap."""
    t = np.arange(1, epochs + 1) / epochs
    train = 0.30 + (train_acc - 0.30) * (1 - np.exp(-6 * t)) / (1 - np.exp(-6))
    per_point = gap / (train_acc - 0.30)
    return [
        SimpleNamespace(
            train_acc=a,
            val_acc=a - per_point * (a - 0.30),
            train_loss=1.7,
            val_loss=1.7 * (1 + loss_gap * s),
        )
        for a, s in zip(train, t)
    ]


def curves(name, train_acc, gap, loss_gap=0.0, seeds=3):
    jitter = [0.0, 0.001, -0.001][:seeds]
    return of.head_curves(
        name, [history(train_acc, gap + j, loss_gap) for j in jitter], n_val=10_000
    )


def test_loss_gap_and_accuracy_gap_disagree_the_accuracy_gap_decides():
    """softmax: large relative loss gap, small accuracy gap; sigmoid the other way round.
    The old report called softmax the over-fitter from the losses; the verdict is sigmoid."""
    softmax = curves("softmax", 0.455, 0.04, loss_gap=0.10)
    sigmoid = curves("sigmoid", 0.455, 0.08, loss_gap=0.02)
    judgement = of.judge(softmax, sigmoid)
    assert judgement.more == "sigmoid"
    assert judgement.under_trained is None
    assert "sigmoid over-fits more" in judgement.sentence


def test_gaps_are_read_at_equal_training_accuracy():
    """b trains further (47 % against 45 %) with the same gap per point of training
    accuracy: read at 45 % both gaps are equal, so neither over-fits more, although b's
    last-epoch gap is larger."""
    a = curves("a", 0.45, 0.05)
    b = curves("b", 0.47, 0.05 * 0.17 / 0.15)
    judgement = of.judge(a, b)
    assert judgement.level == pytest.approx(0.45, abs=1e-3)
    last_gap_b = b.train_acc[0][-1] - b.val_acc[0][-1]
    assert judgement.gaps[1] < last_gap_b
    assert judgement.more is None and "Neither" in judgement.sentence


def test_an_under_trained_head_gets_no_verdict():
    """sigmoid at a tiny step: 36 % training accuracy against 45 %; its small gap must not
    make softmax 'the one that over-fits more'."""
    softmax = curves("softmax", 0.45, 0.07)
    sigmoid = curves("sigmoid", 0.36, 0.005)
    judgement = of.judge(softmax, sigmoid)
    assert judgement.under_trained == "sigmoid"
    assert judgement.more is None
    assert judgement.sentence.startswith("No verdict: sigmoid")


@pytest.mark.parametrize("swap", [False, True])
def test_the_verdict_does_not_depend_on_argument_order(swap):
    a, b = curves("a", 0.45, 0.03), curves("b", 0.45, 0.08)
    judgement = of.judge(*((b, a) if swap else (a, b)))
    assert judgement.more == "b"


def test_gap_at_interpolates_between_epochs():
    assert of.gap_at([0.3, 0.4, 0.5], [0.3, 0.38, 0.44], 0.45) == pytest.approx(0.04)
    with pytest.raises(ValueError):
        of.gap_at([0.3, 0.4], [0.3, 0.4], 0.5)


def test_still_learning_is_told_from_levelled_off():
    rising = of.head_curves(
        "r", [[SimpleNamespace(train_acc=0.3 + 0.005 * e, val_acc=0.3) for e in range(40)]], 10_000
    )
    flat = of.head_curves("f", [[SimpleNamespace(train_acc=0.45, val_acc=0.4)] * 40], 10_000)
    assert of.learning_words(rising).startswith("still learning")
    assert of.learning_words(flat).startswith("levelled off")
