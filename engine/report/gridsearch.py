"""Exercise 2.1's grid search: the grid, extended beyond its edge while its choice sits there
(grid_edge.py decides where), and its table of validation accuracies."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from linclf.engine.config import TrainConfig
from linclf.engine.report import evidence as ev
from linclf.engine.report import grid_edge
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import Budget, Experiments, config_of
from linclf.engine.report.markup import plain
from linclf.engine.training import search


def grid(base: TrainConfig, budget: Budget) -> list[TrainConfig]:
    return search.grid(base, {"lam": budget.lams, "eta": budget.etas, "n_batch": budget.n_batches})


def grid_search(
    ex: Experiments, base: TrainConfig, budget: Budget
) -> tuple[dict, list, dict[str, float]]:
    """The grid, then single runs beyond the chosen point along each axis where it sits on
    the edge, until it is interior or budget.grid_rounds rounds were added. Returns the chosen
    run, every run, and the axes along which the choice still sits on the edge."""
    configs = grid(base, budget)
    rounds = 0
    while True:
        chosen, trials = ex.choose(configs, "Exercise 2.1 grid search")
        tried = {axis: [getattr(c, axis) for c in configs] for axis in grid_edge.AXES}
        at = {a: getattr(config_of(chosen), a) for a in tried}
        # by axis name, passed to replace as a field of any type
        beyond: dict[str, Any] = grid_edge.edges(tried, at, max_batch=ex.sizes(base)[0])
        if not beyond or rounds == budget.grid_rounds:
            return chosen, trials, beyond
        rounds += 1
        extra = [replace(config_of(chosen), **{axis: value}) for axis, value in beyond.items()]
        configs = configs + [replace(c, n_batch=int(c.n_batch)) for c in extra]


AXIS_NAMES = {"lam": "λ", "eta": "η", "n_batch": "the batch size"}


def grid_table(
    doc: Document,
    trials: list[dict],
    chosen: dict,
    on_edge: dict[str, float],
    budget: Budget,
    n_val: int,
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
    configs = [config_of(trial) for trial in trials]
    lams = sorted({c.lam for c in configs})
    columns = sorted({(c.eta, c.n_batch) for c in configs})
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
        f"The grid search (@tab:grid, in the appendix) trained {len(trials)} configurations "
        "on the spec's split with the report's seed and chose the highest validation "
        "accuracy; the test set played no part. Wherever the choice sat on the grid's edge, "
        "single runs one step beyond it were added "
        + plain(
            "until it was interior (λ = 0 is a bound, not an edge). "
            if not on_edge
            else f"for {budget.grid_rounds} round{'s' * (budget.grid_rounds > 1)}; the choice "
            "still sits on the edge along "
            f"{', '.join(AXIS_NAMES[axis] for axis in on_edge)}, so a better configuration "
            "may lie beyond the grid. "
        )
        + "The chosen configuration was then trained from the other seeds. "
        + plain(f"Against the runner-up, on {n_val} validation images, {lead}." if lead else "")
    )
    with doc.in_appendix():
        _grid_cells(doc, lams, columns, cell)


def _grid_cells(doc: Document, lams, columns, cell) -> None:
    doc.table(
        ["$lambda$", *(f'$eta = {eta:g}$, $n_"batch" = {n}$' for eta, n in columns)],
        [[f"{lam:g}", *(cell.get((lam, eta, n), "–") for eta, n in columns)] for lam in lams],
        "Exercise 2.1 grid search: validation accuracy at the last epoch; the chosen "
        "configuration in italics.",
        "tab:grid",
    )
