"""Partial ZCA whitening: an affine map of the normalised pixels that shrinks the training
set's principal directions, so that plain gradient descent sees a better-conditioned problem
and the L2 penalty falls less on the few directions that carry most of the pixel variance.

With C the covariance of the normalised training images (made symmetric under a horizontal
flip) and (s_i, u_i) its TOP largest eigenpairs, each image x becomes

    Z x,   Z = I + sum_i c_i u_i u_iᵀ,   c_i = sqrt(ε / (s_i + ε)) - 1,

so direction u_i keeps the variance s_i ε / (s_i + ε) < ε and every other direction is left
alone: ZCA whitening with ε, scaled by sqrt(ε), on the top directions only (on unit-variance
pixels the rest have eigenvalues below 0.2, which ε = 1 would barely change, and a full ZCA
transform costs ten times as much). Z is symmetric and commutes with the flip, so flipping a
whitened image is whitening the flipped image. A model W trained on Z x scores W Z x: it is
the linear model W Z of the pixels (fold), and W Z⁻¹ takes a pixel model back (unfold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOP = 300  # principal directions shrunk
SAMPLE = 10_000  # training images the covariance is estimated from (the first ones)
CHUNK = 4096  # images transformed per step


@dataclass(frozen=True)
class Whitening:
    U: np.ndarray  # d×TOP, orthonormal columns: the top principal directions
    c: np.ndarray  # TOP: Z = I + U diag(c) Uᵀ

    def apply(self, X: np.ndarray) -> None:
        """X (d×n) ← Z X, in place, CHUNK images at a time."""
        U, c = self.U.astype(X.dtype), self.c.astype(X.dtype)
        for start in range(0, X.shape[1], CHUNK):
            block = X[:, start : start + CHUNK]
            block += U @ (c[:, None] * (U.T @ block))

    def fold(self, W: np.ndarray) -> np.ndarray:
        """W Z: the pixel model of weights trained on whitened images."""
        return W + ((W @ self.U) * self.c) @ self.U.T

    def unfold(self, W: np.ndarray) -> np.ndarray:
        """W Z⁻¹: the weights on whitened images of a pixel model."""
        return W + ((W @ self.U) * (1 / (1 + self.c) - 1)) @ self.U.T


def whitening(X: np.ndarray, eps: float, flip: np.ndarray) -> Whitening:
    """The partial ZCA whitening of the normalised training matrix X (d×n), from the
    covariance of its first SAMPLE images averaged with its mirror image under the column
    permutation flip. That covariance commutes with the flip, so its eigenvectors can be
    sought among the mirror-symmetric and the mirror-antisymmetric vectors apart: each one
    found is one or the other, and Z commutes with the flip to rounding."""
    sample = np.asarray(X[:, :SAMPLE], dtype=np.float64)
    C = sample @ sample.T / sample.shape[1]
    C = (C + C[np.ix_(flip, flip)]) / 2
    k = min(TOP, C.shape[0] // 2)
    pairs = [_top_eigenpairs(C, flip, sign, k) for sign in (1, -1)]
    s = np.concatenate([values for values, _ in pairs])
    U = np.concatenate([vectors for _, vectors in pairs], axis=1)
    top = np.argsort(s)[::-1][:k]
    return Whitening(U[:, top], np.sqrt(eps / (np.maximum(s[top], 0) + eps)) - 1)


def _top_eigenpairs(
    C: np.ndarray, flip: np.ndarray, sign: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k largest eigenpairs of C among vectors v with v[flip] = sign v, by subspace
    iteration from a fixed random start (deterministic), projected back onto that subspace
    at every step so that rounding cannot lead it out."""
    Q = np.random.default_rng(0).standard_normal((C.shape[0], k + 20))
    for _ in range(5):
        Q, _ = np.linalg.qr((Q + sign * Q[flip]) / 2)
        Q = C @ Q
    Q, _ = np.linalg.qr((Q + sign * Q[flip]) / 2)
    s, V = np.linalg.eigh(Q.T @ C @ Q)
    return s[::-1][:k], (Q @ V)[:, ::-1][:, :k]
