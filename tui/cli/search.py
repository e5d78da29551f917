"""`linclf search`: a grid over any training options, trials in worker processes (or on a
Dask cluster), chosen on validation accuracy, the test set evaluated once."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from linclf.engine.config import GRID_DEFAULTS
from linclf.engine.errors import UsageError
from linclf.tui.cli.errors import EXIT_FAILED
from linclf.tui.cli.options import (
    DataDirOption,
    JobsOption,
    JsonOption,
    SchedulerOption,
    config_options,
    writable_folder,
)
from linclf.tui.cli.signals import Interrupted, SignalGuard, treat_dead_terminal_as_hangup


def leaderboard(rows: list[dict], varied: list[str], size: int = 5):
    """The best trials so far by validation accuracy, with the fields the grid varies (cells
    are Text: a value is never read as markup)."""
    from rich.table import Table
    from rich.text import Text

    from linclf.engine import format as fmt
    from linclf.engine.text import printable

    table = Table(title="best so far (validation accuracy)", expand=False)
    for column in (*varied, "val acc", "val cost", "status"):
        table.add_column(column, justify="right")
    ranked = sorted(
        (r for r in rows if isinstance(r["val_acc"], float)), key=lambda r: -r["val_acc"]
    )
    for row in ranked[:size]:
        cells = (
            *(f"{row[name]:g}" if isinstance(row[name], float) else row[name] for name in varied),
            fmt.percent(row["val_acc"]),
            fmt.number(row["val_cost"]),
            row["status"],
        )
        table.add_row(*(Text(printable(cell)) for cell in cells))
    return table


def trial_line(row: dict, done: int, total: int, varied: list[str]) -> str:
    from linclf.engine import format as fmt
    from linclf.engine.text import printable

    settings = " ".join(f"{name}={row[name]}" for name in varied)
    return printable(
        f"trial {done}/{total} {settings} status={row['status']} "
        f"val_acc={fmt.percent(row['val_acc']) if row['val_acc'] != '' else '–'}"
    )


@config_options(grid=True, grid_defaults=GRID_DEFAULTS)
def search(
    values: dict,
    jobs: JobsOption = 0,
    scheduler: SchedulerOption = None,
    out: Annotated[
        Path, typer.Option(help="Folder for results.csv, best.json and the trials' runs/.")
    ] = Path("outputs/search"),
    resume: Annotated[
        bool, typer.Option(help="Continue the search in --out, skipping finished trials.")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Grid search over any training options; chosen on validation, tested once.

    Comma-separated values make a grid (every combination is a trial). The chosen trial is
    the one with the best validation accuracy; only its model meets the test set.
    """
    from linclf.engine.config import TrainConfig
    from linclf.engine.data import archive
    from linclf.engine.training import search as grid_search
    from linclf.engine.training.blas import set_blas_threads
    from linclf.engine.training.executor import executor_for

    treat_dead_terminal_as_hangup()
    configs = grid_search.grid(TrainConfig(), values)
    for config in configs:
        config.validate()
    varied = [name for name, items in values.items() if len(items) > 1]
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    writable_folder(out)
    csv_path = out / "results.csv"
    if csv_path.exists() and not resume:
        raise UsageError(
            f"{csv_path}: a search is there; pass --resume to continue it or --out for a new one"
        )
    folder = archive.locate(data_dir)
    set_blas_threads(1)  # once, for this process (engine/training/blas.py)
    human = sys.stderr if as_json else sys.stdout
    rows: list[dict] = []
    live = None
    if human.isatty():
        from rich.console import Console, Group
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        progress = Progress("trials", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        task = progress.add_task("search", total=len(configs))
        live = Live(
            Group(progress, leaderboard(rows, varied)),
            console=Console(file=human),
            refresh_per_second=4,
        )

    def on_result(row: dict) -> None:
        rows.append(row)
        if live:
            progress.advance(task)
            live.update(Group(progress, leaderboard(rows, varied)))
        else:
            print(trial_line(row, len(rows), len(configs), varied), file=human, flush=True)

    # Signals stay caught to the end: the test evaluation runs in this process.
    with SignalGuard():
        with executor_for(jobs, scheduler) as executor:
            if live:
                live.start()
            try:
                done = grid_search.search(
                    configs, folder, executor, csv_path, resume=resume, on_result=on_result
                )
            except Interrupted as interrupted:
                raise interrupted.explained(
                    f"{len(rows)} trial(s) finished in this run are in {csv_path}; "
                    "--resume continues"
                ) from None
            finally:
                if live:
                    live.stop()
        try:
            evaluate_chosen(done, folder, varied, out, csv_path, human, as_json)
        except Interrupted as interrupted:
            raise interrupted.explained(
                f"during the test evaluation; every trial is in {csv_path}; "
                "--resume evaluates the choice again"
            ) from None


def evaluate_chosen(
    done: list[dict], folder, varied: list[str], out: Path, csv_path: Path, human, as_json: bool
) -> None:
    """Choose on validation, evaluate the test set once, write best.json."""
    from linclf.engine import format as fmt
    from linclf.engine.files import atomic_write, to_json
    from linclf.engine.text import printable
    from linclf.engine.training import search as grid_search

    chosen = grid_search.best(done)
    if chosen is None:
        print("no trial completed; see results.csv", file=human)
        raise typer.Exit(EXIT_FAILED)
    config = grid_search.config_of(chosen)
    # A resumed search's rows come from results.csv, which anyone may have written.
    settings = printable(", ".join(f"{name} {chosen[name]}" for name in varied))
    settings = settings or "the only configuration"
    print(
        f"chosen on validation: {settings} (val acc {fmt.percent(chosen['val_acc'])}); "
        "evaluating the test set once…",
        file=human,
        flush=True,
    )
    test_acc = grid_search.evaluate_choice(chosen, folder)
    result = {
        "best": config.to_dict(),
        "val_acc": chosen["val_acc"],
        "test_acc": test_acc,
        "trials": len(done),
        "results_csv": str(csv_path),
        "run_dir": chosen["run_dir"],
    }
    atomic_write(out / "best.json", to_json(result).encode())
    print(f"test accuracy of the chosen configuration: {fmt.percent(test_acc)}", file=human)
    if as_json:
        print(to_json(result))
