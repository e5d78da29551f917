"""A helper process that draws a run's PNGs, so that matplotlib stays off the run's critical
path. `linclf train` starts it first thing: it imports matplotlib and draws a warm-up figure
(~0.7 s of CPU) on the other core while the command loads the data and trains. At the end
RunRecorder.finish hands it the figures (plots.run_plots) and waits: the worker draws each
in a forked child, so the figures are drawn side by side, and each PNG is written
atomically. A failed figure comes back as PlotError with the worker's error lines.

A thread would not do: importing matplotlib holds the GIL for most of a second, and the
training loop needs the GIL between its BLAS calls dozens of times per mini-batch.

The worker runs in its own process group and ignores SIGINT and SIGHUP, so a Ctrl-C or a
hang-up of the terminal reaches the command only, which decides what the signal means (it
saves the run, plots included). It reads its jobs from stdin and exits at end of input, and
it and its drawing children die with the command however that ends, even by SIGKILL
(engine/training/children.py). The command stops it at once (kill) when the run ends without plots
to draw.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile

from linclf.engine.errors import PlotError

TIMEOUT = 120.0  # seconds a worker may take to draw a run's figures


class PlotWorker:
    """The command's side: start it early, then draw_all(jobs) once, or kill(). Use it as a
    context manager: leaving the block stops a worker that was not waited for."""

    def __init__(self) -> None:
        self._log = tempfile.TemporaryFile()
        try:
            self._process: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-m", "linclf.engine.training.plot_worker", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                # One BLAS thread (numpy comes with matplotlib; it multiplies nothing large)
                # and no display: the worker only writes files.
                env={**os.environ, "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"},
                process_group=0 if os.name == "posix" else None,
            )
        except OSError:  # cannot start a process: draw in this one instead
            self._process = None

    def __enter__(self) -> PlotWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()

    def draw_all(self, jobs: list) -> None:
        """Draw the jobs of plots.run_plots and wait for the PNGs (PlotError if any failed)."""
        if self._process is None:
            from linclf.engine.training import plots

            plots.draw_all(jobs)
            return
        process, self._process = self._process, None
        payload = pickle.dumps([(kind, str(path), data) for kind, path, data in jobs])
        try:
            process.communicate(payload, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise PlotError(f"drawing the plots took longer than {TIMEOUT:g} s") from None
        if process.returncode:
            self._log.seek(0)
            lines = self._log.read().decode(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else f"the plot process exited with {process.returncode}"
            raise PlotError(f"cannot draw the plots: {reason}")
        self._log.close()

    def kill(self) -> None:
        """Stop the worker now, drawing nothing more (nothing if it has already finished)."""
        if self._process is not None:
            _stop(self._process)
            self._process = None
        self._log.close()


def _stop(process: subprocess.Popen) -> None:
    process.kill()
    process.communicate()


def _draw_or_report(kind: str, path: str, data: dict) -> int:
    """Draw one job; on failure one line on stderr and exit status 1."""
    from pathlib import Path

    from linclf.engine.training import plots

    try:
        plots.draw(kind, Path(path), data)
    except BaseException as err:  # noqa: BLE001 - reported through stderr and the status
        print(f"{Path(path).name}: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        return 1
    return 0


def serve(parent: int) -> int:
    """The worker of the command with pid parent: import and warm up, read the jobs, draw
    each in a forked child."""
    import gc

    from linclf.engine.training.children import watch_parent

    watch_parent(parent)
    # A short-lived process that only allocates: the cyclic collector would spend ~0.25 s
    # rescanning matplotlib's objects while they are imported (measured with perf).
    gc.disable()
    from linclf.engine.training import plots

    plots.warm_up()
    payload = sys.stdin.buffer.read()
    jobs = pickle.loads(payload) if payload else []  # no input: the command was stopped
    if not hasattr(os, "fork"):
        return int(any([_draw_or_report(*job) for job in jobs]))
    children, worker = [], os.getpid()
    for job in jobs:
        pid = os.fork()
        if pid == 0:
            watch_parent(worker)
            os._exit(_draw_or_report(*job))
        children.append(pid)
    return int(any([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]))


if __name__ == "__main__":
    sys.exit(serve(int(sys.argv[1])))
