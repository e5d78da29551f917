"""The engine's analytic gradients against PyTorch autograd (the spec's ComputeGradsWithTorch).

torch is imported here and nowhere else in the engine, and only when a check runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from linclf.engine.data.splits import K
from linclf.engine.training import model

TOL_FLOAT64 = 1e-8
# float32 carries about 7 significant digits (unit roundoff 6e-8 against 1.1e-16). A gradient
# entry is a sum over the batch of products that partly cancel, and the entry much smaller
# than its terms keeps fewer correct digits: in float64 the full-size cases already reach a
# max relative error near 5e-12, i.e. about 4e4 times the unit roundoff; the same factor on
# float32's roundoff gives about 3e-3. 1e-2 leaves room for that, while a wrong formula (a
# missing factor 2 on the λ term, a missing 1/K) gives relative errors of 0.1 and more.
TOL_FLOAT32 = 1e-2
EPS = 1e-30
# The float32 cases judge an entry far below the gradient's scale against a floor instead of
# its own size: such an entry is a sum of terms that cancel almost exactly, and in float32 its
# relative error measures the summation order, not the formula (seen here: an entry of 1.2e-8
# in a gradient whose largest entry is 3e-2 had a relative error of 0.04 with one OpenBLAS
# build and 1e-3 with another). The floor is the spec's eps scaled to the gradient: entries
# below FLOOR_FLOAT32 times the largest reference entry count as if they were that large.
FLOOR_FLOAT32 = 1e-4


@dataclass(frozen=True)
class CheckCase:
    name: str
    head: str
    lam: float
    d: int
    n: int
    dtype: str = "float64"


@dataclass(frozen=True)
class CheckResult:
    name: str
    head: str
    lam: float
    d: int
    n: int
    dtype: str
    max_abs_err_W: float
    max_abs_err_b: float
    max_rel_err_W: float
    max_rel_err_b: float
    tol: float
    passed: bool

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_CASES = (
    CheckCase("spec", "softmax", 0.0, 10, 3),
    CheckCase("regularised", "softmax", 0.5, 10, 3),
    CheckCase("bce", "sigmoid", 0.0, 10, 3),
    CheckCase("bce regularised", "sigmoid", 0.5, 10, 3),
    CheckCase("full", "softmax", 0.1, 3072, 100),
    CheckCase("full bce", "sigmoid", 0.1, 3072, 100),
    CheckCase("full float32", "softmax", 0.1, 3072, 100, "float32"),
    CheckCase("full bce float32", "sigmoid", 0.1, 3072, 100, "float32"),
)

Backward = Callable[..., dict]


def torch_gradients(X: np.ndarray, y: np.ndarray, net: dict, lam: float, head: str) -> dict:
    """Gradients of the cost J (eq. 5 with eq. 6, or with eq. 14) by autograd, in float64."""
    import torch

    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float64))
    W = torch.tensor(net["W"], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(net["b"], dtype=torch.float64, requires_grad=True)
    S = W @ Xt + b
    labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
    if head == "softmax":
        loss = -torch.log_softmax(S, dim=0)[labels, torch.arange(S.shape[1])].mean()
    else:
        Y = torch.nn.functional.one_hot(labels, S.shape[0]).T.to(torch.float64)
        # eq. (14) averaged over the K classes and the batch
        loss = torch.nn.functional.binary_cross_entropy_with_logits(S, Y, reduction="mean")
    cost = loss + lam * torch.sum(W * W)
    cost.backward()
    assert W.grad is not None and b.grad is not None  # backward() filled them
    return {"W": W.grad.numpy(), "b": b.grad.numpy()}


def relative_error(analytic: np.ndarray, numeric: np.ndarray, eps: float = EPS) -> np.ndarray:
    """|g_a − g_n| / max(eps, |g_a| + |g_n|), element-wise (the spec's measure)."""
    analytic = analytic.astype(np.float64)
    return np.abs(analytic - numeric) / np.maximum(eps, np.abs(analytic) + np.abs(numeric))


def denominator_floor(case: CheckCase, reference: np.ndarray) -> float:
    """The eps of the relative error: the spec's tiny constant in float64, a floor scaled to the
    gradient in float32 (see FLOOR_FLOAT32)."""
    if case.dtype == "float64":
        return EPS
    return max(EPS, FLOOR_FLOAT32 * float(np.max(np.abs(reference))))


def check_case(
    case: CheckCase,
    X: np.ndarray,
    y: np.ndarray,
    seed: int = 42,
    tol: float | None = None,
    backward: Backward | None = None,
) -> CheckResult:
    """Compare the engine's gradients (in case.dtype) with autograd's on X[:d, :n]."""
    backward = backward or model.backward_pass
    tol = tol if tol is not None else (TOL_FLOAT64 if case.dtype == "float64" else TOL_FLOAT32)
    dtype = np.float32 if case.dtype == "float32" else np.float64
    X_small = np.asfortranarray(X[: case.d, : case.n], dtype=dtype)
    y_small = np.asarray(y[: case.n])
    net = model.init_network(np.random.default_rng(seed), K, case.d, dtype)
    Y_small = np.eye(K, dtype=dtype)[:, y_small]
    P = model.apply_network(X_small, net, case.head)
    analytic = backward(X_small, Y_small, P, net, case.lam, case.head)
    # The reference sees exactly the values the engine saw, upcast to float64.
    numeric = torch_gradients(X_small, y_small, net, case.lam, case.head)
    abs_err = {k: float(np.max(np.abs(analytic[k].astype(np.float64) - numeric[k]))) for k in "Wb"}
    rel_err = {
        k: float(
            np.max(relative_error(analytic[k], numeric[k], denominator_floor(case, numeric[k])))
        )
        for k in "Wb"
    }
    passed = all(np.isfinite(v) and v < tol for v in rel_err.values())
    return CheckResult(
        case.name,
        case.head,
        case.lam,
        case.d,
        case.n,
        case.dtype,
        abs_err["W"],
        abs_err["b"],
        rel_err["W"],
        rel_err["b"],
        tol,
        passed,
    )


def synthetic_inputs(seed: int = 0, d: int = 3072, n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Normalised-looking inputs for when no dataset is at hand."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d, n)), rng.integers(0, K, size=n)


def run_checks(
    X: np.ndarray,
    y: np.ndarray,
    cases=DEFAULT_CASES,
    tol: float | None = None,
    tol32: float | None = None,
    backward: Backward | None = None,
) -> list[CheckResult]:
    """Every case; tol overrides the float64 threshold, tol32 the float32 one."""
    results = []
    for case in cases:
        case_tol = tol if case.dtype == "float64" else tol32
        results.append(check_case(case, X, y, tol=case_tol, backward=backward))
    return results
