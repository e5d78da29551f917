"""`linclf train`: one headless run, its epochs on the terminal or one line each when piped,
its run folder written live under --out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from linclf.tui.cli.errors import EXIT_FAILED
from linclf.tui.cli.options import DataDirOption, JsonOption, config_options, writable_folder
from linclf.tui.cli.signals import SignalGuard, treat_dead_terminal_as_hangup


class EpochPrinter:
    """Per-epoch output in the formatter's columns: a progress bar and aligned rows on a
    terminal; a header and one tab-separated line per epoch otherwise (no progress-bar noise
    in log files)."""

    WIDTH = 10

    def __init__(self, n_epochs: int, stream, rich_output: bool):
        from linclf.engine import format as fmt

        self.fmt = fmt
        self.stream = stream
        self.progress = None
        if rich_output:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                TextColumn("training"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("epochs"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=stream, highlight=False),
            )
            self.task = self.progress.add_task("train", total=n_epochs)

    def _aligned(self, cells) -> str:
        return " ".join(f"{cell:>{self.WIDTH}}" for cell in cells)

    def __enter__(self) -> EpochPrinter:
        if self.progress:
            self.progress.start()
            self.progress.console.print(self._aligned(self.fmt.EPOCH_HEADERS), style="bold")
        else:
            print("\t".join(self.fmt.EPOCH_HEADERS), file=self.stream, flush=True)
        return self

    def __exit__(self, *exc) -> None:
        if self.progress:
            self.progress.stop()

    def row(self, stats) -> None:
        cells = self.fmt.epoch_cells(stats)
        if self.progress:
            self.progress.console.print(self._aligned(cells))
            self.progress.advance(self.task)
        else:
            print("\t".join(cells), file=self.stream, flush=True)


def plot_worker(plots: bool):
    """A PlotWorker (engine/training/plot_worker.py) started now, or nothing with --no-plots."""
    if not plots:
        from contextlib import nullcontext

        return nullcontext(None)
    from linclf.engine.training.plot_worker import PlotWorker

    return PlotWorker()


@config_options()
def train(
    values: dict,
    out: Annotated[Path, typer.Option(help="Folder for run folders.")] = Path("outputs"),
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
    plots: Annotated[bool, typer.Option(help="Save PNG plots in the run folder.")] = True,
) -> None:
    """Train with mini-batch gradient descent and save a run folder under --out."""
    from linclf.engine import status as st
    from linclf.engine.config import TrainConfig
    from linclf.tui.cli.data import locate_data

    config = TrainConfig(**values)
    config.validate()
    # an --out that cannot be used is bad usage (2), as for search and report; nothing is
    # created before the data is known to load
    writable_folder(out, create=False)
    treat_dead_terminal_as_hangup()
    human = sys.stderr if as_json else sys.stdout
    # The plot process starts first: it imports matplotlib on the other core while this one
    # loads and trains. Signals stay caught until the run is saved: a second Ctrl-C cannot
    # cut the saving short.
    with plot_worker(plots) as drawer, SignalGuard() as signals:
        folder = locate_data(data_dir, interactive=sys.stdin.isatty() and human.isatty())
        from linclf.engine import format as fmt
        from linclf.engine.text import printable
        from linclf.engine.training.blas import set_blas_threads
        from linclf.engine.training.recording import train_and_record
        from linclf.engine.training.train import Training

        set_blas_threads(1)  # once, for this process (engine/training/blas.py)

        def stop_on_signals(training: Training) -> None:
            # From here a signal ends the run gently: the first lets the epoch finish, a
            # second drops it; either way the finished epochs are saved as an interrupted run.
            signals.first = lambda _: training.stop(st.INTERRUPTED, finish_epoch=True)
            signals.again = lambda _: training.stop(st.INTERRUPTED)

        print(printable(f"loading the {config.split} split from {folder}"), file=human, flush=True)
        with EpochPrinter(config.n_epochs, human, human.isatty()) as printer:
            run = train_and_record(
                folder, config, out, drawer, on_training=stop_on_signals, on_epoch=printer.row
            )
    result = run.summary
    if as_json:
        from linclf.engine.files import to_json

        print(to_json(result))
    if result["status"] != st.COMPLETED:
        print(fmt.status_sentence(result["status"], run.training.history), file=human)
    if result["test_acc"] is not None:
        print(f"test accuracy: {fmt.percent(result['test_acc'])}", file=human)
    print(f"run folder: {run.dir}", file=human)
    if signals.exit_code is not None:
        raise typer.Exit(signals.exit_code)
    if result["status"] == st.DIVERGED:
        raise typer.Exit(EXIT_FAILED)
