"""The obvious PyTorch CPU equivalent of `linclf train` (defaults): nn.Linear + SGD +
cross_entropy, the same batches (same permutations from the same generator), per-epoch
evaluation of training and validation loss and accuracy. Usage: torch_loop.py DATA DTYPE [EPOCHS]"""

import sys

import numpy as np
import torch
import torch.nn.functional as F
from common import spec_data

DTYPES = {"float64": (np.float64, torch.float64), "float32": (np.float32, torch.float32)}
dtype = DTYPES[sys.argv[2]]
(X, y), (Xv, yv), (Xt, yt) = spec_data(dtype[0])
rng = np.random.default_rng(42)
model = torch.nn.Linear(3072, 10, dtype=dtype[1])
with torch.no_grad():
    model.weight.copy_(torch.from_numpy(0.01 * rng.standard_normal(size=(10, 3072))))
    model.bias.zero_()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
Xs, ys = torch.from_numpy(np.ascontiguousarray(X.T)), torch.from_numpy(y)
splits = [(Xs, ys), (torch.from_numpy(np.ascontiguousarray(Xv.T)), torch.from_numpy(yv))]
for _epoch in range(int(sys.argv[3]) if len(sys.argv) > 3 else 40):
    order = torch.from_numpy(rng.permutation(ys.numel()))
    for start in range(0, ys.numel(), 100):
        idx = order[start : start + 100]
        loss = F.cross_entropy(model(Xs[idx]), ys[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        for A, labels in splits:
            S = model(A)
            F.cross_entropy(S, labels).item()
            (S.argmax(dim=1) == labels).double().mean().item()
with torch.no_grad():
    S = model(torch.from_numpy(np.ascontiguousarray(Xt.T)))
    print(f"test accuracy {(S.argmax(dim=1) == torch.from_numpy(yt)).double().mean().item():.4f}")
