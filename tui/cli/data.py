"""`linclf data fetch` and `linclf data where`, and the data lookup the other commands share."""

from __future__ import annotations

from pathlib import Path

import typer

from linclf.tui.cli.options import DataDirOption

app = typer.Typer(help="Find, fetch and unpack CIFAR-10.", add_completion=False)


@app.callback(invoke_without_command=True)
def _group(context: typer.Context) -> None:
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())


def fetch_with_progress(data_dir: Path | None) -> Path:
    """Download (if needed) and unpack CIFAR-10; the data folder. The progress bar on stderr
    appears with the first bytes downloaded: data already there, an archive that only needs
    unpacking, or no connection at all show none."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TimeRemainingColumn

    from linclf.engine.data import download

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True, highlight=False),
    )
    task: TaskID | None = None

    def report(done: int, total: int | None) -> None:
        nonlocal task
        if task is None:
            progress.start()
            task = progress.add_task("Downloading CIFAR-10", total=total)
        progress.update(task, completed=done, total=total)

    try:
        return download.fetch(data_dir, progress=report)
    finally:
        progress.stop()


def locate_data(data_dir: Path | None, interactive: bool) -> Path:
    """The data folder; on a terminal, offer to fetch it when it is missing."""
    from linclf.engine.data import archive
    from linclf.engine.errors import MissingData

    try:
        return archive.locate(data_dir)
    except MissingData:
        if not interactive or not typer.confirm(
            "CIFAR-10 is not here. Download it now (about 163 MB)?", default=False, err=True
        ):
            raise
    return fetch_with_progress(data_dir)


@app.command("fetch")
def fetch(data_dir: DataDirOption = None) -> None:
    """Download the official archive, verify its MD5 and unpack it into Datasets/."""
    folder = fetch_with_progress(data_dir)
    typer.echo(f"CIFAR-10 is ready in {folder}")


@app.command("where")
def where(data_dir: DataDirOption = None) -> None:
    """Print the data folder linclf would read (unpacking the archive if needed)."""
    from linclf.engine.data import archive

    typer.echo(archive.locate(data_dir))
