"""Bit identity of the engine's numbers between two checkouts: every float, bytewise.

    # 1. record a reference with the checkout you trust (e.g. main), then a candidate (each
    #    with its own .venv, or PYTHONPATH pointing at it; the script itself may be either's)
    .venv/bin/python benchmarks/bitcheck.py record /tmp/ref.json
    other/.venv/bin/python benchmarks/bitcheck.py record /tmp/new.json
    # 2. compare: exit status 1 on any differing bit
    .venv/bin/python benchmarks/bitcheck.py compare /tmp/ref.json /tmp/new.json

Each configuration trains on real CIFAR-10 through the same path as `linclf train`
(engine.recording.train_and_record: Training into a RunRecorder, the test set scored once)
and stores, as hex of the IEEE bits: every EpochStats float but `seconds`, the status,
sha256 of the final W and b, the recorded test loss and accuracy and the per-image
probabilities behind the histograms, the test set scored again at one BLAS thread and at the
machine's threads (the search and report path, evaluate()), and sha256 of the loaded
matrices and statistics. OpenBLAS's threaded driver sums
some products in another order than its one-thread driver (differences ~1e-15 in per-image
probabilities): a field scored at the machine's threads passes when it equals the reference's
at one thread, and the comparison says so.
`--only NAME ...` runs some configurations, `--quick` skips the 40-epoch one. About 3 minutes
on two busy cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import struct
import sys
import tempfile
import time

from procs import DEFAULT_DATA

CONFIGS: dict[str, dict] = {
    "spec-default-40": dict(n_epochs=40),
    "softmax-3": dict(n_epochs=3),
    "sigmoid-3": dict(n_epochs=3, head="sigmoid", eta=0.01),
    "flip-2": dict(n_epochs=2, flip=True),
    "shift2-flip-2": dict(n_epochs=2, shift=2, flip=True),
    "shift1-sigmoid-2": dict(n_epochs=2, shift=1, head="sigmoid", eta=0.01),
    "decay-3": dict(n_epochs=3, decay_every=1, decay_factor=0.5, eta=0.01),
    "lam0.1-2": dict(n_epochs=2, lam=0.1),
    "lam1-sigmoid-2": dict(n_epochs=2, lam=1.0, head="sigmoid"),
    "batch37-2": dict(n_epochs=2, n_batch=37),
    "batch1-1": dict(n_epochs=1, n_batch=1),
    "batch3-1": dict(n_epochs=1, n_batch=3),  # the last mini-batch holds one image
    "batch1500-3": dict(n_epochs=3, n_batch=1500, eta=0.01),  # > 1000: the other score layout
    "batch10000-2": dict(n_epochs=2, n_batch=10000, eta=0.1),
    "noshuffle-2": dict(n_epochs=2, shuffle=False),
    "diverge": dict(n_epochs=4, eta=1e3, lam=1.0),
    "diverge-last": dict(n_epochs=1, eta=1e3, lam=1.0),  # diverges in its last epoch
    "all-1": dict(n_epochs=1, split="all"),
    "all-nval5000-1": dict(n_epochs=1, split="all", n_val=5000, lam=0.01),
    "float32-2": dict(n_epochs=2, dtype="float32"),
    "float32-sigmoid-flip-2": dict(n_epochs=2, dtype="float32", head="sigmoid", flip=True),
}
QUICK_SKIP = {"spec-default-40"}


def _hex(value) -> str:
    if isinstance(value, float):
        return struct.pack("<d", value).hex()
    return repr(value)


def _sha(a) -> str:
    import numpy as np

    a = np.asarray(a)
    return f"{a.dtype}{list(a.shape)}:{hashlib.sha256(a.tobytes(order='C')).hexdigest()[:32]}"


def _test_matrix(test):
    """The normalised test matrix (d×n), however the loader keeps the test split."""
    import numpy as np

    if hasattr(test, "X"):
        return test.X
    return np.concatenate([X.copy() for _, X in test.chunks(1000)], axis=1)


def record(args) -> None:
    from threadpoolctl import threadpool_limits

    from linclf.engine.config import TrainConfig
    from linclf.engine.training.blas import set_blas_threads
    from linclf.engine.training.recording import load_data, train_and_record
    from linclf.engine.training.train import evaluate, score_test

    set_blas_threads(1)  # as `linclf train` sets it where it starts

    out = tempfile.mkdtemp(prefix="bitcheck-runs-")  # run folders, removed at the end
    results, loaded = {}, {}
    for name, fields in CONFIGS.items():
        if (args.only and name not in args.only) or (args.quick and name in QUICK_SKIP):
            continue
        config = TrainConfig(**fields)
        key = "/".join(map(str, (config.split, config.n_val, config.dtype)))
        data = load_data(args.data_dir, config, True)  # one split in memory at a time
        if key not in loaded:
            loaded[key] = {
                "train.X": _sha(data.train.X),
                "val.X": _sha(data.val.X),
                "test.X": _sha(_test_matrix(data.test)),
                "mean": _sha(data.mean),
                "std": _sha(data.std),
            }
        started = time.perf_counter()
        run = train_and_record(args.data_dir, config, out, None)
        training, scores, net = run.training, run.test, run.training.net
        search_test = evaluate(net, data.test, config.lam, config.head)
        with threadpool_limits(1):
            search_test1 = evaluate(net, data.test, config.lam, config.head)
            scores1 = score_test(net, data.test, config.head) if scores else None
        results[name] = {
            "status": training.status,
            "history": [
                {k: _hex(v) for k, v in s.to_dict().items() if k != "seconds"}
                for s in training.history
            ],
            "W": _sha(net["W"]),
            "b": _sha(net["b"]),
            "test": [_hex(scores.loss), _hex(scores.acc)] if scores else None,
            "p_true": _sha(scores.p_true) if scores else None,
            "correct": _sha(scores.correct) if scores else None,
            "test_1thread": [_hex(scores1.loss), _hex(scores1.acc)] if scores else None,
            "p_true_1thread": _sha(scores1.p_true) if scores else None,
            "evaluate_test": [_hex(v) for v in search_test],
            "evaluate_test_1thread": [_hex(v) for v in search_test1],
        }
        first = training.history[0].train_cost if training.history else float("nan")
        print(
            f"{name:24s} {training.status:9s} epochs {len(training.history):2d} "
            f"cost1 {first!r} test {scores.acc if scores else float('nan'):.4f} "
            f"({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        del training
    shutil.rmtree(out)
    with open(args.out, "w") as handle:
        json.dump({"loaded": loaded, "results": results}, handle, indent=1)


# Fields that move with the BLAS thread count the test set is scored at, not with the code:
# each passes when it equals the reference at the machine's threads or at one thread.
THREAD_DEPENDENT = ("test", "p_true", "evaluate_test")
HARD = ("W", "b", "correct", "test_1thread", "p_true_1thread", "evaluate_test_1thread")


def _compare_run(ra: dict, rb: dict) -> tuple[list[str], list[str]]:
    """(differences, notes) of one configuration."""
    diffs, notes = [], []
    if ra["status"] != rb["status"]:
        diffs.append(f"status {ra['status']} vs {rb['status']}")
    if len(ra["history"]) != len(rb["history"]):
        diffs.append(f"{len(ra['history'])} vs {len(rb['history'])} epochs")
    for i, (ea, eb) in enumerate(zip(ra["history"], rb["history"])):
        fields = [k for k in ea if ea[k] != eb.get(k)]
        if fields:
            diffs.append(f"epoch {i + 1}: {', '.join(fields)}")
            break
    diffs += [key for key in HARD if ra.get(key) != rb.get(key)]
    for key in THREAD_DEPENDENT:
        if rb.get(key) == ra.get(key):
            continue
        if rb.get(key) == ra.get(f"{key}_1thread"):
            notes.append(f"{key} = the reference's at one BLAS thread")
        else:
            diffs.append(key)
    return diffs, notes


def compare(args) -> int:
    with open(args.a) as handle:
        a = json.load(handle)
    with open(args.b) as handle:
        b = json.load(handle)
    bad = same = 0
    for split, arrays in a["loaded"].items():
        other = b["loaded"].get(split)
        if other is not None and other != arrays:
            bad += 1
            print(f"loaded {split:17s} DIFFERS: {[k for k in arrays if arrays[k] != other[k]]}")
    for name, ra in a["results"].items():
        if name not in b["results"]:
            continue
        diffs, notes = _compare_run(ra, b["results"][name])
        verdict = "DIFFERS: " + "; ".join(diffs) if diffs else "IDENTICAL"
        if notes:
            verdict += f" ({'; '.join(notes)})"
        bad += bool(diffs)
        same += not diffs
        print(f"{name:24s} {verdict}")
    print(f"{same} identical, {bad} differ")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="train every configuration and store its bits")
    rec.add_argument("out")
    rec.add_argument("--data-dir", default=str(DEFAULT_DATA))
    rec.add_argument("--only", nargs="*")
    rec.add_argument("--quick", action="store_true")
    cmp_ = sub.add_parser("compare", help="compare two records")
    cmp_.add_argument("a")
    cmp_.add_argument("b")
    args = parser.parse_args()
    if args.command == "record":
        record(args)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
