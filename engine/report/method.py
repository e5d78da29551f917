"""The model and its training as the spec states them (eqs. (1)-(9)): the equations the
sections refer to."""

from __future__ import annotations

from linclf.engine.report.document import Document


def model_equations(doc: Document) -> None:
    doc.heading("The model and its training")
    doc.paragraph(
        "An image $bold(x) in RR^d$ ($d = 3072$, normalised with the training mean and "
        "standard deviation of each dimension) is scored and classified as in @eq:model; the "
        "parameters minimise the cost $J$ of @eq:cost over the training set $cal(D)$ by "
        "mini-batch gradient descent, @eq:update, each mini-batch $cal(B)$ drawn in order "
        "from a fresh permutation of the training set every epoch. $W$ starts as "
        "$0.01 dot cal(N)(0, 1)$ entries, $bold(b)$ at zero, drawn from one seeded generator "
        "in the spec's order."
    )
    doc.equation(
        "bold(s) = W bold(x) + bold(b), quad bold(p) = exp(bold(s)) / (bold(1)^T exp(bold(s))),"
        ' quad k^* = op("arg max")_k p_k',
        "eq:model",
    )
    doc.equation(
        "J(cal(D), lambda, W, bold(b)) = 1/abs(cal(D)) sum_((bold(x), y) in cal(D)) "
        "-log p_y + lambda sum_(i j) W_(i j)^2",
        "eq:cost",
    )
    doc.equation(
        "W <- W - eta (partial J(cal(B), lambda, W, bold(b)))/(partial W), quad "
        "bold(b) <- bold(b) - eta (partial J(cal(B), lambda, W, bold(b)))/(partial bold(b))",
        "eq:update",
    )
    doc.paragraph(
        "The loss is the mean of $-log p_y$ alone, the cost adds $lambda sum W_(i j)^2$; for "
        "$lambda = 0$ the two coincide. Accuracy is the share of images with $k^* = y$."
    )
