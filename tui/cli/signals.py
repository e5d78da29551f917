"""The one signal helper of the long commands: SIGINT, SIGTERM and SIGHUP (a closed SSH
connection) are caught while a command runs; each exits with 128 + the signal's number."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Interrupted(BaseException):
    """A signal, raised in the main thread. A BaseException (like KeyboardInterrupt), so no
    `except Exception` on the way swallows it."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum


def _raise(signum: int) -> None:
    raise Interrupted(signum)


class SignalGuard:
    """While active, the first of these signals calls `first(signum)` and every later one
    `again(signum)`; both raise Interrupted unless a command sets gentler ones (e.g. "finish
    the epoch, then save"). `received` is the first signal's number, or None. A guard that
    caught a signal is left by a command that is ending: from then on a further signal ends
    the process at once (end_at_next_signal)."""

    def __init__(
        self,
        first: Callable[[int], None] = _raise,
        again: Callable[[int], None] = _raise,
    ):
        self.first = first
        self.again = again
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        if self.received is None:
            self.received = signum
            self.first(signum)
        else:
            self.again(signum)

    @property
    def exit_code(self) -> int | None:
        return None if self.received is None else 128 + self.received

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self.received is not None and self._previous:
            end_at_next_signal()  # the command is ending: a further signal must not wait
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def _exit_now(signum, frame) -> None:
    os._exit(128 + signum)


def end_at_next_signal() -> None:
    """For a process that is ending anyway (a signal stopped its command): a further signal
    ends it at once, with 128 + its number and no traceback, instead of waiting for the
    interpreter's shutdown (or raising KeyboardInterrupt in it)."""
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, _exit_now)
