"""One table from error to exit code and message: 0 ok, 1 a failed run or check, 2 bad usage
or data (an --out that cannot be used as given, whichever command), 128 + the signal's number
when a signal ended the command. An error's text may quote a file's name or content, or a
server's answer: the line is made printable (engine/text.py) before anyone prints it."""

from __future__ import annotations

import errno

import typer

from linclf.engine.errors import (
    ConfigError,
    DataError,
    PlotError,
    RunDirError,
    RunFailed,
    UsageError,
)
from linclf.engine.text import printable
from linclf.tui.cli.signals import Interrupted

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# (error class, exit code — None: the error's own exit_code —, what the line calls it).
# The first class that matches wins.
ERRORS: tuple[tuple[type[BaseException], int | None, str], ...] = (
    (Interrupted, None, "interrupted"),
    (typer.TyperException, None, "error"),  # a bad option or value, found while parsing
    (typer.Abort, EXIT_FAILED, "aborted"),
    (UsageError, EXIT_USAGE, "error"),
    (ConfigError, EXIT_USAGE, "error"),
    (DataError, EXIT_USAGE, "error"),
    (RunDirError, EXIT_FAILED, "error"),
    (RunFailed, EXIT_FAILED, "error"),
    (PlotError, EXIT_FAILED, "error"),
)

# An OSError no code above turned into one of linclf's errors, by errno: (errno, exit code,
# what went wrong with the path it names). A full disk fails the run (1); a path that cannot
# be used as given (--out a file, a read-only folder, a name too long) is bad usage (2).
# Any other OSError stays an internal error: it would be a bug.
OS_ERRORS: tuple[tuple[int, int, str], ...] = (
    (errno.ENOSPC, EXIT_FAILED, "no space left on device; the files written before it are kept"),
    (errno.EDQUOT, EXIT_FAILED, "disk quota exceeded; the files written before it are kept"),
    (errno.EACCES, EXIT_USAGE, "permission denied: choose a folder you can write"),
    (errno.EPERM, EXIT_USAGE, "operation not permitted: choose a folder you can write"),
    (errno.EROFS, EXIT_USAGE, "read-only file system: choose a folder you can write"),
    (errno.ENAMETOOLONG, EXIT_USAGE, "a name in this path is too long for the file system"),
    (errno.ENOTDIR, EXIT_USAGE, "a file stands where this path needs a folder"),
    (errno.EEXIST, EXIT_USAGE, "exists and is not a folder"),
    (errno.ENOENT, EXIT_USAGE, "no such file or folder"),
    (errno.ELOOP, EXIT_USAGE, "too many levels of symbolic links"),
)


def _os_error(error: OSError) -> tuple[int, str] | None:
    """The reason says what the error's strerror says: a path goes before it, nothing else
    (never "No space left on device: no space left on device")."""
    for number, code, reason in OS_ERRORS:
        if error.errno == number:
            return code, reason if error.filename is None else f"{error.filename}: {reason}"
    return None


def internal_error_line(error: BaseException, prog: str = "linclf") -> str:
    """The line for an error no entry of the table knows: a bug of linclf's."""
    return printable(
        f"{prog}: internal error: {type(error).__name__}: {error} "
        "(LINCLF_DEBUG=1 shows the traceback)"
    )


def describe(error: BaseException, prog: str = "linclf") -> tuple[int, str] | None:
    """The exit code and the one line for a known error; None for any other."""
    for kind, code, label in ERRORS:
        if isinstance(error, kind):
            if isinstance(error, typer.TyperException):
                text = error.format_message()
            else:
                text = str(error)
            line = f"{prog}: {label}: {text}" if text else f"{prog}: {label}"
            if code is None:  # Interrupted and TyperException carry their own
                code = getattr(error, "exit_code", EXIT_FAILED)
            return code, printable(line)
    if isinstance(error, OSError) and (known := _os_error(error)):
        code, text = known
        return code, printable(f"{prog}: error: {text}")
    return None
