"""Exercise 2.1 as a report section: each improvement alone at matched settings, every variant
from several seeds, the final model chosen on validation only and tested once."""

from __future__ import annotations

from dataclasses import replace

from linclf.engine import search
from linclf.engine.config import TrainConfig
from linclf.engine.report import evidence as ev
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import Budget, Experiments, config_of, seeded
from linclf.engine.report.final_model import final_model
from linclf.engine.report.markup import plain

BASELINE = "baseline"
CONTROL = "control"  # a row that isolates a confound, not an improvement


def variants(base: TrainConfig, budget: Budget, ex: Experiments) -> dict[str, TrainConfig]:
    """Each improvement alone, everything else as in the baseline. All data trains for the
    epochs that give the baseline's number of update steps (the spec warns that more steps
    alone raise accuracy); step decay runs at the baseline's η and at the larger η it needs,
    beside that larger η without decay, so the decay itself can be told from the step size."""
    all_data = replace(base, split="all")
    decay = {"decay_every": budget.decay_every, "decay_factor": 0.1}
    return {
        BASELINE: base,
        "all training data": replace(
            all_data, n_epochs=ex.matched_epochs(all_data, ex.steps(base))
        ),
        "horizontal flips (p = 0.5)": replace(base, flip=True),
        f"step decay from η = {base.eta:g}": replace(base, **decay),
        f"η = {budget.decay_eta:g}, constant": replace(base, eta=budget.decay_eta),
        f"step decay from η = {budget.decay_eta:g}": replace(base, eta=budget.decay_eta, **decay),
    }


def grid(base: TrainConfig, budget: Budget) -> list[TrainConfig]:
    return search.grid(base, {"lam": budget.lams, "eta": budget.etas, "n_batch": budget.n_batches})


def combined_candidates(base: TrainConfig, budget: Budget) -> list[TrainConfig]:
    """Every improvement at once: all data, flips, step decay; η chosen on validation."""
    together = replace(
        base,
        split="all",
        flip=True,
        n_epochs=budget.combined_epochs,
        decay_every=budget.combined_decay_every,
        decay_factor=0.1,
    )
    return [replace(together, eta=eta) for eta in budget.combined_etas]


def planned(base: TrainConfig, budget: Budget, ex: Experiments) -> list[TrainConfig]:
    """The runs known before any has finished, cheapest first."""
    singles = [c for v in variants(base, budget, ex).values() for c in seeded(v, budget.seeds)]
    return singles + grid(base, budget) + combined_candidates(base, budget)


def _images(config: TrainConfig, ex: Experiments) -> str:
    return f"{ex.sizes(config)[0]:,}".replace(",", " ")


def exercise21(doc: Document, ex: Experiments, base: TrainConfig, budget: Budget) -> None:
    chosen, trials = ex.choose(grid(base, budget), "Exercise 2.1 grid search")
    chosen_config = config_of(chosen)
    combined, candidates = ex.choose(
        combined_candidates(base, budget), "Exercise 2.1 all improvements together"
    )
    rows = dict(variants(base, budget, ex))
    rows["grid search (chosen on validation)"] = chosen_config
    rows["all together"] = config_of(combined)
    every = ex.results(
        [c for config in rows.values() for c in seeded(config, budget.seeds)], "Exercise 2.1"
    )
    runs = {name: every[i * budget.seeds : (i + 1) * budget.seeds] for i, name in enumerate(rows)}
    n_test = ex.test(runs[BASELINE][0]).correct.size
    estimates = {
        name: ev.tested([ex.test(run).correct for run in group]) for name, group in runs.items()
    }
    gains = {name: ev.difference(estimates[BASELINE], e) for name, e in estimates.items()}
    doc.heading("Exercise 2.1: improvements, each alone at matched settings")
    doc.paragraph(
        f"Each improvement is added alone to the baseline (the spec's setting: "
        f"$lambda = {base.lam:g}$, $eta = {base.eta:g}$, {base.n_batch} images a batch, "
        f"{base.n_epochs} epochs), everything else unchanged, and every variant is trained "
        f"from {budget.seeds} seeds. @tab:improvements states the update steps of each row: "
        "all training data trains for the epochs that give the baseline's number of steps, "
        "since more steps alone raise accuracy. Step decay multiplies $eta$ by 0.1 every "
        f"{budget.decay_every} epochs; at the baseline's $eta$ it shrinks the steps, so it "
        f"also runs from $eta = {budget.decay_eta:g}$, beside that $eta$ without decay (a "
        "control row). The standard error of a gain combines the seed-to-seed spread of both "
        "variants with the sampling error of the test set, paired: both are scored on the "
        "same images, so only the images on which they disagree carry that noise. A gain is "
        "called an effect only when it exceeds $t_(0.975)$ standard errors (Welch's degrees "
        "of freedom, at least 2); otherwise it is within noise."
    )
    doc.table(
        ["variant", "train images", "epochs", "steps", "test accuracy", "gain (points)", "verdict"],
        [
            [
                plain(name),
                _images(config, ex),
                str(config.n_epochs),
                f"{ex.steps(config):,}".replace(",", " "),
                estimates[name].cell(),
                "–" if name == BASELINE else gains[name].cell(),
                "–"
                if name == BASELINE
                else ("effect" if gains[name].is_effect else "within noise")
                + (f" ({CONTROL})" if "constant" in name else ""),
            ]
            for name, config in rows.items()
        ],
        f"Exercise 2.1, test accuracy as mean ± standard deviation over {budget.seeds} seeds "
        f"({n_test} test images each); gain over the baseline ± its standard error.",
        "tab:improvements",
    )
    improvements = {
        name: gain
        for name, gain in gains.items()
        if name not in (BASELINE, "all together") and "constant" not in name
    }
    names = list(rows)
    decay_high, constant_high = names[5], names[4]
    decay_alone = ev.difference(estimates[constant_high], estimates[decay_high])
    doc.paragraph(
        plain(
            ev.largest_gain(improvements)
            + " Step decay itself, at the same starting η: "
            + ev.word_difference(decay_alone, f"decay from η = {budget.decay_eta:g}").text
            + f". All improvements together ({_together_words(rows['all together'])}, "
            f"{ex.steps(rows['all together'])} update steps against the baseline's "
            f"{ex.steps(base)}): "
            + ev.word_difference(gains["all together"], "combining them").text
            + "."
        )
    )
    _grid_table(doc, trials, chosen, budget, ex.sizes(chosen_config)[1])
    final_model(doc, ex, runs["all together"], candidates, n_test)


def _together_words(config: TrainConfig) -> str:
    return (
        f"all data, flips, η = {config.eta:g} decayed every {config.decay_every} epochs, "
        f"{config.n_epochs} epochs"
    )


def _grid_table(
    doc: Document, trials: list[dict], chosen: dict, budget: Budget, n_val: int
) -> None:
    """The grid's validation accuracies: λ down, (η, n_batch) across; the choice marked."""
    cell = {}
    for trial in trials:
        config = config_of(trial)
        if trial["status"] == "completed":
            text = f"{100 * trial['history'][-1]['val_acc']:.2f} %"
        else:
            text = trial["status"]
        cell[(config.lam, config.eta, config.n_batch)] = f"*{text}*" if trial is chosen else text
    columns = [(eta, n_batch) for eta in budget.etas for n_batch in budget.n_batches]
    accuracies = sorted(
        (t["history"][-1]["val_acc"] for t in trials if t["status"] == "completed"), reverse=True
    )
    lead = (
        ev.word_difference(
            ev.difference(ev.accuracy(accuracies[1], n_val), ev.accuracy(accuracies[0], n_val)),
            "the chosen configuration",
            "validation accuracy",
        ).text
        if len(accuracies) > 1
        else ""
    )
    doc.paragraph(
        f"The grid search trained {len(trials)} configurations on the spec's split with the "
        "report's seed and chose the highest validation accuracy (@tab:grid); the test set "
        "played no part. The chosen configuration was then trained from the other seeds. "
        + plain(f"Against the runner-up, on {n_val} validation images, {lead}." if lead else "")
    )
    doc.table(
        ["$lambda$", *(f'$eta = {eta:g}$, $n_"batch" = {n}$' for eta, n in columns)],
        [
            [f"{lam:g}", *(cell.get((lam, eta, n), "–") for eta, n in columns)]
            for lam in budget.lams
        ],
        "Exercise 2.1 grid search: validation accuracy at the last epoch; the chosen "
        "configuration in italics.",
        "tab:grid",
    )
