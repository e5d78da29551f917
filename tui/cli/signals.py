"""The one signal helper of the long commands: SIGINT, SIGTERM, SIGHUP (a closed SSH
connection) and SIGQUIT are caught while a command runs; each exits with 128 + the signal's
number. A signal the user had ignored when the process started (nohup's SIGHUP, SIGINT in a
shell's background job) stays ignored. A terminal that died under the command (EIO or EPIPE
on a write, see HangupStreams) is a hang-up: output goes to /dev/null and the process is sent
SIGHUP, which it then treats as it would treat the real one."""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
    if hasattr(signal, name)
)
DEAD_TERMINAL = (errno.EIO, errno.EPIPE)
# What signal.signal takes and returns: a function, SIG_DFL, SIG_IGN, or None (not from Python).
_Handler = Callable[[int, FrameType | None], Any] | int | None


class Interrupted(BaseException):
    """A signal, raised in the main thread. A BaseException (like KeyboardInterrupt), so no
    `except Exception` on the way swallows it."""

    def __init__(self, signum: int, detail: str = ""):
        name = signal.Signals(signum).name
        super().__init__(f"{name}: {detail}" if detail else name)
        self.signum = signum
        self.exit_code = 128 + signum

    def explained(self, detail: str) -> Interrupted:
        """The same signal with what the command kept, for its one closing line."""
        return Interrupted(self.signum, detail)


def _raise(signum: int) -> None:
    raise Interrupted(signum)


def ignored_at_start(signum: int) -> bool:
    """Whether the process was started with signum ignored (Python keeps SIG_IGN as it found
    it, SIGINT included)."""
    return signal.getsignal(signum) == signal.SIG_IGN


class SignalGuard:
    """While active, the first of these signals calls `first(signum)` and every later one
    `again(signum)`; both raise Interrupted unless a command sets gentler ones (e.g. "finish
    the epoch, then save"). `received` is the first signal's number, or None. A guard that
    caught a signal is left by a command that is ending: from then on a further signal ends
    the process at once (end_at_next_signal). Signals ignored when the guard starts are left
    ignored."""

    def __init__(
        self,
        first: Callable[[int], None] = _raise,
        again: Callable[[int], None] = _raise,
    ):
        self.first = first
        self.again = again
        self.received: int | None = None
        self._previous: dict[int, _Handler] = {}

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
                if not ignored_at_start(signum):
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self.received is not None and self._previous:
            end_at_next_signal(self._previous)  # the command is ending: no waiting
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def _exit_now(signum, frame) -> None:
    os._exit(128 + signum)


EXIT_BOUND = 10.0  # seconds a process that a signal stopped has to end after its last line


def bound_exit(code: int) -> None:
    """For a process whose command a signal stopped, which has written its last line: if the
    interpreter's exit has not ended it EXIT_BOUND seconds from now, end it then with code (stdio
    flushed). That exit joins threads and child processes without a timeout (the manager
    thread of concurrent.futures, multiprocessing's children), so one left behind by a
    signal at an unlucky moment would keep the process, and the pipes it holds, for ever."""

    seconds = EXIT_BOUND

    def deadline() -> None:
        threading.Event().wait(seconds)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a dead terminal, a closed stream
                pass
        os._exit(code)

    threading.Thread(target=deadline, name="exit-deadline", daemon=True).start()


def end_at_next_signal(signums=SIGNALS) -> None:
    """For a process that is ending anyway (a signal stopped its command): a further signal
    (of signums, the ones the command caught) ends it at once, with 128 + its number and no
    traceback, instead of waiting for the interpreter's shutdown (or raising
    KeyboardInterrupt in it)."""
    if threading.current_thread() is threading.main_thread():
        for signum in signums:
            signal.signal(signum, _exit_now)


class _HangupStream:
    """A text stream that turns EIO or EPIPE into a hang-up: the dead file descriptor is
    pointed at /dev/null and the process gets SIGHUP; the write counts as done."""

    def __init__(self, stream, fd: int):
        self._stream = stream
        self._fd = fd

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as err:
            self._dead(err)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as err:
            self._dead(err)

    def _dead(self, err: OSError) -> None:
        if err.errno not in DEAD_TERMINAL:
            raise err
        hang_up(self._fd)
        try:
            self._stream.flush()  # what was buffered for the dead terminal goes to /dev/null
        except OSError:
            pass

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def hang_up(fd: int) -> None:
    """The terminal behind fd is gone: fd, and the other standard streams on that terminal,
    now write to /dev/null, and the process is sent SIGHUP (ignored if the user ignored it,
    handled by a SignalGuard, or the default: the process ends)."""
    try:
        dead = os.fstat(fd)
    except OSError:
        dead = None
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for other in (1, 2):
            try:
                same = other == fd or (dead is not None and os.path.samestat(os.fstat(other), dead))
            except OSError:
                same = False
            if same:
                os.dup2(null, other)
    finally:
        os.close(null)
    if hasattr(signal, "SIGHUP"):
        os.kill(os.getpid(), signal.SIGHUP)


def treat_dead_terminal_as_hangup() -> None:
    """From now on sys.stdout and sys.stderr treat a dead terminal (EIO, EPIPE) as a hang-up
    (see hang_up) instead of raising: for the rest of the process, whose last line (an error
    line of tui/cli's main, say) may meet the dead terminal too. Safe to call twice."""
    if not isinstance(sys.stdout, _HangupStream):
        sys.stdout = _HangupStream(sys.stdout, 1)
    if not isinstance(sys.stderr, _HangupStream):
        sys.stderr = _HangupStream(sys.stderr, 2)
