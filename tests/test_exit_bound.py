"""A command that a signal stopped ends within a bounded time after its last line, even when
something the interpreter's exit waits for without a timeout (a thread, a child process) was
left behind; a command that ends normally is not cut short."""

from __future__ import annotations

import subprocess
import sys
import time

from procs import ROOT

# `linclf` whose command returns code, leaving behind a thread that never ends by itself:
# what a concurrent.futures manager thread stuck at the exit looks like to the interpreter.
PROBE = """
import threading, sys
import linclf.tui.cli as cli
from linclf.tui.cli import signals
signals.EXIT_BOUND = 1.0
stuck = threading.Event()
def main():
    threading.Thread(target=stuck.wait, name="stuck").start()
    print("last line", flush=True)
    return int(sys.argv[1])
cli.main = main
cli.run()
"""


def probe(code: int, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_command_stopped_by_a_signal_ends_although_a_thread_is_stuck():
    started = time.monotonic()
    done = probe(143, timeout=30)
    assert done.returncode == 143 and done.stdout == "last line\n", done
    assert "Traceback" not in done.stderr, done.stderr
    assert time.monotonic() - started < 25


def test_a_normal_exit_is_not_bounded():
    """Without a signal the exit still waits for its threads: nothing is cut short."""
    try:
        probe(0, timeout=4)
    except subprocess.TimeoutExpired:
        return
    raise AssertionError("a normal exit did not wait for its thread")
