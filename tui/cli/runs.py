"""`linclf runs`: the run store as a table, for people and scripts; and a run's note and tags."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

OutOption = Annotated[Path, typer.Option(help="Folder of run folders, searched at any depth.")]


GAP = 3  # columns of space between two columns of the terminal table
# On a terminal too narrow for every column, these come first (after the run), in this order.
FIRST = (
    "status",
    "epochs",
    "val_acc",
    "best_val_acc",
    "test_acc",
    "train_acc",
    "alerts",
    "tags",
    "note",
    "folder",
)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    md = "md"


def _run_folder(out: Path, name: str) -> Path:
    """The run folder a person named: a path (as given, or under --out), else the one folder
    under --out with that name."""
    from linclf.engine.errors import UsageError
    from linclf.engine.insight.runrows import find_runs
    from linclf.engine.store.runwatch import MARKERS

    for path in (Path(name), out / name):
        if path.is_dir() and any((path / marker).exists() for marker in MARKERS):
            return path
    matches = [path for path in find_runs(out) if path.name == name]
    if len(matches) == 1:
        return matches[0]
    shown = name[:80].encode("unicode_escape").decode()
    if matches:
        raise UsageError(f"{shown}: {len(matches)} runs under {out} have this name; give its path")
    raise UsageError(f"{shown}: no run folder of this name or path under {out}")


def _annotate(out: Path, note, tag, untag) -> None:
    from linclf.engine.insight import notes
    from linclf.engine.text import printable

    for pair, change in ((note, notes.set_note), (tag, notes.add_tags), (untag, notes.remove_tags)):
        if pair is not None:
            folder = _run_folder(out, pair[0])
            result = change(folder, pair[1])
            tags = ",".join(result.tags) or "none"
            print(printable(f"{folder}: note {result.note!r}, tags {tags}"), file=sys.stderr)


def _run_width(width: int) -> int:
    return max(24, width // 3)


def _tail(text: str, width: int) -> str:
    """A long run path cut at its start: its end (the folder's time and tag) tells runs apart."""
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


def _fit(rows, cols, width: int) -> tuple[list, list]:
    """The columns a terminal of this width shows in full, most telling first: the run, then
    those that differ between the rows (its figures and marks before the config), then the
    rest, as many as fit; and the columns left out."""
    from linclf.engine.insight import runcells, runrows
    from linclf.engine.text import printable

    def natural(column) -> int:
        cells = (runcells.screen(column, row.cells.get(column.name)) for row in rows)
        most = max(len(printable(runcells.header(column))), *map(len, cells))
        return min(most, _run_width(width)) if column.name == "run" else most

    varying = {c.name for c in runrows.changed_columns(rows, cols)}
    ranked = sorted(
        cols,
        key=lambda c: (
            c.name != "run",
            c.name not in varying,
            FIRST.index(c.name) if c.name in FIRST else len(FIRST),
        ),
    )
    fitted: list = []
    used = -GAP
    for column in ranked:
        used += natural(column) + GAP
        if used > width and fitted:
            break
        fitted.append(column)
    return fitted, [c for c in cols if c not in fitted]


def _rich_table(rows, cols) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from linclf.engine.insight import runcells
    from linclf.engine.insight.runfilter import NUMBER
    from linclf.engine.text import printable

    console = Console(highlight=False)
    shown, dropped = _fit(rows, cols, console.width)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, highlight=False)
    for column in shown:
        table.add_column(
            Text(runcells.header(column), style="bold"),
            justify="right" if column.kind == NUMBER else "left",
            no_wrap=True,
        )
    run_width = _run_width(console.width)
    for row in rows:
        cells = [runcells.screen(c, row.cells.get(c.name)) for c in shown]
        cells[0] = _tail(cells[0], run_width)
        table.add_row(*map(Text, cells))
    console.print(table)
    if dropped:
        names = printable(", ".join(c.name for c in dropped))
        console.print(
            Text(
                f"Not shown for width: {runcells.cut(names, 300)} (a wider terminal, "
                "--only-changed, --filter or --format csv/json show them)",
                style="dim",
            )
        )


def runs(
    out: OutOption = Path("outputs"),
    sort: Annotated[
        str | None, typer.Option(help="Sort by this column (ascending; empty cells last).")
    ] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="Sort descending.")] = False,
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="Keep rows where COLUMN OP VALUE holds (repeatable, all must hold): OP is = != "
            "< <= > >= ~ (contains) !~; e.g. eta>=0.01, status=completed, val_acc>40%, tags=best.",
            show_default=False,
        ),
    ] = None,
    only_changed: Annotated[
        bool,
        typer.Option("--only-changed", help="Drop the columns that are the same in every row."),
    ] = False,
    output: Annotated[
        Format,
        typer.Option(
            "--format", help="table (rich on a terminal, plain when piped), csv, json or md."
        ),
    ] = Format.table,
    patience: Annotated[
        int,
        typer.Option(
            min=1, help="k of the 'rising' alert: epochs of rising validation loss in a row."
        ),
    ] = 3,  # engine.alerts.PATIENCE, not imported here: --help stays light
    note: Annotated[
        tuple[str, str] | None,
        typer.Option(
            metavar="RUN TEXT", help="Set the note of RUN (a path or folder name); '' removes it."
        ),
    ] = None,
    tag: Annotated[
        tuple[str, str] | None, typer.Option(metavar="RUN TAG", help="Add TAG to RUN.")
    ] = None,
    untag: Annotated[
        tuple[str, str] | None, typer.Option(metavar="RUN TAG", help="Remove TAG from RUN.")
    ] = None,
) -> None:
    """List every run under --out: status, epochs, every config field, the last epoch's
    accuracies and costs, the best validation accuracy, alerts, tags and note. With --note,
    --tag or --untag, change a run's note or tags instead."""
    from linclf.engine.errors import UsageError
    from linclf.engine.insight import runcells, runrows
    from linclf.engine.insight.runfilter import matches_all, parse_all

    if not out.is_dir():
        raise UsageError(f"{out}: {'not a folder' if out.exists() else 'no such folder'}")
    if (note, tag, untag) != (None, None, None):
        _annotate(out, note, tag, untag)
        return
    rows = runrows.read_rows(out, patience)
    cols = runrows.columns(rows)
    conditions = parse_all(filters or [], runrows.kinds(cols))
    if sort is not None and sort not in runrows.kinds(cols):
        raise UsageError(f"--sort {sort[:40]!r}: no such column")
    shown = [row for row in rows if matches_all(conditions, row.cells)]
    shown = runrows.sort_rows(shown, sort or "run", reverse)
    if only_changed:
        cols = runrows.changed_columns(shown, cols)
    if output is Format.table and sys.stdout.isatty():
        _rich_table(shown, cols)
        print(f"{len(shown)} of {len(rows)} runs", file=sys.stderr)
        return
    render = {
        Format.table: runcells.to_plain,
        Format.csv: runcells.to_csv,
        Format.json: runcells.to_json,
        Format.md: runcells.to_markdown,
    }[output]
    sys.stdout.write(render(shown, cols))
