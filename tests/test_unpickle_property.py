"""Properties of the safe loader over generated pickles, each batch of examples read in one
child process with a 1 GiB address-space limit and a timeout:

- hostile: structured pickles assembled from the allowed opcodes and globals (and a few
  forbidden ones), with mutations; every file ends in success or one clean DataError naming
  it, never a crash, a hang, another exception or the loader's last-resort message;
- faithful: pickle.dumps of plain objects (containers, ints, strings, numeric arrays) at
  protocols 2 to 5 loads equal to what pickle.loads gives.
"""

from __future__ import annotations

import pickle as P

import numpy as np
import pickleasm as A
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox import GIB, run_probe

pytestmark = pytest.mark.slow  # many generated pickles, read in sandboxed child processes

SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PER_CHILD = 25

GLOBALS = [
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),
    ("__builtin__", "bytes"),
    ("builtins", "getattr"),
    ("numpy.core.multiarray", "scalar"),
    ("os", "system"),
]
DTYPE_CODES = ["u1", "i8", "i4", "f8", "b1", "O", "T", "V8", "S3", "U2", "c16", "M8[s]", "i8,i8"]
ORDERS = ["<", ">", "|", "=", "x"]

ints = st.one_of(
    st.integers(-3, 300), st.integers(-(2**70), 2**70), st.sampled_from([2**31, 2**63, 2**64])
).map(A.integer)
atoms = st.one_of(
    ints,
    st.binary(max_size=40).map(A.data),
    st.binary(max_size=40).map(A.py2str),
    st.text(max_size=8).map(A.text),
    st.sampled_from([P.NONE, P.NEWTRUE, P.NEWFALSE, A.text("latin1"), A.text("hex")]),
)
shapes = st.lists(st.one_of(st.integers(0, 4), st.integers(0, 2**40)), max_size=3).map(
    lambda dims: A.tup(*map(A.integer, dims))
)
dtype_states = st.one_of(
    st.sampled_from(ORDERS).map(
        lambda o: A.tup(
            A.integer(3), A.text(o), P.NONE * 3, A.integer(-1), A.integer(-1), A.integer(0)
        )
    ),
    st.lists(atoms, max_size=9).map(lambda items: A.tup(*items)),
)


@st.composite
def dtypes(draw) -> bytes:
    code = draw(st.sampled_from(DTYPE_CODES))
    return A.dtype(code, draw(dtype_states))


@st.composite
def arrays(draw) -> bytes:
    dims = draw(st.lists(st.integers(0, 4), max_size=3))
    count = int(np.prod(dims)) if dims else 1
    size = count * draw(st.sampled_from([1, 2, 4, 8])) + draw(st.sampled_from([0, 0, 1, -1]))
    raw = draw(st.binary(min_size=max(size, 0), max_size=max(size, 0)))
    shape = A.tup(*map(A.integer, dims)) if draw(st.booleans()) else draw(shapes)
    form = draw(st.sampled_from(["reconstruct", "frombuffer", "ndarray"]))
    if form == "reconstruct":
        return A.reconstructed(tuple(dims), draw(dtypes()), raw, fortran=draw(st.booleans()))
    if form == "frombuffer":
        func = A.glob("numpy._core.numeric", "_frombuffer")
        return A.call(
            func, A.data(raw), draw(dtypes()), shape, A.text(draw(st.sampled_from("CFX")))
        )
    return A.call(
        A.glob("numpy", "ndarray"), shape, A.text(draw(st.sampled_from(DTYPE_CODES))), A.data(raw)
    )


def _memo(draw, value: bytes) -> bytes:
    """Sometimes store value in the memo, sometimes replace it by a (maybe dangling) get."""
    choice = draw(st.integers(0, 11))
    key = bytes([draw(st.integers(0, 3))])
    return {0: value + P.BINPUT + key, 1: P.BINGET + key, 2: value + P.MEMOIZE}.get(choice, value)


def _global(draw) -> bytes:
    module, name = draw(st.sampled_from(GLOBALS))
    if draw(st.booleans()):
        return A.glob(module, name)
    return A.text(module) + A.text(name) + P.STACK_GLOBAL


@st.composite
def values(draw, depth: int = 0) -> bytes:
    leaf = st.one_of(atoms, arrays(), dtypes())
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return _memo(draw, draw(leaf))
    children = st.lists(values(depth + 1), max_size=4)
    kinds = ["list", "tuple", "dict", "call", "global", "one by one", "from mark", "deep"]
    kind = draw(st.sampled_from([*kinds, "encode", "memoized array"]))
    if kind == "list":
        value = A.listing(*draw(children))
    elif kind == "tuple":
        value = A.tup(*draw(children))
    elif kind == "dict":
        pairs = draw(st.lists(st.tuples(atoms, values(depth + 1)), max_size=3))
        value = A.dictionary(*pairs)
    elif kind == "global":
        value = _global(draw)
    elif kind == "one by one":  # APPEND and SETITEM, not APPENDS and SETITEMS
        items = draw(children)
        value = P.EMPTY_LIST + b"".join(item + P.APPEND for item in items)
        if draw(st.booleans()):
            value = P.EMPTY_DICT + b"".join(
                A.integer(i) + x + P.SETITEM for i, x in enumerate(items)
            )
    elif kind == "from mark":  # LIST and DICT
        value = P.MARK + b"".join(draw(children)) + draw(st.sampled_from([P.LIST, P.DICT]))
    elif kind == "deep":  # lists nested 10 to 30 deep
        levels = draw(st.integers(10, 30))
        value = (P.EMPTY_LIST + P.MARK) * levels + draw(values(depth + 1)) + P.APPENDS * levels
    elif kind == "encode":  # how Python 3 writes bytes at protocol 2
        args = draw(st.lists(st.one_of(st.text(max_size=30).map(A.text), atoms), max_size=3))
        value = A.call(_global(draw), *args)
        if draw(st.booleans()):
            value = A.call(
                A.glob("_codecs", "encode"),
                draw(st.text(max_size=99).map(A.text)),
                A.text("latin1"),
            )
    elif kind == "memoized array":  # put between _reconstruct and BUILD, got again after
        key = bytes([draw(st.integers(0, 3))])
        dims = draw(st.lists(st.integers(0, 3), max_size=2))
        raw = bytes(int(np.prod(dims)) if dims else 1)
        array = A.reconstructed(tuple(dims), draw(dtypes()), raw, put=P.BINPUT + key)
        value = A.listing(array, P.BINGET + key)
    else:
        value = A.call(_global(draw), *draw(children))
    return _memo(draw, value)


@st.composite
def hostile_pickles(draw) -> bytes:
    if draw(st.booleans()):
        body = A.dictionary((A.data(b"data"), draw(values())), (A.data(b"labels"), draw(values())))
    else:
        body = draw(values())
    raw = P.PROTO + bytes([draw(st.integers(2, 5))]) + body + P.STOP
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        at = draw(st.integers(0, len(raw)))
        mutation = draw(st.sampled_from(["cut", "flip", "insert", "drop"]))
        if mutation == "cut":
            raw = raw[:at]
        elif mutation == "flip" and at < len(raw):
            raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
        elif mutation == "insert":
            raw = raw[:at] + draw(st.binary(min_size=1, max_size=9)) + raw[at:]
        else:
            raw = raw[:at] + raw[at + 1 :]
    return raw


def _read_all(tmp_path, mode: str, files: list[bytes]) -> list[dict]:
    paths = []
    for i, raw in enumerate(files):
        paths.append(tmp_path / f"data_batch_{i}")
        paths[-1].write_bytes(raw)
    outcome = run_probe(mode, paths, mem_limit=GIB, timeout=120)
    assert outcome.crashed is None, (outcome.crashed, outcome.stderr[-2000:])
    assert len(outcome.reports) == len(files), outcome.stderr[-2000:]
    return outcome.reports


@SETTINGS
@given(files=st.lists(hostile_pickles(), min_size=PER_CHILD, max_size=PER_CHILD))
def test_structured_hostile_pickles_end_in_success_or_one_clean_error(tmp_path, files):
    for report in _read_all(tmp_path, "ours", files):
        assert report["outcome"] in ("ok", "DataError"), report
        if report["outcome"] == "DataError":
            message = report["message"]
            assert message.startswith(report["path"] + ": ") and "\n" not in message, report
            assert "unchecked" not in message, report  # the last-resort net was never needed
        assert report["peak_over_baseline_mb"] <= 200, report


def numeric_array(dims: list[int], code: str, data: bytes, fortran: bool) -> np.ndarray:
    count = int(np.prod(dims))
    flat = np.frombuffer((data * 125)[: count * np.dtype(code).itemsize], dtype=code)
    return flat.reshape(dims, order="F" if fortran else "C")


plain = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**80), 2**80),
        st.text(max_size=20),
        st.binary(max_size=300),
        st.builds(
            numeric_array,
            st.lists(st.integers(0, 5), max_size=3),
            st.sampled_from(["u1", "<i4", ">i8", "<f8", ">u2"]),
            st.binary(min_size=8, max_size=8),
            st.booleans(),
        ),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        st.dictionaries(
            st.one_of(st.text(max_size=5), st.binary(max_size=5), st.integers()),
            children,
            max_size=5,
        ),
    ),
    max_leaves=20,
)


@SETTINGS
@given(
    objects=st.lists(st.tuples(plain, st.integers(2, 5)), min_size=PER_CHILD, max_size=PER_CHILD)
)
def test_plain_objects_load_as_pickle_loads_them(tmp_path, objects):
    files = [P.dumps(value, protocol=protocol) for value, protocol in objects]
    for report in _read_all(tmp_path, "roundtrip", files):
        assert report["outcome"] == "ok", report
