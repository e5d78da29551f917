"""Exercise 2.1 as a report section: each improvement alone at matched settings, every variant
from several seeds, the final model chosen on validation only and tested once."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from linclf.engine.config import TrainConfig
from linclf.engine.report import evidence as ev
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import Budget, Experiments, config_of, seeded
from linclf.engine.report.final_model import final_model
from linclf.engine.report.gridsearch import grid, grid_search, grid_table
from linclf.engine.report.markup import plain


@dataclass(frozen=True)
class Variant:
    """A row of the improvements table, chosen by its key, never by its label's text."""

    label: str
    config: TrainConfig
    control: bool = False  # a row that isolates a confound, not an improvement


def variants(base: TrainConfig, budget: Budget, ex: Experiments) -> dict[str, Variant]:
    """Each improvement alone, everything else as in the baseline, at the baseline's update
    steps (the spec warns that more steps alone raise accuracy): all data trains for the
    epochs that give them. Step decay runs at the baseline's η and at the larger η it needs,
    beside that larger η without decay (a control), so decay can be told from step size."""
    all_data = replace(base, split="all")

    def decayed(config: TrainConfig) -> TrainConfig:
        return replace(config, decay_every=budget.decay_every, decay_factor=0.1)

    return {
        "baseline": Variant("baseline", base),
        "all_data": Variant(
            "all training data",
            replace(all_data, n_epochs=ex.matched_epochs(all_data, ex.steps(base))),
        ),
        "flip": Variant("horizontal flips (p = 0.5)", replace(base, flip=True)),
        "whiten": Variant(
            f"partial ZCA whitening (ε = {budget.whiten:g})", replace(base, whiten=budget.whiten)
        ),
        "decay_low": Variant(f"step decay from η = {base.eta:g}", decayed(base)),
        "constant_high": Variant(
            f"η = {budget.decay_eta:g}, constant", replace(base, eta=budget.decay_eta), True
        ),
        "decay_high": Variant(
            f"step decay from η = {budget.decay_eta:g}",
            decayed(replace(base, eta=budget.decay_eta)),
        ),
    }


def steps_control(base: TrainConfig, ex: Experiments, steps: int) -> Variant:
    """The baseline trained for about steps update steps: what more steps alone give."""
    epochs = ex.matched_epochs(base, steps)
    return Variant(f"baseline, {epochs} epochs", replace(base, n_epochs=epochs), True)


def combined_candidates(base: TrainConfig, budget: Budget) -> list[TrainConfig]:
    """Every improvement at once: all data, flips, whitening, η = budget.combined_etas[0]
    decayed ×0.1 once, for the last third of the epochs (one decay: a second one changed
    validation accuracy by less than 0.1 point in our trials); λ chosen on validation."""
    together = replace(
        base,
        split="all",
        flip=True,
        whiten=budget.whiten,
        eta=budget.combined_etas[0],
        n_epochs=budget.combined_epochs,
        decay_every=budget.combined_decay_every,
        decay_factor=0.1,
    )
    return [replace(together, lam=lam) for lam in budget.combined_lams]


def planned(base: TrainConfig, budget: Budget, ex: Experiments) -> list[TrainConfig]:
    """The runs known before any has finished, cheapest first."""
    singles = [
        c for v in variants(base, budget, ex).values() for c in seeded(v.config, budget.seeds)
    ]
    return singles + grid(base, budget) + combined_candidates(base, budget)


def _images(config: TrainConfig, ex: Experiments) -> str:
    return f"{ex.sizes(config)[0]:,}".replace(",", " ")


def exercise21(doc: Document, ex: Experiments, base: TrainConfig, budget: Budget) -> None:
    chosen, trials, on_edge = grid_search(ex, base, budget)
    combined, candidates = ex.choose(
        combined_candidates(base, budget), "Exercise 2.1 all improvements together", by_loss=True
    )
    rows = dict(variants(base, budget, ex))
    rows["grid"] = Variant("grid search (chosen on validation)", config_of(chosen))
    if ex.steps(config_of(chosen)) != ex.steps(base):
        rows["grid_steps"] = steps_control(base, ex, ex.steps(config_of(chosen)))
    rows["together"] = Variant("all together", config_of(combined))
    rows["together_plain"] = Variant(
        "all together, no whitening", replace(config_of(combined), whiten=0.0), True
    )
    rows["together_steps"] = steps_control(base, ex, ex.steps(config_of(combined)))
    every = ex.results(
        [c for row in rows.values() for c in seeded(row.config, budget.seeds)], "Exercise 2.1"
    )
    runs = {key: every[i * budget.seeds : (i + 1) * budget.seeds] for i, key in enumerate(rows)}
    n_test = ex.test(runs["baseline"][0]).correct.size
    estimates = {
        key: ev.tested([ex.test(run).correct for run in group]) for key, group in runs.items()
    }
    gains = {key: ev.difference(estimates["baseline"], e) for key, e in estimates.items()}
    gaps = {
        key: float(
            np.mean(
                [run["history"][-1]["train_acc"] - run["history"][-1]["val_acc"] for run in group]
            )
        )
        for key, group in runs.items()
    }
    doc.heading("Exercise 2.1: improvements")
    doc.paragraph(
        f"Each improvement is added alone to the baseline (the spec's setting: "
        f"$lambda = {base.lam:g}$, $eta = {base.eta:g}$, {base.n_batch} images a batch, "
        f"{base.n_epochs} epochs), everything else unchanged, from {budget.seeds} seeds. "
        + plain(_steps_words(rows, ex, base))
        + " Step decay multiplies "
        f"$eta$ by 0.1 every {budget.decay_every} epochs; from the baseline's $eta$ it only "
        f"shrinks the steps, so it also runs from $eta = {budget.decay_eta:g}$, beside that "
        "$eta$ without decay (a control)."
    )
    doc.table(
        ["variant", "images", "steps", "test accuracy", "gain (points)", "train − val"],
        [
            [
                plain(row.label) + (" *(control)*" if row.control else ""),
                _images(row.config, ex),
                f"{ex.steps(row.config):,}".replace(",", " "),
                estimates[key].cell(),
                "–" if key == "baseline" else gains[key].cell(),
                f"{100 * gaps[key]:.2f}",
            ]
            for key, row in rows.items()
        ],
        f"Exercise 2.1: test accuracy, mean ± standard deviation over {budget.seeds} seeds "
        f"({n_test} test images each); gain over the baseline ± its standard error (seed "
        "spread of both and the paired sampling error of the test images on which they "
        "disagree; a gain beyond $t_(0.975)$ standard errors is an effect); the "
        "train–validation accuracy gap at the last epoch (points, mean over the seeds).",
        "tab:improvements",
    )
    improvements = {
        row.label: gains[key]
        for key, row in rows.items()
        if key not in ("baseline", "together") and not row.control
    }
    decay_alone = ev.difference(estimates["constant_high"], estimates["decay_high"])
    against_steps = ev.difference(estimates["together_steps"], estimates["together"])
    whitening = ev.difference(estimates["together_plain"], estimates["together"])
    doc.paragraph(
        plain(
            ev.largest_gain(improvements)
            + " Step decay itself, at the same starting η: "
            + ev.word_difference(decay_alone, f"decay from η = {budget.decay_eta:g}").text
            + ". "
            + _gap_words("Flipping", gaps["flip"], gaps["baseline"])
            + " "
            + _gap_words("Whitening, with λ = 0,", gaps["whiten"], gaps["baseline"])
            + f" Their combination ({_together_words(rows['together'].config)}), against the "
            "baseline trained for as many steps: "
            + ev.word_difference(against_steps, "it").text
            + ". Set against the same configuration without whitening, "
            + ev.word_difference(whitening, "whitening").text
            + "."
        )
    )
    grid_table(doc, trials, chosen, on_edge, budget, ex.sizes(config_of(chosen))[1])
    doc.numbers["exercise21"] = {
        key: {
            "label": row.label,
            "config": row.config.to_dict(),
            "steps": ex.steps(row.config),
            "test_acc": estimates[key].value,
            "test_acc_std": estimates[key].spread,
            "gain": gains[key].value,
            "gain_se": gains[key].se,
            "train_val_gap": gaps[key],
        }
        for key, row in rows.items()
    }
    final_model(doc, ex, runs["together"], candidates, n_test)


def _steps_words(rows: dict[str, Variant], ex: Experiments, base: TrainConfig) -> str:
    """Which rows train for the baseline's update steps, and how the others are controlled:
    a row with more steps has a control row (key + "_steps") or is named as having none."""
    steps = ex.steps(base)
    differ = [key for key, row in rows.items() if ex.steps(row.config) != steps]
    # whole epochs of another training set: the nearest count, within 5 %
    near = [key for key in differ if abs(ex.steps(rows[key].config) - steps) <= 0.05 * steps]
    other = [key for key in differ if key not in near and not rows[key].control]
    text = f"Every row trains for the baseline's {steps} update steps" + (
        " (or the nearest whole number of epochs: "
        + ev.listing([f"{rows[key].label}, {ex.steps(rows[key].config)}" for key in near])
        + ")"
        if near
        else ""
    )
    if not other:
        return text + "."
    named = [f"{rows[key].label}, with {ex.steps(rows[key].config)}" for key in other]
    text += " except " + ev.listing(named) + "."
    controlled = [rows[key].label for key in other if f"{key}_steps" in rows]
    if controlled:
        text += (
            f" Below {ev.listing(controlled)}, a control row trains the baseline for as many "
            "steps, so what more steps alone give can be told from the improvement."
        )
    bare = [rows[key].label for key in other if f"{key}_steps" not in rows]
    if bare:
        text += (
            f" {ev.listing(bare).capitalize()} has no such control: its gain mixes the "
            "improvement with the different number of steps."
        )
    return text


def _gap_words(subject: str, gap: float, baseline_gap: float) -> str:
    """Whether a variant over-fits less than the baseline, by the train–validation gap."""
    verdict = "reduced" if gap < baseline_gap else "did not reduce"
    return (
        f"{subject} {verdict} over-fitting: its train–validation gap is {100 * gap:.2f} "
        f"points against the baseline's {100 * baseline_gap:.2f}."
    )


def _together_words(config: TrainConfig) -> str:
    return (
        f"all data, flips, whitening with ε = {config.whiten:g}, λ = {config.lam:g}, "
        f"η = {config.eta:g} decayed ×0.1 after epoch {config.decay_every}, "
        f"{config.n_epochs} epochs"
    )
