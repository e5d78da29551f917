"""Exercise 2.1's final model: candidates built from the runs of the combined configuration,
one chosen on validation accuracy only, and that one tested once."""

from __future__ import annotations

import numpy as np

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


def final_model(
    doc: Document, ex: Experiments, runs: list[dict], tried: list[dict], n_test: int
) -> None:
    config = config_of(runs[0])
    named = candidates(runs)
    accuracies = ex.validate([model for _, model in named], config)
    # The first of equal accuracies wins: the simpler model, earlier in the list.
    pick = max(range(len(named)), key=lambda i: (accuracies[i], -i))
    name, model = named[pick]
    test = ex.score(model, config).acc
    n_val = ex.sizes(config)[1]
    runner_up = max((a for i, a in enumerate(accuracies) if i != pick), default=accuracies[pick])
    margin = ev.difference(ev.accuracy(runner_up, n_val), ev.accuracy(accuracies[pick], n_val))
    doc.heading("The final model", 3)
    doc.paragraph(
        plain(
            (
                f"The combination's λ was chosen among "
                f"{', '.join(f'λ = {config_of(r).lam:g}' for r in tried)} on validation "
                f"accuracy (seed {config_of(tried[0]).seed}). "
                if len(tried) > 1
                else f"The combination has λ = {config.lam:g} (this budget tries no other). "
            )
            + "With it, the final model is chosen among these "
            f"candidates: each seed's trained model; the weights averaged over the "
            f"{len(runs)} seeds (W and b averaged: since the scores are linear in W and b, this "
            "is exactly the model whose scores are the average of the seeds' scores); and that "
            "average made flip-symmetric, W(I + F)/2 with F the permutation that mirrors an "
            "image, which scores an image as the mean of the scores of the image and its "
            "mirror (test-time flipping folded into the weights). Every candidate is one "
            "matrix and one bias applied to the normalised pixels, itself an affine map of the "
            "raw pixels: all are linear classifiers in the pixels. "
        )
        + "@tab:final"
        + plain(
            f" lists them; the choice is by validation accuracy alone, on the {n_val} held-out "
            "training images, and only the chosen one is scored on the test set."
        )
    )
    doc.table(
        ["candidate", f"validation ({n_val} images)", "test"],
        [
            [
                plain(label),
                f"{100 * accuracy:.2f} %",
                ev.accuracy(test, n_test).cell() if i == pick else "not tested",
            ]
            for i, ((label, _), accuracy) in enumerate(zip(named, accuracies))
        ],
        "Exercise 2.1: the final model's candidates (all improvements together); the "
        "chosen one is the only one tested (± binomial standard error).",
        "tab:final",
    )
    doc.numbers["final_model"] = {
        "config": config.to_dict(),
        "candidate": name,
        "val_acc": accuracies[pick],
        "test_acc": test,
        "n_val": n_val,
        "n_test": n_test,
        "candidates": {label: acc for (label, _), acc in zip(named, accuracies)},
    }
    doc.paragraph(
        plain(
            f"Chosen: {name}, validation {100 * accuracies[pick]:.2f} %, test "
            f"{ev.accuracy(test, n_test).text()}. Its lead over the runner-up on validation, "
            f"{100 * margin.value:.2f} ± {100 * margin.se:.2f} points, is "
            + ("beyond" if margin.is_effect else "within")
            + f" the noise of {n_val} validation images"
            + (
                "."
                if margin.is_effect
                else ", so the candidates are equally good as far as validation can tell; "
                "the choice rule (highest validation accuracy) was fixed before any test "
                "score was seen."
            )
        )
    )
    _curves_and_templates(doc, runs[0], model)


def _curves_and_templates(doc: Document, run: dict, model: dict) -> None:
    from matplotlib.figure import Figure

    from linclf.engine.report import figures
    from linclf.engine.report.experiments import history_of

    history = history_of(run)
    config = config_of(run)
    fig: Figure = figures.loss_and_cost([(f"seed {config.seed}", history, config.lam > 0)])
    doc.paragraph(
        "Its class templates are in @fig:final-templates; the loss per epoch of its "
        f"configuration (seed {config.seed}), with $eta$ cut ×0.1 after epoch "
        f"{config.decay_every}, is in @fig:final-curves in the appendix."
    )
    doc.figure(
        figures.templates([("chosen", model["W"])]),
        "final-templates.png",
        "The chosen final model's templates (rows of $W$).",
        "fig:final-templates",
    )
    with doc.in_appendix():
        doc.figure(
            fig,
            "final-curves.png",
            f"The final configuration, seed {config.seed}: training (green) and validation "
            f"(red) loss per epoch; $eta$ drops ×0.1 after epoch {config.decay_every}.",
            "fig:final-curves",
        )
