"""Exercise 2.2 as a report section: the gradient of the multiple binary cross-entropy, both
heads at two matched step sizes, over-fitting judged from the loss curves and reconciled with
the accuracy gap, and the shape of the true-class probability."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from linclf.engine.config import TrainConfig
from linclf.engine.report import evidence as ev
from linclf.engine.report import overfitting
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import Budget, Experiments, history_of, seeded
from linclf.engine.report.markup import plain

HEADS = {"softmax": "softmax + CE", "sigmoid": "sigmoid + BCE"}


def settings(base: TrainConfig, budget: Budget) -> list[TrainConfig]:
    """Each head at its step sizes (budget.head_etas): softmax at the spec's 0.001 and larger,
    sigmoid at larger ones only, since its gradient is 1/K times smaller (at 0.001 it barely
    trains in 40 epochs). Each head is compared at its own best η."""
    return [
        replace(base, head=head, eta=eta) for head, etas in budget.head_etas.items() for eta in etas
    ]


def configs(base: TrainConfig, budget: Budget) -> list[TrainConfig]:
    return [c for setting in settings(base, budget) for c in seeded(setting, budget.seeds)]


def derivation(doc: Document) -> None:
    doc.paragraph(
        "With $bold(p) = sigma(bold(s))$ element-wise (spec eq. (13)), the loss of one image "
        "with one-hot label $bold(y)$ is @eq:bce; its gradient follows in three lines, "
        "@eq:d1 to @eq:d3:"
    )
    doc.equation("l = -1/K sum_(k=1)^K [(1 - y_k) log(1 - p_k) + y_k log(p_k)]", "eq:bce")
    doc.equation(
        "(partial l)/(partial p_k) = -1/K (y_k/p_k - (1 - y_k)/(1 - p_k)) "
        "= (p_k - y_k) / (K p_k (1 - p_k))",
        "eq:d1",
    )
    doc.equation(
        "(partial p_k)/(partial s_k) = sigma(s_k) (1 - sigma(s_k)) = p_k (1 - p_k), "
        'quad (partial p_j)/(partial s_k) = 0 "for" j != k',
        "eq:d2",
    )
    doc.equation("(partial l)/(partial bold(s)) = 1/K (bold(p) - bold(y))", "eq:d3")
    doc.paragraph(
        "This is the softmax + cross-entropy gradient $bold(p) - bold(y)$ divided by $K$: "
        "the backward pass changes only by that factor, and the gradient of $J$ is $K = 10$ "
        "times smaller for the same $bold(p) - bold(y)$, which is why the spec suggests a "
        "larger $eta$ for this head."
    )


def shape(p_true: np.ndarray) -> tuple[float, float, float]:
    """Median and quartiles of a set of probabilities."""
    if p_true.size == 0:
        return (float("nan"),) * 3
    low, median, high = np.quantile(p_true, (0.25, 0.5, 0.75))
    return float(median), float(low), float(high)


def _shape_cell(p_true: np.ndarray) -> str:
    median, low, high = shape(p_true)
    return f"{median:.2f} [{low:.2f}, {high:.2f}]"


def exercise22(doc: Document, ex: Experiments, base: TrainConfig, budget: Budget) -> None:
    runs = ex.results(configs(base, budget), "Exercise 2.2")
    every = settings(base, budget)
    keyed = {s: runs[i * budget.seeds : (i + 1) * budget.seeds] for i, s in enumerate(every)}
    scores = {s: [ex.test(r) for r in g] for s, g in keyed.items()}
    n_train, n_val = ex.sizes(base)
    est = {s: ev.tested([t.correct for t in tests]) for s, tests in scores.items()}
    head_curves = {
        s: overfitting.head_curves(_name(s), [history_of(r) for r in g], n_val)
        for s, g in keyed.items()
    }
    val = {s: float(np.mean([history_of(r)[-1].val_acc for r in g])) for s, g in keyed.items()}
    tuned = {
        head: max((s for s in every if s.head == head), key=lambda s: val[s]) for head in HEADS
    }
    doc.heading("Exercise 2.2: sigmoid and multiple binary cross-entropy")
    derivation(doc)
    doc.paragraph(
        f"Each head is trained at the step sizes of @tab:heads, {budget.seeds} seeds each, "
        "and compared at the one with the highest validation accuracy (its *tuned* $eta$): "
        + plain(
            f"{HEADS['softmax']} at η = {tuned['softmax'].eta:g}, {HEADS['sigmoid']} at "
            f"η = {tuned['sigmoid'].eta:g}. "
        )
        + "± is the standard deviation over the seeds."
    )
    doc.table(
        ["head", "$eta$", "validation", "test", "train acc.", "acc. gap", "at the end"],
        [
            [
                HEADS[s.head] + (" (tuned)" if tuned[s.head] == s else ""),
                f"{s.eta:g}",
                f"{100 * val[s]:.2f} %",
                est[s].cell(),
                f"{100 * head_curves[s].final_train:.2f} %",
                f"{100 * _final_gap(head_curves[s]):.2f}",
                plain(overfitting.learning_words(head_curves[s]).split(" (")[0]),
            ]
            for s in every
        ],
        f"Exercise 2.2, last epoch, mean over {budget.seeds} seeds: validation and test "
        "accuracy, training accuracy, the train–validation accuracy gap (points), and whether "
        "training accuracy still rose by more than 1 point over the last quarter of the epochs.",
        "tab:heads",
    )
    soft, sig = tuned["softmax"], tuned["sigmoid"]
    diff = ev.difference(est[soft], est[sig])
    doc.paragraph(
        "*Test accuracy* (@tab:heads). "
        + plain(ev.word_difference(diff, "At each head's tuned η, the sigmoid head").text + ".")
    )
    _overfitting(doc, head_curves, soft, sig, keyed, base)
    _histograms(doc, ex, keyed, scores, (soft, sig), base)
    doc.numbers["exercise22"] = {
        f"{s.head}@{s.eta:g}": {
            "val_acc": val[s],
            "test_acc": est[s].value,
            "train_acc": head_curves[s].final_train,
            "acc_gap": _final_gap(head_curves[s]),
            "tuned": tuned[s.head] == s,
        }
        for s in every
    }


def _name(setting: TrainConfig) -> str:
    return f"{HEADS[setting.head]}, η = {setting.eta:g}"


def _final_gap(curves: overfitting.HeadCurves) -> float:
    return float(np.mean([t[-1] - v[-1] for t, v in zip(curves.train_acc, curves.val_acc)]))


def _overfitting(doc, head_curves, soft, sig, keyed, base) -> None:
    from linclf.engine.report import figures

    judgement = overfitting.judge(head_curves[soft], head_curves[sig])
    doc.figure(
        figures.gap_against_training(
            [(_name(s), c.train_acc, c.val_acc) for s, c in head_curves.items()],
            [(_name(s), history_of(keyed[s][0])) for s in (soft, sig)],
        ),
        "ex22-gaps.png",
        "Left: training (solid) and validation (dashed) loss per epoch of the two tuned "
        f"heads, seed {base.seed}; the sigmoid head's loss is about $K$ times smaller, so its "
        "loss gap cannot be set against the softmax one. Right: the train–validation accuracy "
        "gap against training accuracy for every setting (mean over the seeds, one point per "
        "epoch): a measure in the same unit for both heads, compared at equal fit.",
        "fig:gaps",
    )
    under = [_name(s) for s, c in head_curves.items() if c.final_train < judgement.level - 0.03]
    doc.paragraph(
        "*Over-fitting* (@fig:gaps). "
        + plain(
            "The two losses are different functions, so their gaps are not compared; the "
            "accuracy gap is, at the highest training accuracy both tuned heads reached. "
            + judgement.sentence
        )
        + (
            plain(f" {', '.join(under)} stopped far below that training accuracy (")
            + "@tab:heads"
            + plain(
                "): under-trained, so no over-fitting verdict is drawn from "
                + ("it." if len(under) == 1 else "them.")
            )
            if under
            else ""
        )
    )
    doc.numbers["exercise22_overfitting"] = {
        "level": judgement.level,
        "gap_softmax": judgement.gaps[0],
        "gap_sigmoid": judgement.gaps[1],
        "more": judgement.more,
        "under_trained": judgement.under_trained,
    }


def _histograms(doc, ex, keyed, scores, pair, base) -> None:
    from linclf.engine.report import figures

    train = {s: ex.training_scores([r["model"] for r in keyed[s]], s) for s in pair}
    heads = [
        (
            _name(s),
            [
                (
                    np.concatenate([t.p_true for t in split]),
                    np.concatenate([t.correct for t in split]),
                )
                for split in (train[s], scores[s])
            ],
        )
        for s in pair
    ]
    doc.figure(
        figures.true_class_densities(heads),
        "ex22-densities.png",
        "Density of the probability of the true class, correctly and incorrectly "
        "classified images, on the training set (top) and the test set (bottom), pooled over "
        f"the {len(keyed[pair[0]])} seeds, each head at its tuned $eta$; shared axes.",
        "fig:densities",
    )
    doc.paragraph(
        "*Histograms* (@fig:densities), test images pooled over the seeds. "
        + plain(_shape_words([(name, *splits[1]) for name, splits in heads]))
    )


def _shape_words(heads) -> str:
    (name_a, p_a, c_a), (name_b, p_b, c_b) = heads
    text: list[str] = []
    gaps = [shape(p[c])[0] - shape(p[~c])[0] for _, p, c in heads]
    median_a, low_a, high_a = shape(p_a[c_a])
    median_b, low_b, high_b = shape(p_b[c_b])
    higher = name_b if median_b > median_a else name_a
    wider = name_b if high_b - low_b > high_a - low_a else name_a
    near_zero = [float(np.mean(p[~c] < 0.1)) if (~c).any() else float("nan") for _, p, c in heads]
    text.append(
        f"The correctly classified images sit higher with {higher} (medians "
        f"{median_a:.2f} and {median_b:.2f}) and spread wider with {wider} (quartile ranges "
        f"{high_a - low_a:.2f} and {high_b - low_b:.2f}); of the incorrectly classified ones, "
        f"{100 * near_zero[0]:.0f} % ({name_a}) and {100 * near_zero[1]:.0f} % ({name_b}) "
        "give the true class a probability below 0.1. The medians of correct and incorrect "
        f"images lie {gaps[0]:.2f} apart with {name_a} and {gaps[1]:.2f} with {name_b}: "
        f"{name_a if gaps[0] > gaps[1] else name_b} separates them more. "
        "The heads differ by construction: "
        "softmax probabilities share one unit of mass, so a confident wrong answer pushes "
        "the true class towards 0, while each sigmoid output is a separate yes/no "
        "probability, free to be low or high whatever the other classes get."
    )
    return " ".join(text)
