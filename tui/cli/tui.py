"""`linclf tui` (and `linclf-tui`): the Textual training monitor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linclf.tui.cli.options import DataDirOption


def tui(
    data_dir: DataDirOption = None,
    out: Annotated[
        Path, typer.Option(help="Folder of run folders: the app's runs go here, Runs lists all.")
    ] = Path("outputs"),
    follow: Annotated[
        Path | None,
        typer.Option(
            "--follow",
            help="Watch this run folder live (in progress or finished), full width, with no "
            "form and no key that starts anything. A search or report folder opens the Runs "
            "view of its runs, with its progress and leaderboard.",
            show_default=False,
        ),
    ] = None,
    signal: Annotated[
        bool,
        typer.Option(
            "--signal/--no-signal",
            help="Ring the terminal bell and set the window title when the followed run or a "
            "search completes, fails, diverges, stalls or dies.",
        ),
    ] = True,
) -> None:
    """Open the training monitor (Textual): form, live epochs, curves, gradient check, and
    every run under --out, live, also those written by other processes."""
    from linclf.engine.errors import UsageError
    from linclf.engine.store.runwatch import MARKERS

    view = None
    watch = follow is not None  # --follow: the watch-only layout
    if follow is not None:
        if not follow.is_dir():
            raise UsageError(f"--follow {follow}: no such folder")
        if not any((follow / marker).exists() for marker in MARKERS):
            out, follow, view = follow, None, "runs"
    from linclf.tui.app import LinclfApp
    from linclf.tui.cli.signals import Interrupted

    app = LinclfApp(
        data_dir=data_dir, out=out, follow=follow, view=view, watch=watch, signal=signal
    )
    app.run()
    if app.shutdown_guard.signum is not None:
        raise Interrupted(app.shutdown_guard.signum)
    for run in app.runs.launcher.live():
        where = run.run_dir or "its folder is not made yet"
        print(f"still training: pid {run.pid} ({where}; output in {run.log})")
    app.shutdown_guard.skip_teardown(0)
