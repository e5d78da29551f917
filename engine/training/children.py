"""No child process outlives the command that started it. A child calls `watch_parent` first
thing (a worker pool's initializer, the plot process's main): on Linux the kernel kills it when
its parent dies, even by SIGKILL (prctl PR_SET_PDEATHSIG); elsewhere a thread notices that
the parent has gone (the child is re-parented) and ends the process.

A child also ignores SIGINT and SIGHUP: a Ctrl-C or a hang-up of the terminal reaches the
whole foreground process group, and only the command decides what it means (it stops its
children itself, with SIGTERM or SIGKILL)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
POLL = 0.5  # seconds between two looks at the parent, in the fallback thread


def _die_with_parent() -> bool:
    """Ask the kernel for SIGKILL when the parent dies; False where it cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL)
    os._exit(1)


def ignore_terminal_signals() -> None:
    """SIGINT and SIGHUP are the command's to handle, not this process's."""
    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def watch_parent(parent: int) -> None:
    """End this process when `parent` (the pid that started it) is gone; ignore the terminal's
    signals. Safe to call more than once."""
    ignore_terminal_signals()
    by_kernel = _die_with_parent()
    if os.getppid() != parent:  # the parent died before the watch began
        os._exit(1)
    if not by_kernel:
        threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()
