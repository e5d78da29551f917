"""Child process: read files with one loader and print what happened, one JSON line each.

    python probe.py MODE PATH [PATH...]

MODE: ours (read_batch), unpickle (unpickle.load alone) or roundtrip (unpickle.load against
pickle.loads, for files the tests generated themselves and so may unpickle the ordinary way).

Memory: the peak resident set (VmHWM) while reading a file, minus the resident set just before
(after imports and one warm-up read of a small valid batch): the interpreter+numpy baseline is
not counted. Not ru_maxrss: Linux carries that over from the parent through fork and exec, so
a child of a big parent would report the parent's peak. Writing 5 to /proc/self/clear_refs
resets VmHWM before each file."""

from __future__ import annotations

import json
import pickle
import sys
import tempfile
import time
from pathlib import Path


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak() -> int:
    """Reset the peak RSS to the current RSS; the current RSS in KiB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def same(a: object, b: object) -> bool:
    """Deep equality that also compares array dtypes and shapes, and treats the new loader's
    memoryviews of big byte strings as the bytes they stand for."""
    import numpy as np

    if isinstance(a, memoryview):
        a = a.tobytes()
    if isinstance(b, np.ndarray) or isinstance(a, np.ndarray):
        # numpy's own unpickling swaps non-native data to native order ('>i8' comes back as
        # int64); the new loader keeps the order the file states: same values either way.
        return (
            type(a) is type(b) and a.shape == b.shape
            and a.dtype.newbyteorder("=") == b.dtype.newbyteorder("=")
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )  # fmt: skip
    if isinstance(b, (bytearray, bytes)) and isinstance(a, (bytes, bytearray)):
        return bytes(a) == bytes(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def _reader(mode: str):
    from linclf.engine.data import unpickle
    from linclf.engine.data.batchfile import read_batch
    from linclf.engine.errors import DataError

    def summary(path):
        rows, labels = read_batch(path)
        return f"{rows.shape} {rows.dtype}, {labels.shape} {labels.dtype}"

    def roundtrip(path):
        ours = unpickle.load(path)
        if not same(ours, pickle.loads(Path(path).read_bytes(), encoding="bytes")):
            raise AssertionError("differs from pickle.loads")
        return "same as pickle.loads"

    readers = {
        "ours": summary,
        "unpickle": lambda path: type(unpickle.load(path)).__name__,
        "roundtrip": roundtrip,
    }
    return readers[mode], DataError


def main() -> None:
    import numpy as np

    read, error_type = _reader(sys.argv[1])
    with tempfile.NamedTemporaryFile() as warm:
        rows = np.zeros((10, 3072), dtype=np.uint8)
        warm.write(pickle.dumps({b"data": rows, b"labels": [0] * 10}, protocol=2))
        warm.flush()
        read(warm.name)
    for path in sys.argv[2:]:
        base, start = _reset_peak(), time.perf_counter()
        try:
            outcome, message = "ok", read(path)
        except error_type as err:
            outcome, message = "DataError", str(err)
        except Exception as err:  # noqa: BLE001 - the point is to see what escapes
            outcome, message = type(err).__name__, str(err)
        report = {
            "path": path,
            "outcome": outcome,
            "message": message[:2000],
            "seconds": round(time.perf_counter() - start, 3),
            "peak_over_baseline_mb": round((_status_kb("VmHWM") - base) / 1024, 1),
            "baseline_mb": round(base / 1024, 1),
        }
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
