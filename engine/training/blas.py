"""The process's BLAS thread count, set once per process, where the process starts.

threadpoolctl's limits are process-wide, not per thread: two threads that each enter and
leave `threadpool_limits` as a context manager interleave their saves and restores, and the
process runs on at a count neither asked for. And the OpenBLAS that numpy ships (0.3.31 here)
ignores a count set from any thread but the main one. So linclf sets the count once, from the
main thread, where a process starts, and never restores it; library code (Training, the
evaluators, the report's sections) never sets it. Every process of linclf that trains or
scores wants one thread per job: parallelism comes from the jobs (and, within a run, from
Training's evaluation thread beside its training thread). The places:

- `linclf train`, `linclf search` and `linclf report`: first thing in the command
  (tui/cli/train.py, search.py, report.py), once numpy is loaded;
- a local worker of search or report: its initializer, engine.worker.start_worker;
- a Dask worker: its nanny starts it with OPENBLAS_NUM_THREADS=1 (and MKL/OMP alike;
  Dask's `distributed.nanny.pre-spawn-environ`), so its tasks find one thread set;
- the plot worker: OPENBLAS_NUM_THREADS=1 in its environment (engine/training/plot_worker.py).
"""

from __future__ import annotations

import threading

_lock = threading.Lock()


def set_blas_threads(n: int) -> None:
    """Limit every BLAS and OpenMP pool of this process to n threads, for good. numpy is
    loaded first: threadpoolctl limits only the libraries a process has loaded."""
    import numpy  # noqa: F401 - loads its OpenBLAS, the pool to limit
    from threadpoolctl import threadpool_limits

    with _lock:
        threadpool_limits(limits=n)
