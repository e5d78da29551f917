"""A pickle reader for CIFAR-10 batch files that cannot be made to crash, hang or run code.

Guarantee: for a file of N bytes the loader allocates at most O(N) plus the expected batch size
(concretely: the N-byte buffer, at most MAX_DERIVED_BYTES = 96 MiB of objects made from it,
and in read_batch at most one copy of the pixel array the file itself holds); it never
executes code from the file, never recurses on the file's structure (so no C stack to
overflow), never makes an array that points at memory the file does not hold, and never
crashes the interpreter. It reads only regular files of at most MAX_FILE_BYTES = 64 MiB, and
refuses a FIFO or device without opening it. Every input it does not accept ends in one
DataError naming the file.

This holds by construction, not by a list of known attacks, because this is not
pickle.Unpickler with a filter but a small interpreter of its own (pickle_vm):

- it knows only the opcodes that CIFAR-10's Python-2 files and Python 3's protocol 2 to 5
  output of dicts, lists, ints, strings and numpy arrays use; any other is refused;
- globals resolve to inert stand-ins (pickled_arrays), never to real callables; arrays are
  made only by np.frombuffer over exactly the bytes their shape needs, in a plain numeric
  dtype from a fixed table (no object, string, void or structured dtypes, no strides);
- every object made is charged to a budget (pickle_objects), and at most MAX_OPS opcodes are
  dispatched; containers nest at most MAX_DEPTH deep, a container stored in another may not
  change any more (so no cycles, and depths stay exact), and dict keys are atoms only.

Byte strings of VIEW_MIN bytes or more come back as memoryviews into the file buffer, so the
pixel array of a Python-2 or protocol-3+ file is a view of the file, not a copy. Not
supported (refused): protocols 0 and 1, floats, sets, numpy scalars, out-of-band buffers.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from linclf.engine.data.pickle_vm import MAX_FILE_BYTES, Machine
from linclf.engine.data.pickled_arrays import Refused
from linclf.engine.errors import DataError


def loads(data: bytes | bytearray) -> object:
    """Unpickle a batch from memory; DataError (without a file name) for anything refused."""
    if len(data) < 2 or data[0] != 0x80:
        raise DataError("not a pickle of protocol 2 to 5")
    try:
        return Machine(data).run()
    except Refused as err:
        raise DataError(str(err)) from None
    except (LookupError, TypeError, ValueError, ArithmeticError) as err:
        # Not reached by any input tried (the property tests check that): a last line of
        # defence, so that a slip in Machine is a refusal, not a crash of the command.
        raise DataError(f"malformed pickle (unchecked {type(err).__name__})") from None


def open_regular(path: Path, limit: int, what: str = "a CIFAR-10 batch") -> io.BufferedReader:
    """path opened for reading, if it is a regular file of at most limit bytes. A FIFO or a
    device is refused from its stat, without being opened, so it can neither block nor be
    consumed; the open itself is non-blocking, and fstat confirms what was opened."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise DataError(f"{path}: is a folder, expected {what} file")
        _check_regular(path, info, limit, what)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        handle = open(fd, "rb")
        try:
            _check_regular(path, os.fstat(fd), limit, what)  # the path may have been swapped
        except BaseException:
            handle.close()
            raise
        return handle
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except PermissionError:
        raise DataError(f"{path}: no permission to read it") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read it ({err.strerror or err})") from None


def _check_regular(path: Path, info: os.stat_result, limit: int, what: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{path}: is not a regular file (a FIFO, device or socket?)")
    if info.st_size > limit:
        raise DataError(
            f"{path}: {info.st_size / 2**20:.0f} MiB is more than {what} can be "
            f"(at most {limit >> 20} MiB)"
        )
    if info.st_size == 0:
        raise DataError(f"{path}: file is empty")


def read_file(path: str | os.PathLike, limit: int = MAX_FILE_BYTES) -> bytearray:
    """The whole of a regular file of at most limit bytes (see open_regular)."""
    path = Path(path)
    with open_regular(path, limit) as handle:
        data = bytearray(os.fstat(handle.fileno()).st_size)
        try:
            done = handle.readinto(data)
        except OSError as err:
            raise DataError(f"{path}: cannot read it ({err.strerror or err})") from None
    if done < len(data):
        raise DataError(f"{path}: changed while it was read")
    return data


def load(path: str | os.PathLike) -> object:
    """Read and unpickle one batch file; every refusal is a DataError naming the file."""
    data = read_file(path)
    try:
        return loads(data)
    except DataError as err:
        reason = str(err)
        prefix = "" if reason == "truncated pickle" else "not a CIFAR-10 batch: "
        raise DataError(f"{path}: {prefix}{reason}") from None
