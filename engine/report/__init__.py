"""`linclf report`: every experiment the spec asks for, run and written up reproducibly.

The report is a list of blocks (headings, paragraphs, tables, images) rendered twice, as
Markdown and as a standalone HTML page, and rewritten after every section, so an interrupted
report still holds every section that finished. Every number in it is measured in this run.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from linclf.engine.runs import atomic_write
from linclf.engine.train import EpochStats, TrainConfig

EXERCISE1 = ((0.0, 0.1), (0.0, 0.001), (0.1, 0.001), (1.0, 0.001))  # (lam, eta)


@dataclass(frozen=True)
class Budget:
    n_epochs: int
    lams: tuple[float, ...]
    etas: tuple[float, ...]
    n_batches: tuple[int, ...]
    decay_every: int
    n_val: int  # validation images held out by the all-data split
    seeds: int  # runs averaged into the best linear model
    combined_lams: tuple[float, ...]  # the grid of the combined (all data + flips + decay) model
    combined_etas: tuple[float, ...]


FULL = Budget(
    40,
    (0.0, 0.001, 0.01, 0.1),
    (0.001, 0.005, 0.01),
    (50, 100),
    10,
    1000,
    4,
    (0.0, 0.002, 0.01),
    (0.005, 0.01),
)
QUICK = Budget(3, (0.0, 0.01), (0.001, 0.01), (100,), 1, 100, 2, (0.0, 0.01), (0.01,))


# ----------------------------------------------------------------- experiments (in workers)


def run_experiment(config_dict: dict, data_dir: str) -> dict:
    """Train one configuration and measure it on the test set: history, final weights, test
    accuracy, and the probability of the true class per test image. Runs in a worker."""
    from linclf.engine.plots import true_class_probabilities
    from linclf.engine.search import worker_data
    from linclf.engine.train import Training
    from threadpoolctl import threadpool_limits

    config = TrainConfig.from_dict(config_dict)
    data = worker_data(data_dir, config, with_test=True)
    with threadpool_limits(1):
        training = Training(data, config)
        history = training.run()
        p_true, correct = true_class_probabilities(
            training.net, data.test.X, data.test.y, config.head
        )
    return {
        "config": config.to_dict(),
        "status": training.status,
        "history": [s.to_dict() for s in history],
        "test_acc": training.test_accuracy(),
        "W": training.net["W"],
        "b": training.net["b"],
        "p_true": p_true,
        "correct": correct,
    }


def evaluate_weights(net: dict, config_dict: dict, data_dir: str) -> dict:
    """Validation and test accuracy of given weights on the data of config. Runs in a worker
    (where that data is usually cached already)."""
    from linclf.engine.search import worker_data
    from linclf.engine.train import evaluate

    config = TrainConfig.from_dict(config_dict)
    data = worker_data(data_dir, config, with_test=True)
    return {
        split: evaluate(net, getattr(data, split), 0.0, config.head)[2] for split in ("val", "test")
    }


def _history(result: dict) -> list[EpochStats]:
    return [EpochStats(**row) for row in result["history"]]


# ------------------------------------------------------------------------ rendering
class Document:
    """Blocks of the report, written as report.md and report.html in folder."""

    def __init__(self, folder: Path, title: str):
        self.folder = folder
        self.title = title
        self.blocks: list[tuple[str, object]] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append((f"h{level}", text))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(("table", (header, rows)))

    def image(self, name: str, alt: str) -> None:
        self.blocks.append(("img", (name, alt)))

    def figure(self, fig, name: str, alt: str) -> None:
        from linclf.engine.plots import save_figure

        save_figure(fig, self.folder / name)
        self.image(name, alt)

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for kind, content in self.blocks:
            if kind.startswith("h"):
                out += ["#" * int(kind[1]) + " " + content, ""]
            elif kind == "p":
                out += [content, ""]
            elif kind == "table":
                header, rows = content
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "---|" * len(header))
                out += ["| " + " | ".join(row) + " |" for row in rows]
                out.append("")
            elif kind == "img":
                name, alt = content
                out += [f"![{alt}]({name})", ""]
        return "\n".join(out)

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        for kind, content in self.blocks:
            if kind.startswith("h"):
                body.append(f"<{kind}>{html.escape(content)}</{kind}>")
            elif kind == "p":
                body.append(f"<p>{html.escape(content)}</p>")
            elif kind == "table":
                header, rows = content
                head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
                cells = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                    for row in rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
            elif kind == "img":
                name, alt = content
                body.append(f'<p><img src="{html.escape(name)}" alt="{html.escape(alt)}"></p>')
        style = (
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
            "text-align:right}img{max-width:100%}"
        )
        return (
            f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>"
            f"{html.escape(self.title)}</title><style>{style}</style></head><body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )

    def write(self) -> None:
        atomic_write(self.folder / "report.md", self.markdown().encode())
        atomic_write(self.folder / "report.html", self.html().encode())


def _pct(value: float) -> str:
    return f"{100 * value:.2f} %"


def _gap(history: list[EpochStats]) -> float:
    return history[-1].train_acc - history[-1].val_acc


def _roughness(W: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels of the [0, 1]-scaled templates:
    a measured stand-in for 'how noisy the class templates look'."""
    from linclf.engine.plots import class_templates

    images = class_templates(W)
    return float(
        np.mean(np.abs(np.diff(images, axis=1))) + np.mean(np.abs(np.diff(images, axis=2)))
    )


def _increases(history: list[EpochStats]) -> int:
    return sum(b.train_cost > a.train_cost for a, b in zip(history, history[1:]))


# ------------------------------------------------------------------------- the report
class Report:
    def __init__(
        self,
        data_dir: Path,
        folder: Path,
        executor: Executor,
        seed: int = 42,
        quick: bool = False,
        log: Callable[[str], None] = print,
    ):
        self.data_dir = str(data_dir)
        self.folder = Path(folder)
        self.executor = executor
        self.seed = seed
        self.quick = quick
        self.budget = QUICK if quick else FULL
        self.log = log
        title = "DD2424 Assignment 1: linclf report" + (" (quick budget)" if quick else "")
        self.doc = Document(self.folder, title)
        self.base = TrainConfig(n_epochs=self.budget.n_epochs, seed=seed, n_val=self.budget.n_val)

    def _run_all(self, configs: list[TrainConfig], what: str) -> list[dict]:
        self.log(f"{what}: {len(configs)} run(s)…")
        futures = [
            self.executor.submit(run_experiment, c.to_dict(), self.data_dir) for c in configs
        ]
        return [future.result() for future in futures]

    def build(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        self.doc.paragraph(
            f"Data: {self.data_dir}. Seed {self.seed}; {self.budget.n_epochs} epochs per run"
            f"{' (quick budget: numbers are not comparable with the spec)' if self.quick else ''}."
            " Every number below was measured by this run of `linclf report`."
        )
        for section in (self.exercise1, self.gradient_check, self.exercise21, self.exercise22):
            section()
            self.doc.write()
        self.doc.paragraph(f"Report built in {time.perf_counter() - started:.0f} s.")
        self.doc.write()

    # ------------------------------------------------------------------ Exercise 1
    def exercise1(self) -> None:
        configs = [replace(self.base, lam=lam, eta=eta) for lam, eta in EXERCISE1]
        results = self._run_all(configs, "Exercise 1")
        self.exercise1_results = results
        doc = self.doc
        doc.heading("Exercise 1: the four required settings")
        rows = []
        for (lam, eta), result in zip(EXERCISE1, results):
            history = _history(result)
            rows.append(
                [
                    f"{lam:g}",
                    f"{eta:g}",
                    str(len(history)),
                    f"{history[-1].train_cost:.4f}",
                    f"{history[-1].val_cost:.4f}",
                    _pct(result["test_acc"]),
                    f"{_roughness(result['W']):.4f}",
                ]
            )
        doc.table(
            [
                "lam",
                "eta",
                "epochs",
                "final train cost",
                "final val cost",
                "test accuracy",
                "template roughness",
            ],
            rows,
        )
        from linclf.engine.plots import curves_figure, templates_figure

        for (lam, eta), result in zip(EXERCISE1, results):
            tag = f"lam{lam:g}-eta{eta:g}"
            doc.heading(f"lam = {lam:g}, eta = {eta:g}", 3)
            doc.figure(
                curves_figure(_history(result), f"(lam={lam:g}, eta={eta:g})"),
                f"ex1-curves-{tag}.png",
                f"loss and cost, lam={lam:g}, eta={eta:g}",
            )
            doc.figure(
                templates_figure(result["W"]),
                f"ex1-templates-{tag}.png",
                f"class templates, lam={lam:g}, eta={eta:g}",
            )
        doc.paragraph(self._exercise1_comment(results))

    def _exercise1_comment(self, results: list[dict]) -> str:
        high, low, mid, strong = results
        h_high, h_low = _history(high), _history(low)
        text = [
            f"Learning rate: with eta = 0.1 the training cost rose in {_increases(h_high)} of "
            f"{len(h_high) - 1} epochs and ended at {h_high[-1].train_cost:.3f}, against "
            f"{_increases(h_low)} rises and {h_low[-1].train_cost:.3f} for eta = 0.001; test "
            f"accuracy {_pct(high['test_acc'])} against {_pct(low['test_acc'])}. "
            + (
                "Too large a step makes mini-batch descent jump around the minimum instead of "
                "settling into it."
                if high["test_acc"] < low["test_acc"]
                else "Here the larger step did not hurt the final accuracy."
            )
        ]
        gaps = [_gap(_history(r)) for r in (low, mid, strong)]
        accs = [r["test_acc"] for r in (low, mid, strong)]
        rough = [_roughness(r["W"]) for r in (low, mid, strong)]
        text.append(
            f"Regularisation (eta = 0.001): raising lam from 0 to 0.1 to 1 changes the "
            f"train-validation accuracy gap from {100 * gaps[0]:.2f} to {100 * gaps[1]:.2f} to "
            f"{100 * gaps[2]:.2f} points, the test accuracy from {_pct(accs[0])} to "
            f"{_pct(accs[1])} to {_pct(accs[2])}, and the template roughness from {rough[0]:.4f} "
            f"to {rough[1]:.4f} to {rough[2]:.4f}"
            + (
                ": stronger regularisation gives smoother templates and less over-fitting"
                if rough[2] < rough[0] and gaps[2] < gaps[0]
                else ""
            )
            + (", at the price of accuracy once lam is large." if accs[2] < max(accs) else ".")
        )
        return " ".join(text)

    # ----------------------------------------------------------- gradient check
    def gradient_check(self) -> None:
        from linclf.engine import gradcheck
        from linclf.engine.data import training_sample

        self.log("Gradient check…")
        X, y = training_sample(self.data_dir, 100)
        results = gradcheck.run_checks(X, y)
        self.doc.heading("Gradient check against PyTorch autograd")
        self.doc.table(
            [*gradcheck.CASE_COLUMNS, "max rel err W", "max rel err b", "result"],
            [
                [
                    *r.case_cells(),
                    f"{r.max_rel_err_W:.2e}",
                    f"{r.max_rel_err_b:.2e}",
                    "pass" if r.passed else "FAIL",
                ]
                for r in results
            ],
        )
        passed = sum(r.passed for r in results)
        self.doc.paragraph(
            f"{passed} of {len(results)} cases pass (float64 below {gradcheck.TOL_FLOAT64:g}, "
            f"float32 below {gradcheck.TOL_FLOAT32:g}): the analytic gradients of both heads "
            "match autograd."
        )

    # ------------------------------------------------------------- Exercise 2.1
    def _grid(self, configs: list[TrainConfig], what: str) -> tuple[TrainConfig, int]:
        """Run configs as search trials (validation only); the best one and the trial count."""
        from linclf.engine import search as grid_search

        self.log(f"{what}: {len(configs)} trial(s)…")
        futures = [
            self.executor.submit(grid_search.run_trial, c.to_dict(), self.data_dir) for c in configs
        ]
        rows = [future.result() for future in futures]
        chosen = grid_search.best(rows)
        if chosen is None:
            raise RuntimeError(f"{what}: no trial completed")
        return grid_search.config_of(chosen, configs[0]), len(rows)

    def exercise21(self) -> None:
        from linclf.engine import search as grid_search

        budget, base = self.budget, self.base
        chosen, trials = self._grid(
            grid_search.grid(base, budget.lams, budget.etas, budget.n_batches),
            "Exercise 2.1 grid search",
        )
        decay = dict(decay_every=budget.decay_every, decay_factor=0.1)
        # The combination gets a grid of its own: lam and eta chosen for 10 000 images do not
        # carry over to 49 000 flipped images with a decaying step.
        combined_base = replace(base, split="all", flip=True, **decay)
        combined, combined_trials = self._grid(
            grid_search.grid(combined_base, budget.combined_lams, budget.combined_etas, [100]),
            "Exercise 2.1 grid for the combination",
        )
        variants = {
            "baseline (spec: data_batch_1, lam 0, eta 0.001)": base,
            "all training data (1000 held out)": replace(base, split="all"),
            "horizontal flips": replace(base, flip=True),
            f"grid search (chosen: lam {chosen.lam:g}, eta {chosen.eta:g}, "
            f"n_batch {chosen.n_batch})": chosen,
            f"step decay (eta 0.01, x0.1 every {budget.decay_every} epochs)": replace(
                base, eta=0.01, **decay
            ),
            f"all combined (all data, flips, step decay; grid-chosen lam {combined.lam:g}, "
            f"eta {combined.eta:g})": combined,
        }
        results = self._run_all(list(variants.values()), "Exercise 2.1")
        baseline = results[0]["test_acc"]
        doc = self.doc
        doc.heading("Exercise 2.1: improvements")
        doc.paragraph(
            f"Grid search over lam {list(budget.lams)}, eta {list(budget.etas)}, n_batch "
            f"{list(budget.n_batches)} ({trials} trials); the combination has its own grid over "
            f"lam {list(budget.combined_lams)} and eta {list(budget.combined_etas)} "
            f"({combined_trials} trials). Both chose on validation accuracy only; the test set "
            "was evaluated once, for each chosen configuration."
        )
        table = []
        for (name, _), result in zip(variants.items(), results):
            gain = result["test_acc"] - baseline
            table.append([name, _pct(result["test_acc"]), f"{100 * gain:+.2f}"])
        doc.table(["variant", "test accuracy", "gain (points)"], table)
        singles = list(zip(variants, results))[1:-1]
        name, best_single = max(singles, key=lambda item: item[1]["test_acc"])
        combined_acc = results[-1]["test_acc"]
        doc.paragraph(
            f"The largest single gain comes from {name}: "
            f"{100 * (best_single['test_acc'] - baseline):+.2f} points. All combined reach "
            f"{_pct(combined_acc)} ({100 * (combined_acc - baseline):+.2f} points over the "
            "baseline)."
        )
        self.best_linear_model(combined, results[-1])

    def best_linear_model(self, config: TrainConfig, first: dict) -> None:
        """The combined configuration from several seeds, the weights averaged, then made
        symmetric under a horizontal flip. Both steps keep one linear layer on the pixels:
        averaging weights averages the scores, and (W + W P)/2, with P the flip permutation,
        scores an image and its mirror image alike (the average of the two scores)."""
        from linclf.engine.data import flip_indices

        seeds = [config.seed + i for i in range(1, self.budget.seeds)]
        results = [first] + self._run_all(
            [replace(config, seed=s) for s in seeds], "Best linear model"
        )
        average = {k: np.mean([r[k] for r in results], axis=0) for k in ("W", "b")}
        flip = flip_indices()
        symmetric = {"W": (average["W"] + average["W"][:, flip]) / 2, "b": average["b"]}
        futures = [
            self.executor.submit(evaluate_weights, net, config.to_dict(), self.data_dir)
            for net in ({"W": first["W"], "b": first["b"]}, average, symmetric)
        ]
        single, averaged, symmetrised = (f.result() for f in futures)
        doc = self.doc
        doc.heading("Best linear model", 3)
        doc.paragraph(
            f"The combined configuration trained from {len(results)} seeds; the weights are "
            "averaged, then symmetrised under a horizontal flip. Both steps keep a single "
            "linear layer on the pixels at test time."
        )
        doc.table(
            ["model", "validation accuracy", "test accuracy"],
            [
                [f"one run (seed {config.seed})", _pct(single["val"]), _pct(single["test"])],
                [
                    f"weights averaged over {len(results)} seeds",
                    _pct(averaged["val"]),
                    _pct(averaged["test"]),
                ],
                [
                    "averaged and flip-symmetric",
                    _pct(symmetrised["val"]),
                    _pct(symmetrised["test"]),
                ],
            ],
        )

    # ------------------------------------------------------------- Exercise 2.2
    def exercise22(self) -> None:
        softmax = replace(self.base, head="softmax")
        sigmoid = replace(self.base, head="sigmoid", eta=0.01)
        results = self._run_all([softmax, sigmoid], "Exercise 2.2")
        doc = self.doc
        doc.heading("Exercise 2.2: sigmoid + multiple binary cross-entropy")
        doc.paragraph(
            "With p = sigmoid(s) element-wise and l = -(1/K) sum_k [(1 - y_k) log(1 - p_k) + "
            "y_k log p_k], the gradient is dl/ds = (p - y) / K: the softmax expression p - y "
            "divided by K, so the code changes only by that factor (and the learning rate is "
            "raised 10x, to 0.01, to make up for it)."
        )
        rows = []
        for name, result in zip(("softmax + cross-entropy", "sigmoid + multiple BCE"), results):
            history = _history(result)
            last = history[-1]
            rows.append(
                [
                    name,
                    f"{result['config']['eta']:g}",
                    _pct(result["test_acc"]),
                    f"{last.train_loss:.4f}",
                    f"{last.val_loss:.4f}",
                    f"{100 * _gap(history):.2f}",
                ]
            )
        doc.table(
            [
                "head",
                "eta",
                "test accuracy",
                "final train loss",
                "final val loss",
                "train-val accuracy gap (points)",
            ],
            rows,
        )
        from linclf.engine.plots import histogram_figure, side_by_side_curves

        doc.figure(
            side_by_side_curves(
                [("softmax + CE", _history(results[0])), ("sigmoid + BCE", _history(results[1]))]
            ),
            "ex22-curves.png",
            "training and validation loss, both heads",
        )
        for head, result in zip(("softmax", "sigmoid"), results):
            doc.figure(
                histogram_figure(result["p_true"], result["correct"], head),
                f"ex22-histograms-{head}.png",
                f"true-class probability, {head}",
            )
        gaps = [_gap(_history(r)) for r in results]
        means = [
            (
                float(np.mean(r["p_true"][r["correct"]])) if r["correct"].any() else math.nan,
                float(np.mean(r["p_true"][~r["correct"]])) if (~r["correct"]).any() else math.nan,
            )
            for r in results
        ]
        less = "less" if gaps[1] < gaps[0] else "more"
        doc.paragraph(
            f"Over-fitting, measured as the final train-validation accuracy gap: "
            f"{100 * gaps[0]:.2f} points with softmax, {100 * gaps[1]:.2f} with sigmoid + BCE, "
            f"so the sigmoid head over-fits {less}. Mean probability of the true class on "
            f"correctly / incorrectly classified test images: softmax {means[0][0]:.3f} / "
            f"{means[0][1]:.3f}, sigmoid {means[1][0]:.3f} / {means[1][1]:.3f}."
        )
