"""Make a Textual app end within seconds when its terminal goes away or it is told to stop.

Textual 8.2's LinuxDriver does not survive a hangup (a dropped SSH connection closes the pty
master: the kernel sends SIGHUP and SIGCONT, reads on the tty return EOF, writes fail with EIO):

- its writer thread dies on the first EIO; its queue holds 30 writes, so the next writes of
  the event loop (a refresh, the escape codes of `stop_application_mode`, the `None` of
  `WriterThread.stop`) block the main thread forever;
- its SIGCONT handler restarts application mode although nothing was suspended, so a second
  writer thread dies the same way and a second input thread starts;
- its input thread treats EOF as "no data" and loops on select(), which a hung-up tty always
  answers at once: it spins until the process ends (an orphan used 35-41 % of a core).

`HangupSafeDriver` fixes the driver side: output errors are swallowed (the writer thread keeps
draining its queue), SIGCONT resumes only after a real suspend, and a monitor thread that
polls the tty for POLLHUP ends all terminal I/O at once (input threads stop, fds 1 and 2 go
to /dev/null) and raises SIGHUP, so a hangup is handled even when the kernel's SIGHUP went to
another process. `ShutdownGuard` fixes the app side: SIGHUP and SIGTERM wake a watchdog
thread (never the event loop, which may be the thing that is stuck) that asks the app to stop
and save, waits for the save, asks the app to exit, and ends the process with os._exit when
the normal exit has not happened by the deadline (a thread worker that cannot be cancelled,
such as a torch computation, would otherwise hold the exit in the executor shutdown).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver

SIGNALS = (signal.SIGHUP, signal.SIGTERM)


class SafeOutput:
    """The driver's output file; a failed write or flush means the terminal is gone: it is
    reported once and everything after it is dropped, so the writer thread never dies."""

    def __init__(self, file: IO[str], on_error: Callable[[], None]):
        self._file = file
        self._on_error = on_error
        self.dead = False

    def write(self, text: str) -> None:
        if self.dead:
            return
        try:
            self._file.write(text)
        except OSError:
            self.dead = True
            self._on_error()

    def flush(self) -> None:
        if self.dead:
            return
        try:
            self._file.flush()
        except OSError:
            self.dead = True
            self._on_error()

    def fileno(self) -> int:
        return self._file.fileno()


class HangupSafeDriver(LinuxDriver):
    """LinuxDriver that neither blocks, spins nor restarts when its terminal hangs up."""

    def __init__(self, app: App, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        assert self._file is not None  # LinuxDriver's output: sys.__stderr__, the terminal
        self._output = SafeOutput(self._file, self.hang_up)
        # textual types its private _file as sys.__stderr__ is typed; any writable will do.
        self._file = self._output  # type: ignore[assignment]
        self._suspended = False
        self._hung_up = False
        self._monitor: threading.Thread | None = None
        # Set once close() has written (or, hung up, dropped) the last output: the terminal
        # is restored and nothing more is owed to it.
        self.released = threading.Event()

    def start_application_mode(self) -> None:
        super().start_application_mode()
        if self._monitor is None and os.isatty(self.fileno):
            self._monitor = threading.Thread(
                target=self._watch_tty, name="tty-hangup-monitor", daemon=True
            )
            self._monitor.start()

    def _watch_tty(self) -> None:
        # events=0: poll() returns only for POLLHUP/POLLERR/POLLNVAL, which a live tty never
        # reports and a hung-up one always does; a blocked poll costs nothing.
        poller = select.poll()
        poller.register(self.fileno, 0)
        while not self._hung_up:
            if poller.poll():
                self.hang_up()
                return

    def hang_up(self) -> None:
        """The terminal is gone: stop all I/O on it, then tell the app with SIGHUP."""
        if self._hung_up:
            return
        self._hung_up = True
        self._output.dead = True
        # Input threads leave their loop within 0.1 s; disable_input() then does nothing,
        # so shutdown neither writes escape codes nor joins a thread.
        self.exit_event.set()
        # Anything that still writes to stdout/stderr (a late print, rich at exit, Python's
        # final flush) succeeds instead of raising EIO.
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            os.dup2(null, 2)
        finally:
            os.close(null)
        os.kill(os.getpid(), signal.SIGHUP)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.released.set()

    def suspend_application_mode(self) -> None:
        self._suspended = True
        super().suspend_application_mode()

    def resume_application_mode(self) -> None:
        # The kernel sends SIGCONT with every hangup's SIGHUP; only a real suspend
        # (Ctrl+Z, App.suspend) is followed by a resume.
        if not self._suspended or self._hung_up:
            return
        self._suspended = False
        super().resume_application_mode()


class ShutdownGuard:
    """SIGHUP and SIGTERM for the whole life of a Textual app: stop, save, exit, in time.

    `on_signal(signum)` runs in the watchdog thread (so it must only set flags or call
    thread-safe stop methods); it returns an Event that is set once what the app owns is
    saved, or None when nothing needs saving. The guard then waits for that Event at most
    `save_seconds` after the signal, schedules `app.exit()` on the event loop, waits until
    a HangupSafeDriver has restored the terminal, and if the process still runs `grace`
    seconds later (never later than `exit_seconds` after the signal) ends it with
    os._exit(128 + signum). After a signal the interpreter's own
    teardown is skipped too (atexit: flush stdio, os._exit): freeing a large heap took 2 s
    on a loaded machine. Without a signal nothing changes.
    """

    def __init__(
        self,
        app: App,
        on_signal: Callable[[int], threading.Event | None],
        *,
        save_seconds: float = 7.0,
        exit_seconds: float = 8.5,
        grace: float = 1.0,
    ):
        self.app = app
        self.on_signal = on_signal
        self.save_seconds, self.exit_seconds, self.grace = save_seconds, exit_seconds, grace
        self.signum: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._released: threading.Event | None = None
        self._write_end: int | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum

    def skip_teardown(self, code: int) -> None:
        """After a normal quit of an installed guard's app: end the process with code right
        after the atexit handlers registered later have run, skipping the interpreter's
        teardown (seconds on a loaded machine; the app has nothing left to save)."""
        if self._loop is not None:
            atexit.register(_exit_now, code)

    def install(self) -> None:
        """Call from the app's main thread once its loop runs (e.g. in on_mount). The handlers
        stay until the process ends: a signal during teardown is handled too."""
        self._loop = asyncio.get_running_loop()
        # Textual has no public accessor for the app's driver; _driver is set before mount.
        driver = getattr(self.app, "_driver", None)
        if isinstance(driver, HangupSafeDriver):
            self._released = driver.released
        # The signal handler only writes the signal's number to this pipe: no lock, no
        # thread start, nothing that could deadlock with the code it interrupts.
        read_end, self._write_end = os.pipe()
        threading.Thread(
            target=self._watch, args=(read_end,), name="shutdown-watchdog", daemon=True
        ).start()
        for signum in SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: object) -> None:
        if self.signum is None and self._write_end is not None:  # set before the handler
            self.signum = signum
            os.write(self._write_end, bytes([signum]))

    def _watch(self, read_end: int) -> None:
        signum = os.read(read_end, 1)[0]
        start = time.monotonic()
        # atexit runs after the non-daemon threads are joined (while this thread still
        # runs, so the deadline below holds) and before the slow part of the teardown.
        atexit.register(_exit_now, 128 + signum)
        saved: threading.Event | None = None
        with contextlib.suppress(Exception):  # a failing app hook must not stop the exit
            saved = self.on_signal(signum)
        if saved is not None:
            saved.wait(max(0.0, start + self.save_seconds - time.monotonic()))
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(self.app.exit)
        if self._released is not None:  # a live terminal gets its screen and modes back
            self._released.wait(max(0.0, start + self.exit_seconds - time.monotonic()))
        time.sleep(max(0.0, min(self.grace, start + self.exit_seconds - time.monotonic())))
        os._exit(128 + signum)


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
