"""The process's BLAS thread count, set in one place.

threadpoolctl's limits are process-wide, not per thread: two threads that each enter and
leave `threadpool_limits` as a context manager interleave their saves and restores, and the
process runs on at a count neither asked for. So linclf sets the count and never restores
it: a worker's entry points, and Training before its first epoch, call set_blas_threads(1)
(every process of linclf that trains or scores wants one thread per job: parallelism comes
from the jobs). Setting the count that is already set changes nothing, so it is safe from
any thread, any number of times. Call it from the main thread: the OpenBLAS that numpy ships
(0.3.31 here) ignores a count set from any other thread, so a process that trains in a thread
(the TUI) sets it where it starts.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()


def set_blas_threads(n: int) -> None:
    """Limit every BLAS and OpenMP pool of this process to n threads, for good."""
    from threadpoolctl import threadpool_limits

    with _lock:
        threadpool_limits(limits=n)
