"""Where trials run: spawned local worker processes, or the executor of a Dask cluster (the
`dask` extra). Both are concurrent.futures executors, so search and report code is the same.

Leaving `executor_for` by an exception (a signal included) stops everything at once: what has
not started is cancelled and the local workers are terminated, so an interrupted command never
waits for trials that no one will read. Local workers also die with the command however it
dies (engine/training/children.py)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

from linclf.engine.errors import UsageError

GRACE = 1.0  # seconds a terminated worker has before it is killed
CONNECT_TIMEOUT = 20  # seconds to reach a Dask scheduler, handshake included
MAX_HANDSHAKE = 1 << 20  # bytes of a scheduler's first message (a few hundred in practice)


class LocalPool(ProcessPoolExecutor):
    """Worker processes started fresh (spawn) that die with this process, ignore the
    terminal's signals, and can be stopped at once."""

    def __init__(self, jobs: int):
        import multiprocessing

        from linclf.engine.training.worker import start_worker

        _start_resource_tracker()
        super().__init__(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=start_worker,
            initargs=(os.getpid(),),
        )

    def terminate(self) -> None:
        """Cancel what has not started and end every worker now (SIGTERM, then SIGKILL)."""
        # shutdown() forgets the processes and the manager thread: take them first.
        processes = list((self._processes or {}).values())
        # typeshed types this attribute as the wake-up object; it is the threading.Thread
        manager: threading.Thread | None = self._executor_manager_thread  # type: ignore[assignment]
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(GRACE)
            if process.is_alive():
                process.kill()
                process.join()
        # The manager thread closes its wake-up pipe as it ends. Python's exit hook writes to
        # that pipe; had the thread still been closing it then, the write raised EBADF (a
        # traceback after the one-line interruption). Once the thread has ended, the hook
        # sees the pipe closed and writes nothing.
        if manager is not None:
            manager.join(GRACE)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (a process of its own, in this process group)
    ignoring SIGHUP, as it already ignores SIGINT and SIGTERM: a hang-up of the whole group
    (a dropped SSH session) would kill it, and its relaunched successor would print a warning
    and a KeyError traceback per semaphore of the pool. It still ends with this process (at
    the end of its pipe)."""
    import signal
    import threading
    from multiprocessing import resource_tracker

    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        resource_tracker.ensure_running()
        return
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # inherited through exec
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(signal.SIGHUP, previous)


def shutdown_now(executor: Executor) -> None:
    """Cancel what has not started and stop what runs: local workers are terminated, a Dask
    cluster is told to cancel this client's futures."""
    if isinstance(executor, LocalPool):
        executor.terminate()
        return
    client = getattr(executor, "_client", None)
    futures = list(getattr(executor, "_futures", ()))
    if client is not None and futures:
        with contextlib.suppress(Exception):
            client.cancel(futures, force=True)
    with contextlib.suppress(Exception):
        executor.shutdown(wait=False)


def _check_address(scheduler: str) -> None:
    """scheme://host[:port], or UsageError (before Dask sees it: a Client that failed to
    start would hang the interpreter's exit)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(scheduler)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as err:
        raise UsageError(f"--scheduler {scheduler}: {err}") from None
    if not parts.scheme or not parts.netloc:
        raise UsageError(f"--scheduler {scheduler}: not an address like tcp://host:8786")


async def _probe(scheduler: str) -> None:
    """Connect and ask the scheduler who it is, each step bounded: a port that accepts but
    never answers must not hang the command."""
    import asyncio

    from distributed.comm import connect

    comm = await asyncio.wait_for(connect(scheduler), CONNECT_TIMEOUT)
    try:
        await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), CONNECT_TIMEOUT)
        await asyncio.wait_for(comm.read(), CONNECT_TIMEOUT)
    finally:
        comm.abort()


class NotDask(ValueError):
    """The peer at a scheduler address answers, but not as a Dask scheduler does."""


def _first_message(scheduler: str) -> None:
    """Read, over a plain socket, the handshake a Dask scheduler sends as soon as one connects
    (tcp:// only), each step bounded in time and size: Dask's own reader allocates whatever
    length the peer's first 8 bytes claim (158 PiB from an HTTP server). NotDask when what
    comes is not a Dask message."""
    import socket
    import struct
    from urllib.parse import urlsplit

    from distributed.protocol.utils import unpack_frames

    parts = urlsplit(scheduler)
    if parts.scheme != "tcp":
        return
    with socket.create_connection((parts.hostname, parts.port or 8786), CONNECT_TIMEOUT) as sock:
        sock.settimeout(CONNECT_TIMEOUT)
        data = b""
        while len(data) < 8 or len(data) < 8 + struct.unpack("<Q", data[:8])[0]:
            if len(data) >= 8 and struct.unpack("<Q", data[:8])[0] > MAX_HANDSHAKE:
                raise NotDask("its first message is too long")
            block = sock.recv(1 << 16)
            if not block:
                raise NotDask("it closed the connection without a word")
            data += block
    try:
        _, buffers = unpack_frames(memoryview(data[8:]), partial=True)
    except Exception:  # noqa: BLE001 - any failure to parse means: not Dask
        raise NotDask("its first message is not in Dask's format") from None
    if sum(buffers) > MAX_HANDSHAKE:
        raise NotDask("its first message is too long")


def _client(scheduler: str):
    """A Dask client connected to scheduler, or UsageError with one line saying why not."""
    _check_address(scheduler)
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            "--scheduler needs Dask's distributed package: pip install 'linclf[dask]'"
        ) from None
    import asyncio

    try:
        _first_message(scheduler)
        asyncio.run(_probe(scheduler))
    except NotDask as err:
        raise UsageError(f"--scheduler {scheduler}: not a Dask scheduler ({err})") from None
    except (TimeoutError, OSError, ValueError, TypeError, MemoryError) as err:
        reason = str(err).splitlines()[0] if str(err) else "no answer"
        raise UsageError(
            f"--scheduler {scheduler}: no Dask scheduler answers there "
            f"within {CONNECT_TIMEOUT} s ({reason})"
        ) from None
    return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)


@contextlib.contextmanager
def executor_for(jobs: int, scheduler: str | None = None) -> Iterator[Executor]:
    """Local worker processes (LocalPool), or, given a scheduler address (tcp://host:port),
    the concurrent.futures executor of that Dask cluster. Dask workers need linclf installed
    and the data at the same path."""
    if scheduler:
        client = _client(scheduler)
        executor = client.get_executor()
        try:
            yield executor
        except BaseException:
            shutdown_now(executor)
            raise
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=CONNECT_TIMEOUT)
    else:
        pool = LocalPool(jobs)
        try:
            yield pool
        except BaseException:
            pool.terminate()
            raise
        pool.shutdown(wait=True)
