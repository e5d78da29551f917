"""What a pickle may build, and what it costs: the containers, atoms and arrays a batch
holds, with every object charged to one budget. Used by pickle_vm.Machine."""

from __future__ import annotations

import numpy as np

from linclf.engine.data.pickled_arrays import STAND_INS, Refused

MAX_DEPTH = 16  # a batch needs 3
MAX_DERIVED_BYTES = 96 << 20  # Python objects made while loading; views of the file are free
ATOMS = (int, bool, str, bytes, type(None))
_ATOM_TYPES = frozenset(ATOMS)


class _Meta:
    """Bookkeeping for a list, dict or tuple the pickle made (keeps it alive, so ids stay
    unique): how deep it nests, whether it is stored somewhere (then frozen), whether it holds
    a stand-in (then it may only be an argument of REDUCE or BUILD)."""

    __slots__ = ("obj", "depth", "frozen", "tainted")

    def __init__(self, obj: object, depth: int, frozen: bool, tainted: bool):
        self.obj, self.depth, self.frozen, self.tainted = obj, depth, frozen, tainted


class Objects:
    """The containers made so far and the budget left. A container stored in another (or on
    which a tuple is built) is frozen: it may not change any more, so no cycle can form and a
    container's depth, fixed when it is stored, stays exact."""

    def __init__(self) -> None:
        self.meta: dict[int, _Meta] = {}
        self.budget = MAX_DERIVED_BYTES

    def charge(self, nbytes: int) -> None:
        self.budget -= nbytes
        if self.budget < 0:
            raise Refused(f"it would take more than {MAX_DERIVED_BYTES >> 20} MiB to load")

    def container(self, obj: list | dict) -> list | dict:
        """Register a new, empty list or dict."""
        self.charge(300)
        self.meta[id(obj)] = _Meta(obj, 1, False, False)
        return obj

    def tuple_of(self, items: list) -> tuple:
        """A tuple of items; one holding a stand-in is tainted: only REDUCE or BUILD take it."""
        depth, tainted = 1, False
        for item in items:
            if isinstance(item, STAND_INS):
                tainted = True
            elif type(item) in (list, dict, tuple):
                meta = self.meta[id(item)]
                meta.frozen = True
                depth = max(depth, meta.depth + 1)
                tainted = tainted or meta.tainted
        if depth > MAX_DEPTH:
            raise Refused(f"containers nested more than {MAX_DEPTH} deep")
        self.charge(300 + 8 * len(items))
        value = tuple(items)
        self.meta[id(value)] = _Meta(value, depth, True, tainted)
        return value

    def depth_of(self, item: object) -> int:
        """How deep item nests, for storing it as data; freezes containers."""
        if type(item) in ATOMS or type(item) is memoryview:
            return 0
        if isinstance(item, STAND_INS):
            raise Refused(f"{item!r} used as data (only numbers, strings and arrays may be)")
        if type(item) in (list, dict, tuple):
            meta = self.meta[id(item)]
            if meta.tainted:
                raise Refused("a tuple holding numpy internals used as data")
            meta.frozen = True
            return meta.depth
        if type(item) is np.ndarray:  # made by pickled_arrays: plain numbers
            return 0
        raise Refused(f"{type(item).__name__} used as data")

    def fill(self, target: object, items: list) -> None:
        """APPEND(S) items to a list, SETITEM(S) key-value pairs into a dict."""
        if set(map(type, items)) <= _ATOM_TYPES:
            depth = 0  # the common case, without a call per item
        else:
            depth = max(self.depth_of(item) for item in items)
        meta = self.meta.get(id(target)) if type(target) in (list, dict) else None
        if meta is None or meta.frozen:
            raise Refused("items added to something that is not a list or dict being built")
        if depth + 1 > MAX_DEPTH:
            raise Refused(f"containers nested more than {MAX_DEPTH} deep")
        meta.depth = max(meta.depth, depth + 1)
        if isinstance(target, list):
            self.charge(16 * len(items))
            target.extend(items)
            return
        assert isinstance(target, dict)  # meta exists only for the lists and dicts built here
        if len(items) % 2:
            raise Refused("SETITEMS with an odd number of items")
        keys = items[::2]
        if not all(type(key) in ATOMS for key in keys):
            raise Refused("a dict key that is not a string or number")
        self.charge(100 * len(keys))
        target.update(zip(keys, items[1::2]))
