"""Exercise 2.1's final model: candidates built from the runs of the combined configuration,
one chosen on validation accuracy only, and that one tested once."""

from __future__ import annotations

import numpy as np

from linclf.engine.records import EpochStats
from linclf.engine.report import evidence as ev
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import Experiments, config_of
from linclf.engine.report.markup import plain


def candidates(runs: list[dict]) -> list[tuple[str, dict]]:
    """Each seed's model; their weights averaged (one linear layer whose scores are the
    average of theirs); and that average made symmetric under a horizontal flip, (W + W F)/2
    with F the flip permutation, which scores an image and its mirror image alike."""
    from linclf.engine.training.augment import flip_indices

    models = [run["model"] for run in runs]
    average = {**models[0], **{k: np.mean([m[k] for m in models], axis=0) for k in ("W", "b")}}
    flip = flip_indices()
    symmetric = {**average, "W": (average["W"] + average["W"][:, flip]) / 2}
    named = [(f"one run, seed {config_of(run).seed}", run["model"]) for run in runs]
    if len(models) > 1:
        named.append((f"weights averaged over {len(models)} seeds", average))
    named.append(("averaged, flip-symmetric" if len(models) > 1 else "flip-symmetric", symmetric))
    return named


def lowest_loss(figures: list[tuple[float, float]]) -> int:
    """The candidate with the lowest validation loss; the first of equal ones, the simpler."""
    return min(range(len(figures)), key=lambda i: (figures[i][0], i))


def _last(run: dict) -> str:
    last = run["history"][-1]
    return f"λ = {config_of(run).lam:g}: loss {last['val_loss']:.4f}, {100 * last['val_acc']:.1f} %"


def final_model(
    doc: Document, ex: Experiments, runs: list[dict], tried: list[dict], n_test: int
) -> None:
    config = config_of(runs[0])
    named = candidates(runs)
    figures = ex.validate([model for _, model in named], config)
    pick = lowest_loss(figures)
    name, model = named[pick]
    test = ex.score(model, config).acc
    n_val = ex.sizes(config)[1]
    doc.heading("The final model", 3)
    doc.paragraph(
        plain(
            f"Choices here are by validation loss (cross-entropy), not accuracy: on {n_val} "
            f"images an accuracy has a standard error of "
            f"{100 * ev.binomial_se(0.42, n_val):.1f} points, more than the differences "
            "sought, while the loss varies far less and rewards the same thing. "
            + (
                f"The combination's λ was chosen so, on seed {config_of(tried[0]).seed} "
                f"({'; '.join(_last(r) for r in tried)}). "
                if len(tried) > 1
                else f"The combination has λ = {config.lam:g} (this budget tries no other). "
            )
            + "The candidates: each seed's model; the weights averaged over the "
            f"{len(runs)} seeds (the scores are linear in W and b, so this model's scores are "
            "the average of the seeds' scores); and that average made flip-symmetric, "
            "W(I + F)/2 with F the permutation that mirrors an image (test-time flipping "
            "folded into the weights). "
            + (
                "The runs train on whitened images Z x, and each W is kept as W Z, a matrix "
                "on the normalised pixels x. "
                if config.whiten
                else ""
            )
            + "Each candidate is one matrix and one bias on the normalised pixels, an affine "
            "map of the raw pixels: all are linear classifiers in the pixels. "
        )
        + "@tab:final"
        + plain(
            f" lists them, with their loss and accuracy on the {n_val} validation images; "
            "only the chosen one is scored on the test set."
        )
    )
    doc.table(
        ["candidate", "validation loss", f"validation accuracy ({n_val} images)", "test"],
        [
            [
                plain(label),
                f"{loss:.4f}",
                f"{100 * accuracy:.2f} %",
                ev.accuracy(test, n_test).cell() if i == pick else "not tested",
            ]
            for i, ((label, _), (loss, accuracy)) in enumerate(zip(named, figures))
        ],
        "Exercise 2.1: the final model's candidates (all improvements together); the "
        "chosen one (lowest validation loss) is the only one tested (± binomial standard "
        "error).",
        "tab:final",
    )
    doc.numbers["final_model"] = {
        "config": config.to_dict(),
        "candidate": name,
        "val_loss": figures[pick][0],
        "val_acc": figures[pick][1],
        "test_acc": test,
        "n_val": n_val,
        "n_test": n_test,
        "candidates": {
            label: {"val_loss": f[0], "val_acc": f[1]} for (label, _), f in zip(named, figures)
        },
    }
    doc.paragraph(
        plain(
            f"Chosen: {name}, validation loss {figures[pick][0]:.4f} and accuracy "
            f"{100 * figures[pick][1]:.2f} %; test accuracy {ev.accuracy(test, n_test).text()}."
        )
    )
    _curves_and_templates(doc, runs[0], model)


def decay_words(history: list[EpochStats], decay_every: int) -> str:
    """Whether the epochs of a one-step decay are spent well: the training cost at the full η
    just before the cut, the cut's first epoch, and what the epochs after that one still
    take off, as a share of the cost's whole fall since the first epoch."""
    if not 2 <= decay_every < len(history) - 1:
        return ""
    costs = [h.train_cost for h in history]
    before = costs[decay_every - 2] - costs[decay_every - 1]
    first = costs[decay_every - 1] - costs[decay_every]
    later = costs[decay_every] - costs[-1]
    share = later / (costs[0] - costs[-1]) if costs[0] > costs[-1] else 0.0
    n_later = len(history) - decay_every - 1
    at_full = (
        f"fell by {before:.4f}"
        if before > 0
        else f"had stopped falling (it changed by {-before:+.4f}), a plateau where the cut is due,"
    )
    text = (
        f"In epoch {decay_every}, the last at the full η, the training cost {at_full} and "
        f"the first epoch after the cut took off {first:.4f}; the {n_later} epochs after that "
        f"took off {later:.4f} more, {100 * share:.1f} % of the cost's fall since epoch 1. "
    )
    if share < 0.05:
        return text + "They add little: a schedule shorter by those epochs would lose little."
    return text + "They still take off a real part of the cost: they are not wasted."


def _curves_and_templates(doc: Document, run: dict, model: dict) -> None:
    from matplotlib.figure import Figure

    from linclf.engine.report import figures
    from linclf.engine.report.experiments import history_of

    history = history_of(run)
    config = config_of(run)
    fig: Figure = figures.loss_and_cost([(f"seed {config.seed}", history, config.lam > 0)])
    doc.paragraph(
        "Its class templates (@fig:final-templates) and the loss per epoch of its "
        f"configuration (seed {config.seed}, @fig:final-curves), with $eta$ cut ×0.1 after "
        f"epoch {config.decay_every}, are in the appendix. "
        + plain(decay_words(history, config.decay_every))
    )
    with doc.in_appendix():
        doc.figure(
            figures.templates([("chosen", model["W"])]),
            "final-templates.png",
            "The chosen final model's templates (rows of $W$).",
            "fig:final-templates",
        )
        doc.figure(
            fig,
            "final-curves.png",
            f"The final configuration, seed {config.seed}: training (green) and validation "
            f"(red) loss per epoch; $eta$ drops ×0.1 after epoch {config.decay_every}.",
            "fig:final-curves",
        )
