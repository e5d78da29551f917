"""`linclf tui` (and `linclf-tui`): the Textual training monitor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linclf.tui.cli.options import DataDirOption


def tui(
    data_dir: DataDirOption = None,
    out: Annotated[Path, typer.Option(help="Folder for run folders.")] = Path("outputs"),
) -> None:
    """Open the training monitor (Textual): form, live epochs, curves, gradient check."""
    from linclf.tui.app import LinclfApp

    LinclfApp(data_dir=data_dir, out=out).run()
