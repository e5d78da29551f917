"""The hostile batch files of issue 11, built opcode by opcode; shared by the tests and by
bench/compare_loaders.py (which runs them against the current loader too)."""

from __future__ import annotations

import pickle

import numpy as np
import pickleasm as A

D = 3072


def object_labels() -> bytes:
    """An object array whose pointers are the file's bytes (0x4141...)."""
    rows = A.ndarray((1, D), "u1", b"\0", strides=(0, 0))
    return A.batch(rows, A.ndarray((1,), "O", b"A" * 8))


def stringdtype_labels() -> bytes:
    """A StringDType array made from raw bytes: its 16-byte items are pointers too (here a
    long string outside the arena, at address 0x4141...)."""
    rows = A.ndarray((1, D), "u1", b"\0", strides=(0, 0))
    item = b"A" * 8 + (8 | 0x70 << 56).to_bytes(8, "little")
    return A.batch(rows, A.ndarray((1,), "T", item))


def deep_tuple_key(depth: int = 10**6) -> bytes:
    """A dict key that is a tuple nested a million deep: hashing it recurses in C."""
    key = pickle.EMPTY_TUPLE + pickle.TUPLE1 * depth
    return A.PROTO2 + pickle.EMPTY_DICT + key + A.integer(1) + pickle.SETITEM + A.STOP


def hex_bomb(levels: int = 26) -> bytes:
    """_codecs.encode(..., 'hex') nested: each level doubles 32 bytes, 2 GiB at 26."""
    encode = A.glob("_codecs", "encode") + pickle.BINPUT + b"\x01"
    inner = A.data(b"x" * 32)
    hexname = A.text("hex") + pickle.BINPUT + b"\x02"
    for level in range(levels):
        # In the byte stream the outermost call comes first and the innermost name first.
        func = encode if level == levels - 1 else pickle.BINGET + b"\x01"
        name = hexname if level == 0 else pickle.BINGET + b"\x02"
        inner = func + pickle.MARK + inner + name + pickle.TUPLE + pickle.REDUCE
    return A.batch(inner, A.listing())


def reconstruct_object(n: int = 140_000_000) -> bytes:
    """_reconstruct(ndarray, (n,), 'O'): an n-pointer object array before any check."""
    func = A.glob("numpy.core.multiarray", "_reconstruct")
    array = A.call(func, A.glob("numpy", "ndarray"), A.tup(A.integer(n)), A.data(b"O"))
    return A.batch(array, A.listing())


def strided_batch() -> bytes:
    """A few hundred bytes that read as 50 000 images: zero strides over one byte."""
    rows = A.ndarray((50_000, D), "u1", b"\x07", strides=(0, 0))
    return A.batch(rows, A.ndarray((50_000,), "u1", b"\x03", strides=(0,)))


def strided_5gib() -> bytes:
    """3 KB that become a 2 000 000-image batch: copying it asks for 5.7 GiB."""
    rows = A.ndarray((2_000_000, D), "u1", bytes(range(256)) * 12, strides=(0, 1))
    return A.batch(rows, A.ndarray((2_000_000,), "u1", b"\x01", strides=(0,)))


def _small_rows(n: int = 2) -> bytes:
    dtype = A.dtype("u1")
    return A.reconstructed((n, D), dtype, bytes(n * D))


def huge_label() -> bytes:
    """Labels [0, 2**64]: an int that no int64 holds."""
    return A.batch(_small_rows(), A.listing(A.integer(0), A.integer(2**64)))


def zero_d_labels() -> bytes:
    """Labels as a 0-d int64 array."""
    state = A.tup(
        A.integer(3), A.text("<"), pickle.NONE * 3, A.integer(-1), A.integer(-1), A.integer(0)
    )
    labels = A.reconstructed((), A.dtype("i8", state), (3).to_bytes(8, "little"))
    return A.batch(_small_rows(1), labels)


def memo_index_bomb() -> bytes:
    """LONG_BINPUT 2**27: the C unpickler grows its memo table to twice that many slots (2 GiB
    of pointers, zeroed) for a 9-byte file."""
    index = (2**27).to_bytes(4, "little")
    return A.PROTO2 + pickle.EMPTY_DICT + pickle.LONG_BINPUT + index + A.STOP


def tiny_objects(megabytes: int = 24) -> bytes:
    """EMPTY_LIST, a million times over: each byte of file becomes a 56-byte list."""
    count = megabytes << 20
    return (
        A.PROTO2
        + pickle.EMPTY_LIST
        + pickle.MARK
        + pickle.EMPTY_LIST * count
        + pickle.APPENDS
        + A.STOP
    )


def valid_batch(n: int = 20, protocol: int = 2) -> bytes:
    rng = np.random.default_rng(n)
    batch = {
        b"batch_label": b"training batch",
        b"labels": [int(v) for v in rng.integers(0, 10, n)],
        b"data": rng.integers(0, 256, (n, D), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }
    return pickle.dumps(batch, protocol=protocol)


CASES = {
    "object_labels": object_labels,
    "stringdtype_labels": stringdtype_labels,
    "deep_tuple_key": deep_tuple_key,
    "hex_bomb": hex_bomb,
    "reconstruct_object": reconstruct_object,
    "strided_batch": strided_batch,
    "strided_5gib": strided_5gib,
    "huge_label": huge_label,
    "zero_d_labels": zero_d_labels,
    "memo_index_bomb": memo_index_bomb,
    "tiny_objects": tiny_objects,
}
