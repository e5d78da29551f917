"""The gradient check as a report section: method, inputs, formula, errors, tolerances and why
float32 is judged differently, in prose beside the table `linclf check` prints."""

from __future__ import annotations

from linclf.engine import format as fmt
from linclf.engine.report.document import Document
from linclf.engine.report.markup import plain

UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24}


def _wrong_lambda_term(X, Y, P, net, lam, head="softmax"):
    """The backward pass with the λ term's factor 2 left out: the check must catch it."""
    from linclf.engine.training.model import backward_pass

    grads = backward_pass(X, Y, P, net, lam, head)
    grads["W"] = grads["W"] - lam * net["W"]
    return grads


def run_checks(data_dir: str) -> tuple[list, object]:
    """Every case of `linclf check` on the first training images, and the first regularised
    small case with a deliberately wrong backward pass. Runs in a worker, so torch loads
    there while the report's process draws figures."""
    from linclf.engine.data.splits import training_sample
    from linclf.engine.training import gradcheck

    n = max(case.n for case in gradcheck.DEFAULT_CASES)
    X, y = training_sample(data_dir, n)
    regularised = next(c for c in gradcheck.DEFAULT_CASES if c.lam and c.d < 100)
    wrong = gradcheck.check_case(regularised, X, y, backward=_wrong_lambda_term)
    return gradcheck.run_checks(X, y), wrong


def gradient_check(doc: Document, checks, log) -> None:
    """The section, from the future of run_checks."""
    from linclf.engine.training import gradcheck

    log("Gradient check…")
    results, wrong = checks.result()
    doc.paragraph(
        plain(_verdict(results, wrong, gradcheck))
        + " The inputs, the error measure and every case's errors are in the appendix "
        "(@tab:gradcheck)."
    )
    with doc.in_appendix():
        doc.heading("Gradient check: method and errors")
        _details(doc, results, gradcheck)
    argument = _float32_argument(results, gradcheck)
    if argument:
        with doc.in_appendix():
            doc.paragraph("*Why float32 has a looser tolerance.* " + argument)
    doc.numbers["gradient_check"] = [
        {
            "case": r.name,
            "dtype": r.dtype,
            "passed": bool(r.passed),
            "max_rel_err_W": r.max_rel_err_W,
            "max_rel_err_b": r.max_rel_err_b,
        }
        for r in results
    ]


def _details(doc: Document, results, gradcheck) -> None:
    small = sorted({(c.d, c.n) for c in gradcheck.DEFAULT_CASES})
    lams = sorted({c.lam for c in gradcheck.DEFAULT_CASES})
    doc.paragraph(
        "The analytic gradients of the cost $J$ (@eq:cost, through eqs. (10)–(11) of the "
        "spec) are compared with PyTorch autograd, which differentiates the same cost "
        "(the spec's `ComputeGradsWithTorch`, extended by the $lambda$ term and by the "
        "multiple binary cross-entropy of Exercise 2.2). "
        + plain(
            "Inputs: the first n images of data_batch_1, normalised with the training mean "
            "and standard deviation as in training, cut to their first d dimensions: "
            + " and ".join(f"(d, n) = ({d}, {k})" for d, k in small)
            + f"; λ ∈ {{{', '.join(f'{lam:g}' for lam in lams)}}}. "
        )
        + "$W$ is drawn as in training, $W_(i j) tilde 0.01 dot cal(N)(0, 1)$ from seed 42, "
        "with $bold(b) = bold(0)$. Autograd always works in float64 on exactly the values "
        "the engine saw (a float32 case's inputs and weights are upcast), so the reference "
        "adds no error of its own. Per entry, the absolute error $abs(g_a - g_n)$ (the spec's "
        "first test: below $10^(-6)$) and the relative error of @eq:relerr are computed; "
        "@tab:gradcheck shows the largest of each over all entries."
    )
    doc.equation(
        'e_"rel" = abs(g_a - g_n) / max(epsilon, abs(g_a) + abs(g_n)), quad '
        'epsilon = cases(10^(-30) & "float64", '
        '10^(-4) dot max_(i j) abs(g_(n, i j)) & "float32")',
        "eq:relerr",
    )
    doc.table(
        list(fmt.CHECK_HEADERS),
        [list(fmt.check_cells(r)) for r in results],
        "Largest absolute and relative errors over all entries of $partial J \\/ partial W$ "
        "and $partial J \\/ partial bold(b)$; a case passes when both relative errors are "
        "below its tolerance.",
        "tab:gradcheck",
    )


def spec_reference(doc: Document, history, test_acc: float, config, comparable: bool) -> bool:
    """The spec's own figures (the training cost after epoch 1, 1.972, and the test accuracy
    after 40 epochs, 39.13 %, both for λ = 0, η = 0.001, n_batch 100, seed 42) beside this
    run's; True when both match to the spec's printed digits."""
    cost = history[0].train_cost
    matched = comparable and f"{cost:.3f}" == "1.972" and f"{100 * test_acc:.2f}" == "39.13"
    doc.numbers["spec_reference"] = {
        "first_epoch_train_cost": cost,
        "test_acc": test_acc,
        "spec_first_epoch_train_cost": 1.972,
        "spec_test_acc": 0.3913,
        "matched": matched,
    }
    setting = (
        f"λ = {config.lam:g}, η = {config.eta:g}, {config.n_batch} images a batch, seed "
        f"{config.seed}, {config.n_epochs} epochs"
    )
    if matched:
        verdict = (
            "Both match the spec's own figures, 1.972 and 39.13 %, to every digit the spec "
            "prints: the data, the initialisation, the shuffling and the update are the "
            "spec's, not only equivalent to them."
        )
    elif comparable:
        verdict = "They differ from the spec's 1.972 and 39.13 %: something is not as specified."
    else:
        verdict = "This budget is not the spec's (40 epochs, seed 42), so they cannot be compared."
    doc.paragraph(
        plain(
            f"Second, the spec's reference run ({setting}): the training cost after the "
            f"first epoch is {cost:.4f} and the test accuracy after the last "
            f"{100 * test_acc:.2f} %. {verdict}"
        )
    )
    return matched


def _verdict(results, wrong, gradcheck) -> str:
    passed = sum(r.passed for r in results)
    largest_abs = max(max(r.max_abs_err_W, r.max_abs_err_b) for r in results)
    float64 = [r for r in results if r.dtype == "float64"]
    rel64 = max(max(r.max_rel_err_W, r.max_rel_err_b) for r in float64)
    text = (
        f"{passed} of {len(results)} cases pass. The largest absolute error of any case is "
        f"{largest_abs:.1e}"
        + (" (below the spec's 1e-6)" if largest_abs < 1e-6 else " (above the spec's 1e-6)")
        + f" and the largest float64 relative error {rel64:.1e}, against a tolerance of "
        f"{gradcheck.TOL_FLOAT64:g}"
    )
    text += (
        ": the analytic gradients of both heads are correct."
        if passed == len(results)
        else ": the failing cases above need attention."
    )
    return text + (
        f" The check can fail: the same code with the λ term's factor 2 left out gives a "
        f"relative error of {wrong.max_rel_err_W:.2f} on ∂J/∂W in case {wrong.name!r} "
        f"(λ = {wrong.lam:g}), {'failing' if not wrong.passed else 'yet passing'} it."
    )


def _round(value: float) -> str:
    """value to one significant digit, written out: 48 649 -> '50 000'."""
    return f"{float(f'{value:.1g}'):,.0f}".replace(",", " ")


def _float32_argument(results, gradcheck) -> str:
    full64 = [r for r in results if r.dtype == "float64" and r.d > 100]
    full32 = [r for r in results if r.dtype == "float32"]
    if not full64 or not full32:
        return ""
    rel64 = max(max(r.max_rel_err_W, r.max_rel_err_b) for r in full64)
    rel32 = max(max(r.max_rel_err_W, r.max_rel_err_b) for r in full32)
    factor = rel64 / UNIT_ROUNDOFF["float64"]
    text = (
        f"Why float32 is held to {gradcheck.TOL_FLOAT32:g} and not {gradcheck.TOL_FLOAT64:g}: "
        f"float32 keeps about 7 significant digits (unit roundoff "
        f"{UNIT_ROUNDOFF['float32']:.1e}, against {UNIT_ROUNDOFF['float64']:.1e} in float64). "
        f"A gradient entry is a sum over the batch of products that partly cancel, and it "
        f"keeps fewer correct digits the more they cancel: the full-size float64 cases "
        f"reach a relative error of {rel64:.1e}, about {_round(factor)} times their unit "
        "roundoff; "
        f"the same factor on float32's roundoff predicts "
        f"{factor * UNIT_ROUNDOFF['float32']:.0e}, and the float32 cases measure {rel32:.1e}. "
        "That prediction "
        + (
            f"exceeds the tolerance {gradcheck.TOL_FLOAT32:g}, so the relative error alone "
            "would not be a fair test in float32; the floor on ε described next is what keeps it"
            if factor * UNIT_ROUNDOFF["float32"] > gradcheck.TOL_FLOAT32
            else f"lies below the tolerance {gradcheck.TOL_FLOAT32:g}"
        )
        + ", while a wrong formula (the missing factor 2 above, a missing 1/K) gives 0.1 and "
        "more. An entry far below the gradient's scale is the "
        "result of almost complete cancellation, and its relative error then measures the "
        "summation order of the BLAS library rather than the formula (an entry of 1.2e-8 in "
        "a gradient whose largest entry is 3e-2 gave 0.04 with one OpenBLAS build and 1e-3 "
        "with another). So in float32 the ε of "
    )
    rest = (
        f" is not tiny but {gradcheck.FLOOR_FLOAT32:g} times the largest entry: entries below "
        "that floor are judged by their absolute error relative to the gradient's scale, "
        "larger ones by their own size."
    )
    return plain(text) + "@eq:relerr" + plain(rest)
