"""One table from error to exit code and message: 0 ok, 1 a failed run or check, 2 bad usage
or data, 128 + the signal's number when a signal ended the command."""

from __future__ import annotations

import typer

from linclf.engine.errors import ConfigError, DataError, PlotError, RunDirError, UsageError
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
    (PlotError, EXIT_FAILED, "error"),
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
            return (code if code is not None else error.exit_code), line
    return None
