"""Exercise 2.2 as a report section: the gradient of the multiple binary cross-entropy, both
heads at two matched step sizes, over-fitting judged from the loss curves and reconciled with
the accuracy gap, and the shape of the true-class probability."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from linclf.engine import format as fmt
from linclf.engine.config import TrainConfig
from linclf.engine.report import evidence as ev
from linclf.engine.report import overfitting
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import Budget, Experiments, history_of, seeded
from linclf.engine.report.markup import plain

HEADS = {"softmax": "softmax + CE", "sigmoid": "sigmoid + BCE"}


def settings(base: TrainConfig, budget: Budget) -> list[TrainConfig]:
    """Both heads at the baseline's η and at the larger η the spec suggests for the sigmoid
    head (its gradient is 1/K times smaller): every comparison can be made at matched η."""
    return [
        replace(base, head=head, eta=eta) for eta in (base.eta, budget.decay_eta) for head in HEADS
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
    groups = [runs[i * budget.seeds : (i + 1) * budget.seeds] for i in range(4)]
    keyed = dict(zip(settings(base, budget), groups))
    scores = {s: [ex.test(r) for r in g] for s, g in keyed.items()}
    n_train, n_val = ex.sizes(base)
    est = {s: ev.tested([t.correct for t in tests]) for s, tests in scores.items()}
    doc.heading("Exercise 2.2: sigmoid and multiple binary cross-entropy")
    derivation(doc)
    rows = []
    for setting, group in keyed.items():
        last = history_of(group[0])[-1]
        first_test = scores[setting][0]
        rows.append(
            [
                HEADS[setting.head],
                f"{setting.eta:g}",
                est[setting].cell(),
                fmt.number(last.train_loss),
                fmt.number(last.val_loss),
                f"{100 * (last.val_loss - last.train_loss) / last.train_loss:.1f} %",
                f"{100 * (last.train_acc - last.val_acc):.2f}",
                _shape_cell(first_test.p_true[first_test.correct]),
                _shape_cell(first_test.p_true[~first_test.correct]),
            ]
        )
    doc.table(
        [
            "head",
            "$eta$",
            "test accuracy",
            "train loss",
            "val loss",
            "loss gap",
            "acc. gap",
            "$p_y$, correct",
            "$p_y$, incorrect",
        ],
        rows,
        f"Exercise 2.2: test accuracy, mean ± std over {budget.seeds} seeds; the rest from "
        f"seed {base.seed} at the last epoch: losses, the loss gap (validation minus training "
        "loss, relative to the training loss), the accuracy gap (training minus validation, "
        "points), and the median [quartiles] of the probability of the true class $p_y$ on "
        "correctly and incorrectly classified test images.",
        "tab:heads",
    )
    _accuracy(doc, est, base, budget)
    _overfitting(doc, keyed, base, budget, n_train, n_val)
    _histograms(doc, keyed, scores, base, budget)


def _accuracy(doc, est, base, budget) -> None:
    low, high = base.eta, budget.decay_eta
    key = {(s.head, s.eta): s for s in est}
    sentences = [
        ev.word_difference(
            ev.difference(est[key["softmax", eta]], est[key["sigmoid", eta]]),
            f"at η = {eta:g}, the sigmoid head",
        ).text
        for eta in (low, high)
    ]
    own = ev.difference(est[key["softmax", low]], est[key["sigmoid", high]])
    sentences.append(
        ev.word_difference(
            own, f"each at the η the spec suggests (softmax {low:g}, sigmoid {high:g}), sigmoid"
        ).text
    )
    doc.paragraph(
        "*Test accuracy* against softmax + cross-entropy (@tab:heads): "
        + plain("; ".join(sentences) + ".")
    )


def _overfitting(doc, keyed, base, budget, n_train: int, n_val: int) -> None:
    from linclf.engine.report import figures

    panels = [
        (f"{HEADS[s.head]}, η = {s.eta:g}", history_of(group[0])) for s, group in keyed.items()
    ]
    doc.figure(
        figures.head_losses(panels),
        "ex22-losses.png",
        f"Training (green) and validation (red) loss per epoch, seed {base.seed}; each panel "
        "has its own y-axis, since the multiple binary cross-entropy is about $K$ times "
        "smaller than the cross-entropy.",
        "fig:losses",
    )
    verdicts = set()
    for eta in (base.eta, budget.decay_eta):
        pair = [
            overfitting.curves(HEADS[s.head], history_of(g[0]), n_train, n_val, s.eta)
            for s, g in keyed.items()
            if s.eta == eta
        ]
        judgement = overfitting.judge(*pair)
        verdicts.add(judgement.by_loss)
        doc.paragraph(
            f"*Over-fitting at $eta = {eta:g}$* (@fig:losses, @tab:heads). "
            + plain(judgement.sentence)
        )
    if len(verdicts) == 1:
        (verdict,) = verdicts
        summary = (
            "Both step sizes give the same verdict from the loss curves ("
            + (f"{verdict} over-fits more" if verdict else "neither head over-fits clearly more")
            + "), so it is not an artefact of comparing the heads at different step sizes."
        )
    else:
        summary = (
            "The verdict from the loss curves changes with the step size: the step size, not "
            "the head alone, decides which over-fits more."
        )
    doc.paragraph(plain(summary))


def _histograms(doc, keyed, scores, base, budget) -> None:
    from linclf.engine.report import figures

    softmax = next(s for s in keyed if s.head == "softmax" and s.eta == base.eta)
    sigmoid = next(s for s in keyed if s.head == "sigmoid" and s.eta == budget.decay_eta)
    heads = [
        (f"{HEADS[s.head]}, η = {s.eta:g}", scores[s][0].p_true, scores[s][0].correct)
        for s in (softmax, sigmoid)
    ]
    doc.figure(
        figures.true_class_densities(heads),
        "ex22-densities.png",
        "Density of the probability of the true class over the test images, correctly "
        "(left) and incorrectly (right) classified, each head at the $eta$ the spec suggests "
        f"for it, seed {base.seed}; shared axes.",
        "fig:densities",
    )
    doc.paragraph("*Histograms* (@fig:densities). " + plain(_shape_words(heads)))


def _describe(p_true: np.ndarray) -> str:
    median, low, high = shape(p_true)
    density, edges = np.histogram(p_true, bins=25, range=(0, 1))
    peak = (edges[np.argmax(density)] + edges[np.argmax(density) + 1]) / 2
    return f"peak near {peak:.2f}, half of them between {low:.2f} and {high:.2f}"


def _shape_words(heads) -> str:
    (name_a, p_a, c_a), (name_b, p_b, c_b) = heads
    text = [
        f"{label[0].upper()}{label[1:]} ({c.sum()} correct, {(~c).sum()} incorrect test "
        f"images): correctly classified, {_describe(p[c])}; incorrectly classified, "
        f"{_describe(p[~c])}."
        for label, p, c in heads
    ]
    gaps = [shape(p[c])[0] - shape(p[~c])[0] for _, p, c in heads]
    median_a, low_a, high_a = shape(p_a[c_a])
    median_b, low_b, high_b = shape(p_b[c_b])
    higher = name_b if median_b > median_a else name_a
    wider = name_b if high_b - low_b > high_a - low_a else name_a
    near_zero = [float(np.mean(p[~c] < 0.1)) if (~c).any() else float("nan") for _, p, c in heads]
    text.append(
        f"So the correctly classified images sit higher with {higher} (medians "
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
