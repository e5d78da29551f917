"""tui/hangup.py piece by piece, without a terminal: the output wrapper, the resume rule, and the
guard's deadlines (in a child process, since the guard ends its process with os._exit)."""

from __future__ import annotations

import asyncio
import errno
import os
import subprocess
import sys
import textwrap
import time

import pytest

from linclf.tui.hangup import HangupSafeDriver, SafeOutput


class DeadTty:
    def __init__(self):
        self.writes = 0

    def write(self, text: str) -> None:
        self.writes += 1
        raise OSError(errno.EIO, "Input/output error")

    def flush(self) -> None:
        raise OSError(errno.EIO, "Input/output error")


def test_output_error_is_reported_once_then_dropped() -> None:
    calls = []
    tty = DeadTty()
    out = SafeOutput(tty, lambda: calls.append(1))
    for _ in range(100):  # more than the writer thread's queue holds
        out.write("\x1b[?1049l")
        out.flush()
    assert calls == [1] and tty.writes == 1 and out.dead


def test_sigcont_without_suspend_does_not_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    started = []
    base = "textual.drivers.linux_driver.LinuxDriver"
    monkeypatch.setattr(f"{base}.start_application_mode", lambda self: started.append(1))
    monkeypatch.setattr(f"{base}.stop_application_mode", lambda self: None)
    monkeypatch.setattr("signal.signal", lambda *args: None)  # keep pytest's handlers

    async def make() -> HangupSafeDriver:  # a Driver wants a running loop
        return HangupSafeDriver(object(), debug=False, mouse=False, size=(80, 24))

    driver = asyncio.run(make())
    read_end, write_end = os.pipe()
    driver.fileno = read_end  # no terminal: no hangup monitor
    driver.resume_application_mode()  # the SIGCONT that comes with a hangup
    assert started == []
    driver.suspend_application_mode()  # Ctrl+Z, then fg
    driver.resume_application_mode()
    assert started == [1]
    os.close(read_end)
    os.close(write_end)


GUARD_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, signal, threading
    from linclf.tui.hangup import ShutdownGuard

    class FakeApp:
        def exit(self):
            print("exit asked", flush=True)

    saved = threading.Event()
    def on_signal(signum):
        print("signal", signum, flush=True)
        if {save_after} >= 0:
            threading.Timer({save_after}, saved.set).start()
        return saved

    async def main():
        guard = ShutdownGuard(FakeApp(), on_signal, save_seconds=2.0, exit_seconds=3.0,
                              grace=0.5)
        guard.install()
        print("ready", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(30)  # stands for an app whose exit never finishes

    asyncio.run(main())
    """
)


@pytest.mark.parametrize(
    ("save_after", "low", "high"),
    # saved after 0.2 s: exit 0.5 s (grace) later; never: 2 s (save deadline) + 0.5 s
    [(0.2, 0.6, 1.5), (-1, 2.4, 3.1)],
)
def test_guard_exits_after_save_or_at_deadline(save_after: float, low: float, high: float):
    script = GUARD_SCRIPT.format(save_after=save_after)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "ready\n"
    start = time.monotonic()
    rest = child.stdout.read()  # until the process ends
    took = time.monotonic() - start
    assert child.wait(timeout=5) == 128 + 15
    assert rest.splitlines() == ["signal 15", "exit asked"]
    assert low <= took <= high
