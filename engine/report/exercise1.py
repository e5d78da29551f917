"""Exercise 1 (the four required settings) and the gradient check, as report sections."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from linclf.engine import format as fmt
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import Experiments, history_of
from linclf.engine.train import EpochStats

EXERCISE1 = ((0.0, 0.1), (0.0, 0.001), (0.1, 0.001), (1.0, 0.001))  # (lam, eta)


def gap(history: list[EpochStats]) -> float:
    """The final train-validation accuracy gap."""
    return history[-1].train_acc - history[-1].val_acc


def roughness(W: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels of the [0, 1]-scaled templates:
    a measured stand-in for 'how noisy the class templates look'."""
    from linclf.engine.model import class_templates

    images = class_templates(W)
    return float(
        np.mean(np.abs(np.diff(images, axis=1))) + np.mean(np.abs(np.diff(images, axis=2)))
    )


def _increases(history: list[EpochStats]) -> int:
    return sum(b.train_cost > a.train_cost for a, b in zip(history, history[1:]))


def exercise1(doc: Document, experiments: Experiments, base) -> None:
    configs = [replace(base, lam=lam, eta=eta) for lam, eta in EXERCISE1]
    results = experiments.run(configs, "Exercise 1")
    doc.heading("Exercise 1: the four required settings")
    doc.paragraph("The last epoch of each run, in the columns `linclf train` prints:")
    doc.table(
        ["lam", "eta", *fmt.EPOCH_HEADERS, "test accuracy", "template roughness"],
        [
            [
                f"{lam:g}",
                f"{eta:g}",
                *fmt.epoch_cells(history_of(result)[-1]),
                fmt.percent(result["test"]["acc"]),
                f"{roughness(result['model']['W']):.4f}",
            ]
            for (lam, eta), result in zip(EXERCISE1, results)
        ],
    )
    from linclf.engine.plots import curves_figure, templates_figure

    for (lam, eta), result in zip(EXERCISE1, results):
        tag = f"lam{lam:g}-eta{eta:g}"
        doc.heading(f"lam = {lam:g}, eta = {eta:g}", 3)
        doc.figure(
            curves_figure(history_of(result), f"(lam={lam:g}, eta={eta:g})"),
            f"ex1-curves-{tag}.png",
            f"loss and cost, lam={lam:g}, eta={eta:g}",
        )
        doc.figure(
            templates_figure(result["model"]["W"]),
            f"ex1-templates-{tag}.png",
            f"class templates, lam={lam:g}, eta={eta:g}",
        )
    doc.paragraph(_comment(results))


def _comment(results: list[dict]) -> str:
    high, low, mid, strong = results
    h_high, h_low = history_of(high), history_of(low)
    acc = {id(r): r["test"]["acc"] for r in results}
    text = [
        f"Learning rate: with eta = 0.1 the training cost rose in {_increases(h_high)} of "
        f"{len(h_high) - 1} epochs and ended at {h_high[-1].train_cost:.3f}, against "
        f"{_increases(h_low)} rises and {h_low[-1].train_cost:.3f} for eta = 0.001; test "
        f"accuracy {fmt.percent(acc[id(high)])} against {fmt.percent(acc[id(low)])}. "
        + (
            "Too large a step makes mini-batch descent jump around the minimum instead of "
            "settling into it."
            if acc[id(high)] < acc[id(low)]
            else "Here the larger step did not hurt the final accuracy."
        )
    ]
    gaps = [gap(history_of(r)) for r in (low, mid, strong)]
    accs = [acc[id(r)] for r in (low, mid, strong)]
    rough = [roughness(r["model"]["W"]) for r in (low, mid, strong)]
    text.append(
        f"Regularisation (eta = 0.001): raising lam from 0 to 0.1 to 1 changes the "
        f"train-validation accuracy gap from {100 * gaps[0]:.2f} to {100 * gaps[1]:.2f} to "
        f"{100 * gaps[2]:.2f} points, the test accuracy from {fmt.percent(accs[0])} to "
        f"{fmt.percent(accs[1])} to {fmt.percent(accs[2])}, and the template roughness from "
        f"{rough[0]:.4f} to {rough[1]:.4f} to {rough[2]:.4f}"
        + (
            ": stronger regularisation gives smoother templates and less over-fitting"
            if rough[2] < rough[0] and gaps[2] < gaps[0]
            else ""
        )
        + (", at the price of accuracy once lam is large." if accs[2] < max(accs) else ".")
    )
    return " ".join(text)


def gradient_check(doc: Document, data_dir: str, log) -> None:
    from linclf.engine import gradcheck
    from linclf.engine.data import training_sample

    log("Gradient check…")
    X, y = training_sample(data_dir, 100)
    results = gradcheck.run_checks(X, y)
    doc.heading("Gradient check against PyTorch autograd")
    doc.table(list(fmt.CHECK_HEADERS), [list(fmt.check_cells(r)) for r in results])
    passed = sum(r.passed for r in results)
    doc.paragraph(
        f"{passed} of {len(results)} cases pass (float64 below {gradcheck.TOL_FLOAT64:g}, "
        f"float32 below {gradcheck.TOL_FLOAT32:g}): the analytic gradients of both heads "
        "match autograd."
    )
