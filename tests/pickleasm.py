"""A tiny pickle assembler: opcodes as bytes, so tests can write the pickles no pickler would."""

from __future__ import annotations

import pickle as P

PROTO2 = P.PROTO + b"\x02"
STOP = P.STOP


def glob(module: str, name: str) -> bytes:
    return P.GLOBAL + f"{module}\n{name}\n".encode()


def text(value: str) -> bytes:
    raw = value.encode()
    return P.BINUNICODE + len(raw).to_bytes(4, "little") + raw


def data(value: bytes) -> bytes:
    if len(value) < 256:
        return P.SHORT_BINBYTES + bytes([len(value)]) + value
    return P.BINBYTES + len(value).to_bytes(4, "little") + value


def py2str(value: bytes) -> bytes:
    """A Python-2 str (SHORT_BINSTRING/BINSTRING), as the official files hold them."""
    if len(value) < 256:
        return P.SHORT_BINSTRING + bytes([len(value)]) + value
    return P.BINSTRING + len(value).to_bytes(4, "little") + value


def integer(value: int) -> bytes:
    if 0 <= value < 256:
        return P.BININT1 + bytes([value])
    if -(2**31) <= value < 2**31:
        return P.BININT + value.to_bytes(4, "little", signed=True)
    raw = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return P.LONG1 + bytes([len(raw)]) + raw


def tup(*items: bytes) -> bytes:
    return P.MARK + b"".join(items) + P.TUPLE


def call(func: bytes, *args: bytes) -> bytes:
    return func + tup(*args) + P.REDUCE


def dictionary(*pairs: tuple[bytes, bytes]) -> bytes:
    return P.EMPTY_DICT + P.MARK + b"".join(k + v for k, v in pairs) + P.SETITEMS


def listing(*items: bytes) -> bytes:
    return P.EMPTY_LIST + P.MARK + b"".join(items) + P.APPENDS


def batch(data_value: bytes, labels_value: bytes) -> bytes:
    """A protocol-2 pickle of {b'data': ..., b'labels': ...}."""
    return PROTO2 + dictionary((data(b"data"), data_value), (data(b"labels"), labels_value)) + STOP


def ndarray(shape: tuple[int, ...], dtype: str, buffer: bytes, strides=None) -> bytes:
    """numpy.ndarray(shape, dtype, buffer, 0, strides): what the current allowlist admits."""
    args = [tup(*map(integer, shape)), text(dtype), data(buffer), integer(0)]
    if strides is not None:
        args.append(tup(*map(integer, strides)))
    return call(glob("numpy", "ndarray"), *args)


def dtype(code: str, state: bytes | None = None) -> bytes:
    state = state or tup(integer(3), text("|"), P.NONE * 3, integer(-1), integer(-1), integer(0))
    return call(glob("numpy", "dtype"), text(code), P.NEWFALSE, P.NEWTRUE) + state + P.BUILD


def reconstructed(
    shape: tuple[int, ...], dtype_bytes: bytes, raw: bytes, fortran=False, put: bytes = b""
) -> bytes:
    """numpy's own protocol-2 form of an array: _reconstruct, then (after the memo store put,
    as Python 3 writes it) BUILD with its state."""
    head = call(
        glob("numpy.core.multiarray", "_reconstruct"),
        glob("numpy", "ndarray"),
        tup(integer(0)),
        data(b"b"),
    )
    flag = P.NEWTRUE if fortran else P.NEWFALSE
    state = tup(integer(1), tup(*map(integer, shape)), dtype_bytes, flag, data(raw))
    return head + put + state + P.BUILD
