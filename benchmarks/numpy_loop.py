"""A bare numpy loop doing the same arithmetic as `linclf train` (defaults), written the
obvious way from the spec: C-ordered d×n X, column gathers, no validation, no run folder.
Usage: numpy_loop.py DATA DTYPE [EPOCHS]"""

import sys

import numpy as np
from common import spec_data

dtype = {"float64": np.float64, "float32": np.float32}[sys.argv[2]]
(X, y), (Xv, yv), (Xt, yt) = spec_data(dtype)
Y = np.eye(10, dtype=dtype)[:, y]
rng = np.random.default_rng(42)
W = (0.01 * rng.standard_normal(size=(10, 3072))).astype(dtype)
b = np.zeros((10, 1), dtype=dtype)


def softmax(S):
    E = np.exp(S - S.max(axis=0))
    return E / E.sum(axis=0)


for _epoch in range(int(sys.argv[3]) if len(sys.argv) > 3 else 40):
    order = rng.permutation(y.size)
    for start in range(0, y.size, 100):
        idx = order[start : start + 100]
        Xb, Yb = X[:, idx], Y[:, idx]
        G = (softmax(W @ Xb + b) - Yb) / idx.size
        W -= 0.001 * (G @ Xb.T)
        b -= 0.001 * G.sum(axis=1, keepdims=True)
    for A, labels in ((X, y), (Xv, yv)):
        P = softmax(W @ A + b)
        -np.mean(np.log(P[labels, np.arange(labels.size)]))
        np.mean(P.argmax(axis=0) == labels)
print(f"test accuracy {np.mean((W @ Xt + b).argmax(axis=0) == yt):.4f}")
