"""Every error linclf raises on purpose, in one module that imports nothing heavy, so the
command line can map them to messages and exit codes without loading the engine."""

from __future__ import annotations


class LinclfError(Exception):
    """An expected failure: its message is one line for the user, naming what and why."""


class UsageError(LinclfError):
    """A request that cannot be carried out as asked (an option, a folder, a missing extra)."""


class ConfigError(LinclfError, ValueError):
    """A hyper-parameter that cannot be used; the message says which and why."""


class DataError(LinclfError):
    """A dataset file or folder that cannot be used; the message names it and the problem."""


class MissingData(DataError):
    """No dataset folder and no archive to unpack: the user may fetch it."""


class RunDirError(LinclfError):
    """A run or report folder that cannot be created or written; the message says where."""


class RunFailed(LinclfError):
    """A run that a command needed ended in an error (a full disk, say); the message names
    the run's step and the error it recorded."""


class PlotError(LinclfError):
    """A run's PNGs could not be drawn or written; the message says which and why."""
