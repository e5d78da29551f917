"""The one-layer classifier as equations (1)–(14) of the spec, vectorised over a batch.

Shapes follow the spec: X is d×n, W is K×d, b is K×1, S and P are K×n, Y is K×n one-hot.
Two heads: "softmax" (softmax + cross-entropy, Exercise 1) and "sigmoid" (element-wise
sigmoid + multiple binary cross-entropy averaged over the K classes, Exercise 2.2).
"""

from __future__ import annotations

import numpy as np


def init_network(rng: np.random.Generator, K: int, d: int, dtype=np.float64) -> dict:
    """W = 0.01·N(0, 1) drawn first from rng, then b = 0 (the spec's initialisation)."""
    W = 0.01 * rng.standard_normal(size=(K, d))
    return {"W": W.astype(dtype, copy=False), "b": np.zeros((K, 1), dtype=dtype)}


# scores() lays a K×n result out sample-major (an n×K array, transposed) for up to this many
# columns, class-major (K×n) above: OpenBLAS runs the sample-major product of a mini-batch
# about 1.5x faster. The layout also fixes the order in which a softmax sums over the K
# classes, so a buffer that stands in for scores()'s result must keep it (score_buffer).
SAMPLE_MAJOR_MAX = 1000


def score_buffer(K: int, n: int, dtype) -> np.ndarray:
    """An uninitialised K×n array laid out as scores() lays out n columns."""
    if n <= SAMPLE_MAJOR_MAX:
        return np.empty((n, K), dtype=dtype).T
    return np.empty((K, n), dtype=dtype)


def scores(X: np.ndarray, net: dict, out: np.ndarray | None = None) -> np.ndarray:
    """Eq. (1): S = W X + b, into out when given (K×n columns of a score_buffer). OpenBLAS
    sums each float64 score over d in the same order whatever the columns around it, so
    scoring a split chunk by chunk into one buffer gives the bits of scoring it whole."""
    W = net["W"]
    if out is None:
        out = score_buffer(W.shape[0], X.shape[1], np.result_type(W, X))
    if out.strides[0] < out.strides[1]:  # sample-major
        np.matmul(X.T, W.T, out=out.T)
    else:
        np.matmul(W, X, out=out)
    out += net["b"]
    return out


def softmax(S: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Eq. (3), column-wise, with the column max subtracted so exp never overflows; into out
    when given (S itself is allowed)."""
    E = np.subtract(S, S.max(axis=0, keepdims=True), out=out)
    np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E


def sigmoid(S: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Eq. (12), element-wise, as exp(-log(1 + exp(-s))) so no exp overflows; into out when
    given (S itself is allowed)."""
    Z = np.negative(S, out=out)
    np.logaddexp(0.0, Z, out=Z)
    np.negative(Z, out=Z)
    return np.exp(Z, out=Z)


def probabilities(S: np.ndarray, head: str, out: np.ndarray | None = None) -> np.ndarray:
    """Eq. (2) or (13): P from the scores (into out when given; S itself is allowed)."""
    return softmax(S, out) if head == "softmax" else sigmoid(S, out)


def apply_network(X: np.ndarray, net: dict, head: str = "softmax") -> np.ndarray:
    """The spec's ApplyNetwork: P (K×n) for the images in the columns of X."""
    return probabilities(scores(X, net), head)


def loss_from_scores(S: np.ndarray, y: np.ndarray, head: str = "softmax") -> float:
    """Mean of eq. (6) or eq. (14) over the columns, from the scores, in log space so that a
    confident wrong prediction gives a large finite loss instead of log(0)."""
    n = y.size
    if head == "softmax":
        top = S.max(axis=0)
        log_norm = top + np.log(np.exp(S - top).sum(axis=0))
        return float(np.mean(log_norm - S[y, np.arange(n)]))
    # -[y log p + (1 - y) log(1 - p)] = log(1 + e^-s) for y = 1, log(1 + e^s) for y = 0
    signed = S.copy()
    signed[y, np.arange(n)] *= -1
    return float(np.logaddexp(0.0, signed).sum() / (S.shape[0] * n))


def compute_loss(P: np.ndarray, y: np.ndarray, head: str = "softmax") -> float:
    """The spec's ComputeLoss from P; a probability that rounded to 0 or 1 is clipped to the
    smallest positive float so the logs stay finite."""
    n = y.size
    tiny = np.finfo(P.dtype).tiny
    p_true = P[y, np.arange(n)]
    if head == "softmax":
        return float(-np.mean(np.log(np.maximum(p_true, tiny))))
    Q = 1.0 - P
    Q[y, np.arange(n)] = p_true
    return float(-np.log(np.maximum(Q, tiny)).sum() / (P.shape[0] * n))


def compute_cost(loss: float, net: dict, lam: float) -> float:
    """Eq. (5): J = loss + λ Σ W_ij²."""
    W = net["W"]
    return loss + lam * float(np.vdot(W, W)) if lam else loss


def compute_accuracy(P: np.ndarray, y: np.ndarray) -> float:
    """Eq. (4): the fraction of columns whose highest entry is the true label. Works on P or
    on the scores S (both heads are monotone in s), and S avoids ties from sigmoid saturation."""
    return float(np.mean(np.argmax(P, axis=0) == y))


def output_gradient(P: np.ndarray, Y: np.ndarray, head: str = "softmax") -> np.ndarray:
    """∂l/∂s per column: P − Y for softmax + cross-entropy, (P − Y)/K for multiple BCE."""
    G = P - Y
    if head == "sigmoid":
        G /= P.shape[0]
    return G


def backward_pass(
    X: np.ndarray, Y: np.ndarray, P: np.ndarray, net: dict, lam: float, head: str = "softmax"
) -> dict:
    """Eqs. (10)–(11): gradients of the mini-batch cost J w.r.t. W and b."""
    G = output_gradient(P, Y, head)
    G /= X.shape[1]
    grad_W = G @ X.T
    if lam:
        grad_W += (2 * lam) * net["W"]
    return {"W": grad_W, "b": G.sum(axis=1, keepdims=True)}


def descend(
    X: np.ndarray, y: np.ndarray, net: dict, eta: float, lam: float, head: str, grad_W: np.ndarray
) -> None:
    """One step of mini-batch gradient descent (eqs. 8–11) on the m images in the columns of
    X with labels y, updating net in place; grad_W is a K×d buffer it may overwrite.

    The arithmetic of probabilities(scores(X)), backward_pass and the update, operation by
    operation on arrays of the same layout, so the bits are the same; only the temporaries
    are gone: one K×m array holds the scores, then P, then G = P - Y (P with 1 taken off
    each true-class entry, which is exact), and the labels never become a one-hot Y."""
    W, b = net["W"], net["b"]
    m = y.size
    S = scores(X, net)
    G = probabilities(S, head, out=S)
    G[y, np.arange(m)] -= 1
    if head == "sigmoid":
        G /= G.shape[0]
    G /= m
    np.matmul(G, X.T, out=grad_W)
    if lam:
        grad_W += (2 * lam) * W
    grad_b = G.sum(axis=1, keepdims=True)
    grad_W *= eta
    W -= grad_W
    grad_b *= eta
    b -= grad_b


def class_templates(W: np.ndarray) -> np.ndarray:
    """Each row of W as a 32×32×3 image scaled to [0, 1] (spec figure 4); shape (K, 32, 32, 3).
    A row holds the red, green and blue 32×32 planes one after the other, as an image does."""
    images = W.reshape(W.shape[0], 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64)
    low = images.min(axis=(1, 2, 3), keepdims=True)
    span = images.max(axis=(1, 2, 3), keepdims=True) - low
    return (images - low) / np.where(span > 0, span, 1)
