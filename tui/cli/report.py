"""`linclf report`: every experiment of the spec, written up as a typeset PDF (and per part),
Markdown and HTML."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer

from linclf.engine.errors import UsageError
from linclf.tui.cli.options import DataDirOption, JobsOption, SchedulerOption, writable_folder
from linclf.tui.cli.signals import Interrupted, SignalGuard, treat_dead_terminal_as_hangup


def report(
    out: Annotated[
        Path, typer.Option(help="Folder for report.pdf, report.md, report.html, figures and runs/.")
    ] = Path("outputs/report"),
    quick: Annotated[
        bool, typer.Option(help="A small budget (2 epochs, 2 seeds, a 2x2 grid) for tests and CI.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of every run: the report is repeatable.")] = 42,
    author: Annotated[
        str, typer.Option(help="Author named under the title on page 1 (e.g. 'Ada Lovelace').")
    ] = "",
    title: Annotated[str, typer.Option(help="Title on page 1 and in the PDF's metadata.")] = (
        "DD2424 Assignment 1: a one-layer classifier on CIFAR-10"
    ),
    jobs: JobsOption = 0,
    scheduler: SchedulerOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run every experiment of the spec and write the report as PDF, Markdown and HTML."""
    from linclf.engine.data import archive
    from linclf.engine.report import Report
    from linclf.engine.text import printable
    from linclf.engine.training.blas import set_blas_threads
    from linclf.engine.training.executor import executor_for

    treat_dead_terminal_as_hangup()
    if seed < 0:
        raise UsageError(f"--seed must be at least 0, got {seed}")
    if not title.strip():
        raise UsageError("--title may not be empty")
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    writable_folder(out)
    folder = archive.locate(data_dir)
    set_blas_threads(1)  # once, for this process (engine/training/blas.py)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(printable(f"[{time.perf_counter() - started:6.1f} s] {message}"), flush=True)

    with SignalGuard(), executor_for(jobs, scheduler) as executor:
        document = Report(
            folder, out, executor, seed=seed, quick=quick, log=log, title=title, author=author
        )
        try:
            document.build()
        except Interrupted as interrupted:
            document.doc.paragraph(
                f"Interrupted ({interrupted}): the sections above are complete (the one "
                "that was cut short is left out); the rest did not run."
            )
            document.doc.write()
            raise interrupted.explained(f"the finished sections are in {out}/report.md") from None
    print(
        f"report: {out / 'report.pdf'} (and per part), {out / 'report.md'}, {out / 'report.html'}"
    )
