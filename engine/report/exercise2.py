"""Exercise 2.1 (improvements, the best linear model) and Exercise 2.2 (sigmoid + multiple
binary cross-entropy), as report sections."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from linclf.engine import format as fmt
from linclf.engine import search
from linclf.engine.config import TrainConfig
from linclf.engine.report.document import Document
from linclf.engine.report.exercise1 import gap
from linclf.engine.report.experiments import Budget, Experiments, history_of


def exercise21(doc: Document, experiments: Experiments, base: TrainConfig, budget: Budget) -> None:
    grid_row, trials = experiments.grid(
        search.grid(base, {"lam": budget.lams, "eta": budget.etas, "n_batch": budget.n_batches}),
        "grid-2.1",
        "Exercise 2.1 grid search",
    )
    chosen = search.config_of(grid_row)
    decay = dict(decay_every=budget.decay_every, decay_factor=0.1)
    # The combination gets a grid of its own: lam and eta chosen for 10 000 images do not
    # carry over to 49 000 flipped images with a decaying step.
    combined_base = replace(base, split="all", flip=True, **decay)
    combined_row, combined_trials = experiments.grid(
        search.grid(combined_base, {"lam": budget.combined_lams, "eta": budget.combined_etas}),
        "grid-2.1-combined",
        "Exercise 2.1 grid for the combination",
    )
    combined = search.config_of(combined_row)
    trained = {
        "baseline (spec: data_batch_1, lam 0, eta 0.001)": base,
        "all training data (1000 held out)": replace(base, split="all"),
        "horizontal flips": replace(base, flip=True),
        f"step decay (eta 0.01, x0.1 every {budget.decay_every} epochs)": replace(
            base, eta=0.01, **decay
        ),
    }
    results = experiments.run(list(trained.values()), "Exercise 2.1")
    accuracy = {name: r["test"]["acc"] for name, r in zip(trained, results)}
    # The grids' chosen models are evaluated as the grids trained them, not trained again.
    grid_name = (
        f"grid search (chosen: lam {chosen.lam:g}, eta {chosen.eta:g}, n_batch {chosen.n_batch})"
    )
    combined_name = (
        f"all combined (all data, flips, step decay; grid-chosen lam {combined.lam:g}, "
        f"eta {combined.eta:g})"
    )
    grid_eval = experiments.evaluate(grid_row["model"], chosen)
    combined_eval = experiments.evaluate(combined_row["model"], combined)
    accuracy[grid_name] = grid_eval["test"]
    accuracy[combined_name] = combined_eval["test"]
    baseline = next(iter(accuracy.values()))
    doc.heading("Exercise 2.1: improvements")
    doc.paragraph(
        f"Grid search over lam {list(budget.lams)}, eta {list(budget.etas)}, n_batch "
        f"{list(budget.n_batches)} ({trials} trials); the combination has its own grid over "
        f"lam {list(budget.combined_lams)} and eta {list(budget.combined_etas)} "
        f"({combined_trials} trials). Both chose on validation accuracy only; the test set "
        "was evaluated once, for each chosen configuration."
    )
    doc.table(
        ["variant", "test accuracy", "gain (points)"],
        [
            [name, fmt.percent(acc), f"{100 * (acc - baseline):+.2f}"]
            for name, acc in accuracy.items()
        ],
    )
    singles = [item for item in accuracy.items() if item[0] != combined_name][1:]
    name, best_single = max(singles, key=lambda item: item[1])
    combined_acc = accuracy[combined_name]
    doc.paragraph(
        f"The largest single gain comes from {name}: {100 * (best_single - baseline):+.2f} "
        f"points. All combined reach {fmt.percent(combined_acc)} "
        f"({100 * (combined_acc - baseline):+.2f} points over the baseline)."
    )
    best_linear_model(doc, experiments, combined, combined_row["model"], combined_eval, budget)


def best_linear_model(
    doc: Document,
    experiments: Experiments,
    config: TrainConfig,
    first: dict,
    first_eval: dict,
    budget: Budget,
) -> None:
    """The combined configuration from several seeds, the weights averaged, then made
    symmetric under a horizontal flip. Both steps keep one linear layer on the pixels:
    averaging weights averages the scores, and (W + W P)/2, with P the flip permutation,
    scores an image and its mirror image alike (the average of the two scores)."""
    from linclf.engine.augment import flip_indices

    seeds = [config.seed + i for i in range(1, budget.seeds)]
    others = experiments.run([replace(config, seed=s) for s in seeds], "Best linear model")
    models = [first] + [r["model"] for r in others]
    average = {k: np.mean([m[k] for m in models], axis=0) for k in ("W", "b")}
    flip = flip_indices()
    symmetric = {"W": (average["W"] + average["W"][:, flip]) / 2, "b": average["b"]}
    averaged, symmetrised = experiments.evaluate_all([average, symmetric], config)
    doc.heading("Best linear model", 3)
    doc.paragraph(
        f"The combined configuration trained from {len(models)} seeds; the weights are "
        "averaged, then symmetrised under a horizontal flip. Both steps keep a single "
        "linear layer on the pixels at test time."
    )
    doc.table(
        ["model", "validation accuracy", "test accuracy"],
        [
            [f"one run (seed {config.seed})", *_val_test(first_eval)],
            [f"weights averaged over {len(models)} seeds", *_val_test(averaged)],
            ["averaged and flip-symmetric", *_val_test(symmetrised)],
        ],
    )


def _val_test(evaluation: dict) -> tuple[str, str]:
    return fmt.percent(evaluation["val"]), fmt.percent(evaluation["test"])


def exercise22(doc: Document, experiments: Experiments, base: TrainConfig) -> None:
    softmax = replace(base, head="softmax")
    sigmoid = replace(base, head="sigmoid", eta=0.01)
    results = experiments.run([softmax, sigmoid], "Exercise 2.2")
    doc.heading("Exercise 2.2: sigmoid + multiple binary cross-entropy")
    doc.paragraph(
        "With p = sigmoid(s) element-wise and l = -(1/K) sum_k [(1 - y_k) log(1 - p_k) + "
        "y_k log p_k], the gradient is dl/ds = (p - y) / K: the softmax expression p - y "
        "divided by K, so the code changes only by that factor (and the learning rate is "
        "raised 10x, to 0.01, to make up for it)."
    )
    histories = [history_of(r) for r in results]
    doc.table(
        [
            "head",
            "eta",
            "test accuracy",
            "final train loss",
            "final val loss",
            "train-val accuracy gap (points)",
        ],
        [
            [
                name,
                f"{result['config']['eta']:g}",
                fmt.percent(result["test"]["acc"]),
                fmt.number(history[-1].train_loss),
                fmt.number(history[-1].val_loss),
                f"{100 * gap(history):.2f}",
            ]
            for name, result, history in zip(
                ("softmax + cross-entropy", "sigmoid + multiple BCE"), results, histories
            )
        ],
    )
    from linclf.engine.plots import histogram_figure, side_by_side_curves

    doc.figure(
        side_by_side_curves([("softmax + CE", histories[0]), ("sigmoid + BCE", histories[1])]),
        "ex22-curves.png",
        "training and validation loss, both heads",
    )
    for head, result in zip(("softmax", "sigmoid"), results):
        doc.figure(
            histogram_figure(result["test"]["p_true"], result["test"]["correct"], head),
            f"ex22-histograms-{head}.png",
            f"true-class probability, {head}",
        )
    gaps = [gap(history) for history in histories]
    means = [_mean_true_probability(r["test"]) for r in results]
    less = "less" if gaps[1] < gaps[0] else "more"
    doc.paragraph(
        f"Over-fitting, measured as the final train-validation accuracy gap: "
        f"{100 * gaps[0]:.2f} points with softmax, {100 * gaps[1]:.2f} with sigmoid + BCE, "
        f"so the sigmoid head over-fits {less}. Mean probability of the true class on "
        f"correctly / incorrectly classified test images: softmax {means[0][0]:.3f} / "
        f"{means[0][1]:.3f}, sigmoid {means[1][0]:.3f} / {means[1][1]:.3f}."
    )


def _mean_true_probability(test: dict) -> tuple[float, float]:
    p_true, correct = test["p_true"], test["correct"]
    return (
        float(np.mean(p_true[correct])) if correct.any() else math.nan,
        float(np.mean(p_true[~correct])) if (~correct).any() else math.nan,
    )
