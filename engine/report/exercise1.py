"""Exercise 1 (the four required settings) as a report section: every comment is worded from
the measured numbers by evidence.py, with their uncertainty."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from linclf.engine import format as fmt
from linclf.engine.config import TrainConfig
from linclf.engine.report import evidence as ev
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import Budget, Experiments, history_of, seeded
from linclf.engine.report.markup import plain

EXERCISE1 = ((0.0, 0.1), (0.0, 0.001), (0.1, 0.001), (1.0, 0.001))  # (lam, eta)


def configs(base: TrainConfig, budget: Budget) -> list[TrainConfig]:
    """Every run of the section: each setting from budget.seeds seeds, the report's first."""
    return [
        config
        for lam, eta in EXERCISE1
        for config in seeded(replace(base, lam=lam, eta=eta), budget.seeds)
    ]


def roughness(W: np.ndarray) -> np.ndarray:
    """How much of each class template is pixel-to-pixel noise: the mean squared difference
    of neighbouring pixels (both directions) over twice the pixel variance. 1 for independent
    pixel noise, near 0 for a smooth image."""
    images = W.reshape(W.shape[0], 3, 32, 32).astype(np.float64)
    variance = images.var(axis=(1, 2, 3))
    steps = [np.mean(np.diff(images, axis=axis) ** 2, axis=(1, 2, 3)) for axis in (2, 3)]
    return np.mean([step / (2 * variance) for step in steps], axis=0)


# Hue ranges (degrees) of colour names, and what a colour in a CIFAR-10 template stands for.
HUES = ((20, "red"), (45, "brown"), (70, "yellow"), (170, "green"), (260, "blue"), (330, "purple"))
MEANING = {"blue": "sky or water", "green": "grass and foliage"}


def colour_name(rgb: np.ndarray) -> str | None:
    """The name of a mean template colour (channels in [0, 1]), None when nearly grey."""
    import colorsys

    hue, _, _ = colorsys.rgb_to_hsv(*(float(c) for c in rgb))
    if float(rgb.max() - rgb.min()) < 0.08:
        return None
    degrees = 360 * hue
    return next((name for limit, name in HUES if degrees < limit), "red")


def _setting(lam: float, eta: float) -> str:
    return f"$lambda = {lam:g}$, $eta = {eta:g}$"


def exercise1(doc: Document, ex: Experiments, base: TrainConfig, budget: Budget) -> None:
    runs = ex.results(configs(base, budget), "Exercise 1")
    groups = [runs[i * budget.seeds : (i + 1) * budget.seeds] for i in range(len(EXERCISE1))]
    scores = [[ex.test(run) for run in group] for group in groups]
    n_test = scores[0][0].correct.size
    n_train, n_val = ex.sizes(base)
    estimates = [ev.tested([s.correct for s in group]) for group in scores]
    histories = [history_of(group[0]) for group in groups]
    doc.heading("Exercise 1: the four required settings")
    doc.paragraph(
        f"Each setting trains for {base.n_epochs} epochs ({ex.steps(base)} update steps of "
        f"{base.n_batch} images) on `data_batch_1` ({n_train} images), is validated on "
        f"`data_batch_2` ({n_val}) and tested once on `test_batch` ({n_test}). @tab:ex1 shows "
        f"the last epoch of the run with seed {base.seed} in the columns `linclf train` "
        f"prints, and its test accuracy, whose binomial standard error "
        f"$sqrt(p(1-p) \\/ n)$ over $n = {n_test}$ test images is the noise of any single "
        f"test figure; the last column gives the mean ± standard deviation over "
        f"{budget.seeds} seeds ({base.seed} to {base.seed + budget.seeds - 1}), the noise of "
        "training itself. @fig:ex1-curves shows the loss and cost curves, "
        "@fig:ex1-templates the learnt templates."
    )
    doc.table(
        ["$lambda$", "$eta$", *fmt.EPOCH_HEADERS[:-1], "test acc", f"test, {budget.seeds} seeds"],
        [
            [
                f"{lam:g}",
                f"{eta:g}",
                *fmt.epoch_cells(history[-1])[:-1],
                fmt.percent(group[0].acc),
                est.cell() if est.seeds > 1 else "–",
            ]
            for (lam, eta), history, group, est in zip(EXERCISE1, histories, scores, estimates)
        ],
        f"Exercise 1, seed {base.seed}: the last epoch (losses, costs and accuracies on the "
        "whole training and validation sets) and the test "
        f"accuracy (binomial standard error {_se_range(scores, n_test)} points); last column: "
        "mean ± standard deviation of the test accuracy over the seeds.",
        "tab:ex1",
    )
    from linclf.engine.report import figures

    doc.figure(
        figures.loss_and_cost(
            [
                (f"λ = {lam:g}, η = {eta:g}", history, lam > 0)
                for (lam, eta), history in zip(EXERCISE1, histories)
            ],
            share=(1, 2, 3),
        ),
        "ex1-curves.png",
        f"Loss (solid) and cost (dashed, $lambda > 0$ only) per epoch on the training (green) "
        f"and validation (red) sets, seed {base.seed}. The three $eta = 0.001$ panels share "
        "one y-axis, scaled from epoch 2 (the first epoch's cost with $lambda = 1$ lies "
        "above it); $eta = 0.1$ has its own.",
        "fig:ex1-curves",
    )
    doc.figure(
        figures.templates(
            [
                (f"λ = {lam:g}\nη = {eta:g}", group[0]["model"]["W"])
                for (lam, eta), group in zip(EXERCISE1, groups)
            ]
        ),
        "ex1-templates.png",
        "The rows of $W$ as $32 times 32$ colour images (each scaled to the full colour "
        f"range), one row per setting, seed {base.seed}.",
        "fig:ex1-templates",
    )
    _learning_rate(doc, base, budget, groups, histories, estimates)
    _regularisation(doc, groups, histories, estimates, n_train, n_val)


def _se_range(scores, n_test: int) -> str:
    errors = [100 * ev.binomial_se(group[0].acc, n_test) for group in scores]
    low, high = min(errors), max(errors)
    return f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}–{high:.2f}"


def _rises(history) -> int:
    return sum(b.train_cost > a.train_cost for a, b in zip(history, history[1:]))


def _learning_rate(doc, base, budget, groups, histories, estimates) -> None:
    from linclf.engine.report import figures

    high, low = histories[0], histories[1]
    window = max(2, len(high) // 2)
    colours = ("tab:red", "tab:orange", "tab:purple", "tab:brown", "tab:pink")
    series = [
        (f"η = 0.1, seed {base.seed + i}", history_of(run), colours[i % len(colours)])
        for i, run in enumerate(groups[0])
    ] + [(f"η = 0.001, seed {base.seed}", low, "tab:blue")]
    with doc.in_appendix():
        doc.heading("Further figures and tables")
        doc.figure(
            figures.validation_accuracy(series),
            "ex1-eta.png",
            "Exercise 1: validation accuracy per epoch with $eta = 0.1$ (every seed) and "
            "$eta = 0.001$ ($lambda = 0$): how much the final number depends on the epoch "
            "training stops at.",
            "fig:ex1-eta",
        )
    tail = [s.val_acc for s in low[-window:]]
    quarter = max(1, len(low) // 4)
    fall = low[-1 - quarter].train_loss - low[-1].train_loss
    norms = [float(np.linalg.norm(group[0]["model"]["W"])) for group in groups[:2]]
    change = ev.difference(estimates[1], estimates[0])
    verdict = ev.word_difference(change, "raising η from 0.001 to 0.1")
    doc.paragraph(
        "*Learning rate* (@fig:ex1-curves; @fig:ex1-eta in the appendix). "
        + plain(
            "The step size η decides whether mini-batch descent settles at all. "
            f"With η = 0.1 the training cost rose in {_rises(high)} of {len(high) - 1} "
            f"epochs (η = 0.001: {_rises(low)}) and ends at {high[-1].train_cost:.2f} although "
            f"{100 * high[-1].train_acc:.1f} % of the training images are classified right "
            f"(η = 0.001: cost {low[-1].train_cost:.2f} at {100 * low[-1].train_acc:.1f} %): "
            + (
                f"the large steps grow the weights (‖W‖ = {norms[0]:.1f} against "
                f"{norms[1]:.2f}), so the model is over-confident and its confident mistakes "
                "cost a lot. "
                if norms[0] > norms[1]
                else "the large steps keep the iterate jumping. "
            )
            + ev.stopping_sensitivity([s.val_acc for s in high], window)
            + f"; η = 0.001 moves within {100 * (max(tail) - min(tail)):.1f} points over "
            + (
                f"the same epochs, and its training loss is still falling at the last epoch "
                f"(by {fall:.3f} over the last {quarter} epochs): it has not converged. "
                if fall > 0
                else "the same epochs. "
            )
            + f"Test accuracy: {verdict.text}. "
            + (
                "Each step of size 0.1 overshoots the minimum along the directions of high "
                "curvature, so the iterate keeps jumping instead of settling: the learning rate "
                "decides whether mini-batch descent converges at all."
                if verdict.effect and change.value < 0
                else ""
            )
        )
    )


def _regularisation(doc, groups, histories, estimates, n_train: int, n_val: int) -> None:
    # Exercise 1's settings 2-4: lambda 0, 0.1, 1 at eta 0.001.
    lams, hist, est = (0.0, 0.1, 1.0), histories[1:], estimates[1:]
    gaps = [h[-1].train_acc - h[-1].val_acc for h in hist]
    losses = [h[-1].train_loss for h in hist]
    gap_se = [
        np.hypot(ev.binomial_se(h[-1].train_acc, n_train), ev.binomial_se(h[-1].val_acc, n_val))
        for h in hist
    ]
    rough = [roughness(group[0]["model"]["W"]) for group in groups[1:]]
    high_rough = roughness(groups[0][0]["model"]["W"]).mean()
    words = [
        ev.word_difference(ev.difference(est[0], e), f"raising λ from 0 to {lam:g}").text
        for lam, e in zip(lams[1:], est[1:])
    ]
    gap_text = ", ".join(f"{100 * g:.2f} ± {100 * s:.2f}" for g, s in zip(gaps, gap_se))
    train_accs = [h[-1].train_acc for h in hist]
    under_fits = train_accs[2] < train_accs[0]
    doc.paragraph(
        "*Regularisation* ($eta = 0.001$). "
        + plain(
            "λ trades over-fitting for under-fitting: it pulls the weights towards zero, so the "
            "model fits the training images less and, as long as it still fits them well "
            "enough, generalises better. Here the training accuracy goes from "
            + " to ".join(f"{100 * a:.1f}" for a in train_accs)
            + " % as λ goes from 0 to 0.1 to 1"
            + (" (λ = 1 under-fits)" if under_fits else "")
            + f". Raising λ from 0 to 0.1 to 1 moves the final training loss from "
            f"{hist[0][-1].train_loss:.3f} to {hist[1][-1].train_loss:.3f} to "
            f"{hist[2][-1].train_loss:.3f}"
            + (" (the model fits the training images less)" if _increasing(losses) else "")
            + f" and changes the train–validation accuracy gap to {gap_text} points (± binomial "
            f"s.e. of {n_train} and {n_val} images). On the test set, {words[0]}; "
            f"{words[1]}."
        )
    )
    doc.paragraph(
        "*Templates* (@fig:ex1-templates). "
        + plain(
            "Roughness r (the mean squared difference of neighbouring pixels over twice the "
            "pixel variance, averaged over the classes: 1 for pure pixel noise, 0 for a flat "
            "image): "
            f"r = {rough[0].mean():.2f}, {rough[1].mean():.2f} and {rough[2].mean():.2f} for "
            f"λ = 0, 0.1 and 1 at η = 0.001, and {high_rough:.2f} for η = 0.1. "
            + _template_words(rough, groups)
        )
    )


def _template_words(rough: list[np.ndarray], groups) -> str:
    from linclf.engine.data.splits import CLASS_NAMES
    from linclf.engine.training.model import class_templates

    smooth = int(np.argmin([r.mean() for r in rough]))
    noisy = rough[0]
    clearest = [CLASS_NAMES[i] for i in np.argsort(noisy)[:3]]
    colours: dict[str, list[str]] = {}
    for name, image in zip(CLASS_NAMES, class_templates(groups[1 + smooth][0]["model"]["W"])):
        colour = colour_name(image.reshape(-1, 3).mean(axis=0))
        if colour:
            colours.setdefault(colour, []).append(name)
    described = "; ".join(
        f"{ev.listing(names)} {colour}" + (f" ({MEANING[colour]})" if colour in MEANING else "")
        for colour, names in sorted(colours.items(), key=lambda item: -len(item[1]))
    )
    lam = (0.0, 0.1, 1.0)[smooth]
    text = (
        f"Without regularisation the templates are mostly pixel noise; only the "
        f"{ev.listing(clearest)} templates (the lowest r, {noisy.min():.2f}) show a faint "
        f"centred blob. With λ = {lam:g} they are smooth colour blobs"
    )
    return text + (f": {described}." if described else ".")


def _increasing(values: list[float]) -> bool:
    return all(b > a for a, b in zip(values, values[1:]))
