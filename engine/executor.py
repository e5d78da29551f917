"""Where trials run: spawned local worker processes, or the executor of a Dask cluster (the
`dask` extra). Both are concurrent.futures executors, so search and report code is the same."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor

from linclf.engine.errors import UsageError


def shutdown_now(executor: Executor) -> None:
    """Cancel what has not started and end local worker processes at once (an interrupted
    search or report must not wait for trials that no one will read)."""
    executor.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.terminate()


@contextlib.contextmanager
def executor_for(jobs: int, scheduler: str | None = None) -> Iterator[Executor]:
    """Local worker processes (started fresh, by spawn), or, given a scheduler address
    (tcp://host:port), the concurrent.futures executor of that Dask cluster. Dask workers
    need linclf installed and the data at the same path."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError(
                "--scheduler needs Dask's distributed package: pip install 'linclf[dask]'"
            ) from None
        with Client(scheduler) as client:
            yield client.get_executor()
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as executor:
            yield executor
