"""The interpreter behind unpickle: a stack machine for the few pickle opcodes a CIFAR-10 batch
uses, with every object it makes charged to a budget. See unpickle's docstring for what it
guarantees and why it is not pickle.Unpickler."""

from __future__ import annotations

import pickle
import sys

import numpy as np

from linclf.engine.data.pickle_objects import Objects
from linclf.engine.data.pickled_arrays import ENCODE, GLOBALS, PendingArray, Refused, build, reduce

MAX_FILE_BYTES = 64 << 20  # a CIFAR-10 batch is 31 MB
MAX_OPS = 1_000_000  # dispatches (a run of labels or names is one); a batch needs ~100
VIEW_MIN = 1 << 16
_STOP, _MEMOIZE, _BINPUT = pickle.STOP[0], pickle.MEMOIZE[0], pickle.BINPUT[0]
_SHORT_BYTES = (pickle.SHORT_BINSTRING[0], pickle.SHORT_BINBYTES[0])
_RUN = 4096  # opcodes of one kind read in one go


class Machine:
    """Runs one pickle: Machine(data).run() is the object, or Refused says why not."""

    def __init__(self, data: bytes | bytearray):
        self.data, self.view, self.end = data, memoryview(data), len(data)
        self.pos = 0
        self.stack: list = []
        self.marks: list[int] = []
        self.memo: dict[int, object] = {}
        self.objects = Objects()
        self.ops = {code[0]: handler for code, handler in self._handlers().items()}

    def _handlers(self) -> dict:
        """The opcodes CIFAR-10 batches use, by pickle's names; any other is refused."""
        P = pickle
        return {
            P.PROTO: self._proto,
            P.FRAME: lambda: self._take(8),
            P.MARK: self._mark,
            P.NONE: lambda: self._push(None, 0),
            P.NEWTRUE: lambda: self._push(True, 0),
            P.NEWFALSE: lambda: self._push(False, 0),
            P.BININT1: self._binint1_run,
            P.BININT2: lambda: self._push(self._uint(2), 0),
            P.BININT: lambda: self._push(self._sint(4), 32),
            P.LONG1: self._long1,
            P.SHORT_BINSTRING: self._short_bytes_run,
            P.BINSTRING: lambda: self._push_bytes(self._sint(4)),
            P.SHORT_BINBYTES: self._short_bytes_run,
            P.BINBYTES: lambda: self._push_bytes(self._uint(4)),
            P.BINBYTES8: lambda: self._push_bytes(self._uint(8)),
            P.BYTEARRAY8: lambda: self._push_bytes(self._uint(8)),
            P.SHORT_BINUNICODE: lambda: self._push_text(self._uint(1)),
            P.BINUNICODE: lambda: self._push_text(self._uint(4)),
            P.BINUNICODE8: lambda: self._push_text(self._uint(8)),
            P.EMPTY_DICT: lambda: self._push_container({}),
            P.EMPTY_LIST: lambda: self._push_container([]),
            P.EMPTY_TUPLE: lambda: self._push_tuple([]),
            P.TUPLE: lambda: self._push_tuple(self._pop_mark()),
            P.TUPLE1: lambda: self._push_tuple(self._pop(1)),
            P.TUPLE2: lambda: self._push_tuple(self._pop(2)),
            P.TUPLE3: lambda: self._push_tuple(self._pop(3)),
            P.LIST: lambda: self._from_mark([]),
            P.DICT: lambda: self._from_mark({}),
            P.APPEND: lambda: self._fill_top(1),
            P.APPENDS: self._fill_mark,
            P.SETITEM: lambda: self._fill_top(2),
            P.SETITEMS: self._fill_mark,
            P.BINPUT: lambda: self._put(self._uint(1)),
            P.LONG_BINPUT: lambda: self._put(self._uint(4)),
            P.MEMOIZE: lambda: self._put(len(self.memo)),
            P.BINGET: lambda: self._get(self._uint(1)),
            P.LONG_BINGET: lambda: self._get(self._uint(4)),
            P.GLOBAL: self._global,
            P.STACK_GLOBAL: self._stack_global,
            P.REDUCE: self._reduce,
            P.BUILD: self._build,
        }

    # ---- reading the opcode stream ----
    def _take(self, n: int) -> memoryview:
        start = self.pos
        if n < 0 or start + n > self.end:
            raise Refused("truncated pickle")
        self.pos = start + n
        return self.view[start : self.pos]

    def _uint(self, n: int) -> int:
        return int.from_bytes(self._take(n), "little")

    def _sint(self, n: int) -> int:
        return int.from_bytes(self._take(n), "little", signed=True)

    def run(self) -> object:
        try:
            return self._run()
        finally:
            # The handlers refer back to the machine: without this the machine, and with it
            # the whole file buffer, would live on until the cyclic garbage collector runs.
            self.ops.clear()

    def _run(self) -> object:
        ops, data, end = self.ops, self.data, self.end
        for _ in range(MAX_OPS):
            if self.pos >= end:
                raise Refused("truncated pickle")
            code = data[self.pos]
            self.pos += 1
            if code == _STOP:
                return self._stop()
            handler = ops.get(code)
            if handler is None:
                raise Refused(f"opcode {bytes([code])!r} at byte {self.pos - 1} is not allowed")
            handler()
        raise Refused(f"more than {MAX_OPS} pickle opcodes")

    def _proto(self) -> None:
        if self.pos != 1 or self._uint(1) not in (2, 3, 4, 5):
            raise Refused("not a pickle of protocol 2 to 5")

    # ---- the stack ----
    def _push(self, value: object, cost: int) -> None:
        self.objects.charge(cost + 8)
        self.stack.append(value)

    def _pop(self, n: int) -> list:
        if len(self.stack) - n < (self.marks[-1] if self.marks else 0):
            raise Refused("stack underflow")
        items = self.stack[-n:]
        del self.stack[-n:]
        return items

    def _mark(self) -> None:
        self.objects.charge(8)
        self.marks.append(len(self.stack))

    def _top(self) -> object:
        """The object just below what was popped; it must lie above the innermost MARK."""
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise Refused("stack underflow")
        return self.stack[-1]

    def _pop_mark(self) -> list:
        if not self.marks:
            raise Refused("no MARK")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def _stop(self) -> object:
        if len(self.stack) != 1 or self.marks:
            raise Refused("malformed pickle (STOP with a stack that is not one object)")
        result = self.stack[0]
        self.objects.depth_of(result)  # refuses stand-ins and unfinished arrays
        return result

    # ---- atoms ----
    def _binint1_run(self) -> None:
        """BININT1 and the BININT1s right after it (a list of labels) in one go."""
        start = self.pos - 1
        window = self.data[start : start + 2 * _RUN : 2]
        stop = min(start + 2 * (len(window) - len(window.lstrip(pickle.BININT1))), self.end)
        stop -= (stop - start) % 2
        if stop == start:
            raise Refused("truncated pickle")
        self.objects.charge(8 * (stop - start) // 2)
        self.stack.extend(self.data[start + 1 : stop : 2])
        self.pos = stop

    def _short_bytes_run(self) -> None:
        """SHORT_BINSTRING/SHORT_BINBYTES (each maybe memoized) and the ones after it (a list
        of file names) in one go: the same as one opcode at a time, without the dispatch."""
        data, view, end, stack, memo = self.data, self.view, self.end, self.stack, self.memo
        pos, cost = self.pos - 1, 0
        for _ in range(_RUN):
            if pos + 2 > end or data[pos] not in _SHORT_BYTES:
                break
            stop = pos + 2 + data[pos + 1]
            if stop > end:
                raise Refused("truncated pickle")
            item = bytes(view[pos + 2 : stop])
            stack.append(item)
            cost += 48 + stop - pos
            pos = stop
            if pos < end and data[pos] == _MEMOIZE:
                memo[len(memo)] = item
                pos, cost = pos + 1, cost + 120
            elif pos + 1 < end and data[pos] == _BINPUT:
                memo[data[pos + 1]] = item
                pos, cost = pos + 2, cost + 120
        if pos == self.pos - 1:
            raise Refused("truncated pickle")
        self.pos = pos
        self.objects.charge(cost)

    def _long1(self) -> None:
        n = self._uint(1)
        self._push(int.from_bytes(self._take(n), "little", signed=True), 32 + n)

    def _push_bytes(self, n: int) -> None:
        chunk = self._take(n)
        if n >= VIEW_MIN:
            self._push(chunk, 200)  # a view of the file's bytes, no copy
        else:
            self._push(bytes(chunk), 40 + n)

    def _push_text(self, n: int) -> None:
        chunk = self._take(n)
        # The decoded str can take up to 4 bytes per byte of UTF-8: charge an upper bound
        # before decoding, then give back what it did not use. The largest byte bounds the
        # widest character (leads of U+0100 and up are >= 0xC4, of U+10000 and up >= 0xF0).
        top = 0xFF if n < 4096 else int(np.frombuffer(chunk, np.uint8).max())
        bound = 80 + n * (4 if top >= 0xF0 else 2 if top >= 0xC4 else 1)
        self.objects.charge(bound)
        try:
            text = str(chunk, "utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise Refused("a string that is not UTF-8") from None
        self._push(text, sys.getsizeof(text) - bound)

    # ---- containers ----
    def _fill_mark(self) -> None:
        items = self._pop_mark()
        if not self.stack:
            raise Refused("stack underflow")
        self.objects.fill(self.stack[-1], items)

    def _fill_top(self, n: int) -> None:
        items = self._pop(n)
        self.objects.fill(self._top(), items)

    def _from_mark(self, empty: list | dict) -> None:
        items = self._pop_mark()
        self.objects.fill(self._push_container(empty), items)

    def _push_container(self, obj: list | dict) -> list | dict:
        self._push(self.objects.container(obj), 0)
        return obj

    def _push_tuple(self, items: list) -> None:
        self._push(self.objects.tuple_of(items), 0)

    # ---- memo ----
    def _put(self, key: int) -> None:
        if not self.stack:
            raise Refused("memo store from an empty stack")
        value = self.stack[-1]
        if isinstance(value, PendingArray):
            value.memo_keys.append(key)
        self.objects.charge(120)
        self.memo[key] = value

    def _get(self, key: int) -> None:
        if key not in self.memo:
            raise Refused(f"memo key {key} is missing")
        self._push(self.memo[key], 0)

    # ---- globals and calls ----
    def _line(self) -> str:
        end = self.data.find(b"\n", self.pos, min(self.end, self.pos + 128))
        if end < 0:
            raise Refused("a GLOBAL name that is too long or truncated")
        line = bytes(self._take(end - self.pos))
        self.pos += 1
        return line.decode("ascii", "replace")

    def _resolve(self, module: str, name: str) -> None:
        token = GLOBALS.get((module, name))
        if token is None:
            raise Refused(f"refuses to load {module}.{name}"[:200])
        self._push(token, 0)

    def _global(self) -> None:
        module = self._line()
        self._resolve(module, self._line())

    def _stack_global(self) -> None:
        module, name = self._pop(2)
        if type(module) is not str or type(name) is not str:
            raise Refused("STACK_GLOBAL needs two strings")
        self._resolve(module, name)

    def _reduce(self) -> None:
        func, args = self._pop(2)
        if func is ENCODE and type(args) is tuple and args and type(args[0]) is str:
            self.objects.charge(len(args[0]))  # before encode makes that many bytes
        self._push(reduce(func, args), 200)

    def _build(self) -> None:
        (state,) = self._pop(1)
        target = self._top()
        result = build(target, state)
        self.objects.charge(200)
        self.stack[-1] = result
        if isinstance(target, PendingArray):
            for key in target.memo_keys:
                if self.memo.get(key) is target:
                    self.memo[key] = result
