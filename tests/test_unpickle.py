"""The safe batch loader: real and Python-3 files load exactly; every hostile file of issue 11
ends in one DataError naming the file, in a child process where a crash or a blow-up would
show (a memory limit, a timeout), within 200 MB of memory."""

from __future__ import annotations

import gc
import io
import os
import pickle
import pickletools
import threading
import time
import tracemalloc
from pathlib import Path

import crafted
import numpy as np
import pickleasm as A
import pytest
from conftest import batch_dict, write_batch
from sandbox import GIB, run_probe

from linclf.engine.data import unpickle
from linclf.engine.data.batchfile import read_batch
from linclf.engine.errors import DataError

# What each refusal says (after "<file>: "): the reason, not just that it failed.
EXPECTED = {
    "object_labels": "calling numpy.ndarray is not allowed",
    "stringdtype_labels": "calling numpy.ndarray",
    "deep_tuple_key": "nested more than 16 deep",
    "hex_bomb": "encode(str, 'latin1')",
    "reconstruct_object": "_reconstruct is allowed only",
    "strided_batch": "calling numpy.ndarray",
    "strided_5gib": "calling numpy.ndarray",
    "huge_label": "labels must lie in 0..9, found 0..18446744073709551616",
    "zero_d_labels": "'labels' must be a list or 1-d array of integers, found a 0-d",
    "memo_index_bomb": "missing key 'data'",
    "tiny_objects": "more than 96 MiB",
    "fifo": "is not a regular file",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hostile_batch_files_are_refused_in_a_sandbox(tmp_path, case):
    path = tmp_path / "data_batch_1"
    if case == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(crafted.CASES[case]())
    outcome = run_probe("ours", [path], mem_limit=GIB, timeout=60)
    assert outcome.crashed is None, outcome.stderr
    (report,) = outcome.reports
    assert report["outcome"] == "DataError", report
    assert report["message"].startswith(f"{path}: ") and "\n" not in report["message"]
    assert EXPECTED[case] in report["message"]
    assert report["peak_over_baseline_mb"] <= 200, report


@pytest.mark.slow
def test_real_batches_load_exactly_as_pickle_does(real_data_dir):
    folder = real_data_dir
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta"]:
        raw = (folder / name).read_bytes()
        expected = pickle.loads(raw, encoding="bytes")  # the official files: trusted here
        ours = unpickle.load(folder / name)
        assert ours.keys() == expected.keys()
        for key, value in expected.items():
            if isinstance(value, np.ndarray):
                assert ours[key].dtype == value.dtype and np.array_equal(ours[key], value)
            else:
                assert ours[key] == value, key
    rows, labels = read_batch(folder / "data_batch_1")
    assert rows.shape == (10000, 3072) and rows.flags.c_contiguous and rows.flags.writeable
    assert list(labels[:10]) == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3] and labels.dtype == np.int64


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_python3_batches_at_every_protocol(tmp_path, protocol):
    batch = batch_dict(30, seed=protocol)
    variants = {
        "official layout": batch,
        "labels as an int array": {**batch, b"labels": np.array(batch[b"labels"], dtype=">i4")},
        "Fortran-ordered data": {**batch, b"data": np.asfortranarray(batch[b"data"])},
        "str keys": {"data": batch[b"data"], "labels": batch[b"labels"], "empty": b""},
    }
    for name, variant in variants.items():
        path = write_batch(tmp_path / "data_batch_1", variant, protocol)
        rows, labels = read_batch(path)
        assert np.array_equal(rows, batch[b"data"]) and rows.flags.c_contiguous, name
        assert rows.flags.writeable and labels.tolist() == batch[b"labels"], name


def test_plain_objects_round_trip():
    value = {
        "ints": [0, -1, 255, 65535, 2**31 - 1, -(2**31), 2**200, True, False, None],
        "strings": ["", "é", "\U0001f600" * 3, "x" * 5000, b"", b"\xff" * 300],
        "nested": ((1, (2, [3, {"k": (4,)}])),),
        "big bytes": bytes(range(256)) * 300,
        "arrays": [np.arange(12, dtype=t).reshape(3, 4) for t in ("u1", "<i2", ">u4", "f8")],
    }
    for protocol in (2, 3, 4, 5):
        ours = unpickle.loads(pickle.dumps(value, protocol=protocol))
        assert ours["ints"] == value["ints"] and ours["nested"] == value["nested"]
        assert [bytes(s) if isinstance(s, memoryview) else s for s in ours["strings"]] == (
            value["strings"]
        )
        assert bytes(ours["big bytes"]) == value["big bytes"]
        for got, want in zip(ours["arrays"], value["arrays"]):
            assert got.dtype == want.dtype and np.array_equal(got, want)


@pytest.mark.parametrize(
    "opcodes, reason",
    [
        (A.PROTO2 + A.listing() + b"q\x00" + b"h\x00" + b"a" + A.STOP, "not a list or dict"),
        (A.PROTO2 + b"]q\x00" + A.tup(b"h\x00") + b"0" + A.STOP, "opcode"),
        (A.PROTO2 + b"]q\x00" + A.tup(b"h\x00") + b"h\x00N" + b"a" + A.STOP, "not a list or dict"),
        (A.PROTO2 + b"}" + A.tup(A.integer(1)) + A.integer(2) + b"s" + A.STOP, "dict key"),
        (A.PROTO2 + b"a" + A.STOP, "stack underflow"),
        (A.PROTO2 + b"e" + A.STOP, "no MARK"),
        (A.PROTO2 + b"h\x07" + A.STOP, "memo key 7 is missing"),
        (A.PROTO2 + b"NN" + A.STOP, "STOP with a stack"),
        (A.PROTO2 + b"N", "truncated"),
        (b"(lp0\nI1\na.", "protocol 2 to 5"),
        (A.PROTO2 + A.glob("os", "system") + A.STOP, "refuses to load os.system"),
        (A.PROTO2 + A.text("posix") + A.text("system") + b"\x93" + A.STOP, "posix.system"),
        (A.PROTO2 + A.glob("numpy", "dtype") + A.STOP, "numpy.dtype used as data"),
        (A.PROTO2 + A.dtype("O") + A.STOP, "dtype 'O' is not allowed"),
        (A.PROTO2 + A.dtype("V8") + A.STOP, "dtype 'V8' is not allowed"),
        (A.PROTO2 + A.reconstructed((2, 2), A.dtype("u1"), b"abc") + A.STOP, "needs 4 bytes"),
        (A.PROTO2 + A.reconstructed((2, 2), A.dtype("u1"), b"abcde") + A.STOP, "holds 5"),
        (A.PROTO2 + A.reconstructed((2,), A.dtype("u1"), b"ab") + b"N" + b"b" + A.STOP, "BUILD"),
    ],
)
def test_malformed_and_forbidden_structures(opcodes, reason):
    with pytest.raises(DataError, match=reason.replace("(", r"\(")):
        unpickle.loads(opcodes)


def test_a_list_stored_elsewhere_cannot_change_nor_contain_itself():
    # [] stored in a tuple, then appended to: refused (no cycles, depths stay exact).
    frozen = A.PROTO2 + b"]q\x00" + A.tup(b"h\x00") + b"h\x00" + A.integer(1) + b"a" + A.STOP
    with pytest.raises(DataError, match="not a list or dict being built"):
        unpickle.loads(frozen)
    itself = A.PROTO2 + b"]q\x00h\x00a" + A.STOP
    with pytest.raises(DataError, match="not a list or dict being built"):
        unpickle.loads(itself)


def test_crafted_code_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class RunsCode:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for protocol in (2, 4, 5):
        path = tmp_path / "data_batch_1"
        path.write_bytes(pickle.dumps({b"data": RunsCode()}, protocol=protocol))
        with pytest.raises(DataError, match="system"):
            read_batch(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda b: b.pop(b"data"), "missing key 'data'"),
        (lambda b: b.pop(b"labels"), "missing key 'labels'"),
        (lambda b: b.__setitem__(b"data", b[b"data"].astype(np.float32)), "uint8"),
        (lambda b: b.__setitem__(b"data", b[b"data"][:, :100]), "shape"),
        (lambda b: b.__setitem__(b"labels", [12] * 20), "labels must lie in 0..9"),
        (lambda b: b.__setitem__(b"labels", b[b"labels"][:-1]), "19 labels for 20 images"),
        (lambda b: b.__setitem__(b"labels", ["cat"] * 20), "list of integers"),
        (lambda b: b.__setitem__(b"labels", [True] * 20), "list of integers"),
        (lambda b: b.__setitem__(b"labels", np.zeros((20, 1), dtype=int)), "1-d array"),
        (lambda b: b.__setitem__(b"labels", np.zeros(20)), "float64 array"),
    ],
)
def test_malformed_batches_are_named_and_explained(tmp_path, mutate, message):
    batch = batch_dict(20, seed=1)
    mutate(batch)
    path = write_batch(tmp_path / "data_batch_1", batch)
    with pytest.raises(DataError, match=message) as err:
        read_batch(path)
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)


def test_files_that_are_not_batches(tmp_path, monkeypatch):
    good = pickle.dumps(batch_dict(20, seed=3), protocol=2)
    cases = {"truncated": good[: len(good) // 2], "empty": b"", "garbage": b"not a pickle"}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(DataError, match=f"{name}: "):
            read_batch(tmp_path / name)
    (tmp_path / "folder").mkdir()
    with pytest.raises(DataError, match="folder: is a folder"):
        read_batch(tmp_path / "folder")
    with pytest.raises(DataError, match="nothing: file not found"):
        read_batch(tmp_path / "nothing")
    big = tmp_path / "big"
    with open(big, "wb") as handle:
        handle.truncate(65 << 20)  # sparse: refused from its size, never read
    with pytest.raises(DataError, match="big: 65 MiB is more than a CIFAR-10 batch"):
        read_batch(big)
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("garbage"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(unpickle.os, "open", refuse)
    with pytest.raises(DataError, match="garbage: no permission to read it"):
        read_batch(tmp_path / "garbage")


@pytest.mark.slow
def test_the_opcodes_of_the_real_files_are_all_allowed(real_data_dir):
    """The allowlist is no wider than the real files and numpy's Python-3 output need."""
    folder = real_data_dir
    used = {
        op.name for op, _, _ in pickletools.genops(io.BytesIO((folder / "test_batch").read_bytes()))
    }
    for protocol in (2, 3, 4, 5):
        raw = pickle.dumps(batch_dict(3, seed=0), protocol=protocol)
        used |= {op.name for op, _, _ in pickletools.genops(raw)}
    allowed = {pickletools.code2op[chr(code)].name for code in unpickle.Machine(b"").ops}
    assert used <= allowed | {"STOP"}
    assert len(allowed - used) <= 10, allowed - used  # a few siblings (LIST, DICT, ...)


def test_a_fifo_is_refused_without_being_opened(tmp_path):
    """A writer blocked on the FIFO would be released by any open for reading. The kernel
    names where a thread sleeps in /proc (wchan): wait_for_partner is a FIFO's open()."""
    fifo = tmp_path / "data_batch_1"
    os.mkfifo(fifo)
    writer_id: list[int] = []

    def writer() -> None:
        writer_id.append(threading.get_native_id())
        os.close(os.open(fifo, os.O_WRONLY))  # blocks until someone opens it to read

    def writer_blocked_in_open() -> bool:
        wchan = Path(f"/proc/self/task/{writer_id[0]}/wchan")
        return thread.is_alive() and wchan.read_text() == "wait_for_partner"

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (writer_id and writer_blocked_in_open()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer_blocked_in_open(), "the writer never blocked in the FIFO's open()"
    with pytest.raises(DataError, match="is not a regular file"):
        read_batch(fifo)
    assert writer_blocked_in_open(), "the loader opened the FIFO"
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # release the writer
    thread.join(5)


def test_a_loaded_file_is_freed_without_waiting_for_the_garbage_collector(tmp_path):
    """No reference cycle may keep a machine, and with it the whole file buffer, alive."""
    path = write_batch(tmp_path / "data_batch_1", batch_dict(300, seed=2), protocol=4)
    size = path.stat().st_size
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(5):
            read_batch(path)
            unpickle.load(path)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert held < size, (held, size)
