"""The only things a batch pickle may call: stand-ins for the numpy and codec functions that
numpy arrays and Python-3 byte strings pickle through.

None of the stand-ins is the real function. Each checks its arguments against exactly what
numpy and the pickler write, and an array is only ever made by `np.frombuffer` over bytes the
file holds, of the exact length its shape needs, with a plain numeric dtype from a fixed table.
So no array can alias memory the file does not own (no object, string, void or structured
dtypes, no strides, no offsets), and no call allocates more than its arguments' size.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np


class Refused(Exception):
    """The pickle does something a CIFAR-10 batch never does; the message says what."""


class Token:
    """A global the pickle may name; usable only as REDUCE's callable (or _reconstruct's
    first argument), never as data."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


ENCODE = Token("_codecs.encode")
BYTES = Token("bytes")
RECONSTRUCT = Token("numpy _reconstruct")
NDARRAY = Token("numpy.ndarray")
DTYPE = Token("numpy.dtype")
FROMBUFFER = Token("numpy _frombuffer")

GLOBALS = {
    ("_codecs", "encode"): ENCODE,  # Python 3 writes bytes this way at protocol 2
    ("__builtin__", "bytes"): BYTES,  # ... and an empty bytes as bytes()
    ("builtins", "bytes"): BYTES,
    ("numpy.core.multiarray", "_reconstruct"): RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): RECONSTRUCT,
    ("numpy", "ndarray"): NDARRAY,
    ("numpy", "dtype"): DTYPE,
    ("numpy.core.numeric", "_frombuffer"): FROMBUFFER,  # numpy's protocol-5 arrays
    ("numpy._core.numeric", "_frombuffer"): FROMBUFFER,
}

# Plain numbers only: every bit pattern is a valid value, and no item points anywhere.
PLAIN_DTYPES = frozenset(["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"])
ByteOrder = Literal["<", ">", "=", "|"]
BYTE_ORDERS: dict[str, ByteOrder] = {"<": "<", ">": ">", "=": "=", "|": "|"}
ARRAY_ORDERS: dict[str, Literal["C", "F"]] = {"C": "C", "F": "F"}
MAX_NDIM = 8
MAX_DIM = 1 << 31


class DtypeToken:
    """numpy.dtype(code) as the pickle asked for it, before and after its BUILD."""

    def __init__(self, code: str):
        self.code = code
        self.order: ByteOrder | None = None

    def dtype(self) -> np.dtype:
        dtype = np.dtype(self.code)
        if self.order in ("<", ">") and dtype.itemsize > 1:
            dtype = dtype.newbyteorder(self.order)
        return dtype


class PendingArray:
    """What _reconstruct returns: an array whose data arrives with BUILD. Remembers the memo
    slots it was stored in, so they can be pointed at the finished array."""

    def __init__(self) -> None:
        self.memo_keys: list[int] = []


STAND_INS = (Token, DtypeToken, PendingArray)


def _text(value: object) -> str | None:
    """A short str, or ASCII bytes (what Python 2's str becomes), as str; else None."""
    if isinstance(value, bytes) and len(value) <= 16:
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) and len(value) <= 16 else None


def _flag(value: object, expected: int) -> bool:
    return type(value) in (int, bool) and value == expected


def _same(value: object, expected: object) -> bool:
    """value == expected for atoms and tuples of atoms, comparing types first: == on an
    arbitrary object (an array) could run elementwise code or raise."""
    if type(expected) is tuple:
        return (
            type(value) is tuple
            and len(value) == len(expected)
            and all(_same(v, e) for v, e in zip(value, expected))
        )
    return type(value) is type(expected) and value == expected


def _shape(value: object) -> tuple[int, ...]:
    if (
        type(value) is not tuple
        or len(value) > MAX_NDIM
        or not all(type(d) is int and 0 <= d <= MAX_DIM for d in value)
    ):
        raise Refused(f"an array shape must be a tuple of at most {MAX_NDIM} sizes")
    return value


def make_array(data: object, dtype: object, shape: object, order: object) -> np.ndarray:
    """An array over data's own bytes; data must hold exactly the bytes the shape needs."""
    if not isinstance(dtype, DtypeToken):
        raise Refused("an array's dtype must come from numpy.dtype")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise Refused(f"an array's data must be bytes, found {type(data).__name__}")
    shape, layout = _shape(shape), _text(order)
    if layout not in ARRAY_ORDERS:
        raise Refused("an array's order must be 'C' or 'F'")
    kind = dtype.dtype()
    count = math.prod(shape)
    if count * kind.itemsize != len(data):
        raise Refused(
            f"an array of shape {shape} and dtype {kind} needs {count * kind.itemsize} bytes, "
            f"the pickle holds {len(data)}"
        )
    if count == 0:
        return np.empty(shape, dtype=kind)
    return np.frombuffer(data, dtype=kind).reshape(shape, order=ARRAY_ORDERS[layout])


def reduce(func: object, args: object) -> object:
    """REDUCE: call one of the stand-ins with arguments shaped exactly as numpy writes them."""
    if type(args) is not tuple:
        raise Refused("REDUCE needs a tuple of arguments")
    if func is ENCODE:
        if len(args) != 2 or type(args[0]) is not str or not _same(args[1], "latin1"):
            raise Refused("_codecs.encode is allowed only as encode(str, 'latin1')")
        try:
            return args[0].encode("latin-1")
        except UnicodeEncodeError:
            raise Refused("_codecs.encode of text that is not latin-1") from None
    if func is BYTES:
        if args:
            raise Refused("bytes() is allowed only without arguments")
        return b""
    if func is RECONSTRUCT:
        if len(args) != 3 or args[0] is not NDARRAY or not _same(args[1], (0,)):
            raise Refused("_reconstruct is allowed only as _reconstruct(ndarray, (0,), 'b')")
        if _text(args[2]) != "b":
            raise Refused("_reconstruct is allowed only as _reconstruct(ndarray, (0,), 'b')")
        return PendingArray()
    if func is DTYPE:
        code = _text(args[0]) if len(args) == 3 else None
        if code is None or not (_flag(args[1], 0) and _flag(args[2], 1)):
            raise Refused("numpy.dtype is allowed only as dtype(code, False, True)")
        if code not in PLAIN_DTYPES:
            raise Refused(f"array dtype {code!r} is not allowed (plain numbers only)")
        return DtypeToken(code)
    if func is FROMBUFFER:
        if len(args) != 4:
            raise Refused("_frombuffer needs (buffer, dtype, shape, order)")
        return make_array(*args)
    what = repr(func) if isinstance(func, Token) else type(func).__name__
    raise Refused(f"calling {what} is not allowed")


def build(target: object, state: object) -> object:
    """BUILD: set the state of a dtype or of a pending array; returns what replaces target."""
    if type(state) is not tuple:
        raise Refused("BUILD needs a tuple state")
    if isinstance(target, DtypeToken) and target.order is None:
        if len(state) != 8:
            raise Refused("a dtype state other than that of a plain number")
        order = _text(state[1])
        plain = _same(state[2:5], (None, None, None)) and _same(state[5:7], (-1, -1))
        if not (_flag(state[0], 3) and order in BYTE_ORDERS and plain and _flag(state[7], 0)):
            raise Refused("a dtype state other than that of a plain number")
        target.order = BYTE_ORDERS[order]
        return target
    if isinstance(target, PendingArray):
        if len(state) != 5 or not _flag(state[0], 1) or type(state[3]) is not bool:
            raise Refused("an array state other than (1, shape, dtype, fortran, data)")
        return make_array(state[4], state[2], state[1], "F" if state[3] else "C")
    raise Refused(f"BUILD of {type(target).__name__} is not allowed")
