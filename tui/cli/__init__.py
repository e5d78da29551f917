"""The `linclf` command line (Typer): one module per command. Each command imports what is
heavy (numpy, the engine, rich, textual) only when it runs, so `linclf --help` stays instant."""

from __future__ import annotations

import os
import sys

import typer

from linclf.tui.cli import check, data, report, runs, search, train, tui
from linclf.tui.cli.errors import EXIT_FAILED, describe, internal_error_line
from linclf.tui.cli.signals import bound_exit

PROG = "linclf"

app = typer.Typer(
    name=PROG,
    help="Train, check and watch a one-layer classifier on CIFAR-10 (DD2424 Assignment 1).",
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback(invoke_without_command=True)
def _root(context: typer.Context) -> None:
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())


app.command("train")(train.train)
app.command("check")(check.check)
app.command("search")(search.search)
app.command("report")(report.report)
app.command("tui")(tui.tui)
app.command("runs")(runs.runs)
app.add_typer(data.app, name="data")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a known error becomes one line on stderr and its exit code."""
    # A terminal or pipe that cannot encode a character (PYTHONIOENCODING=ascii, LANG=C)
    # shows it as \u03bb instead of ending the command.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name=PROG, standalone_mode=False)
    except BaseException as error:  # noqa: BLE001 - sorted by the table in errors.py
        known = describe(error, PROG)
        if known is None:
            if os.environ.get("LINCLF_DEBUG") or not isinstance(error, Exception):
                raise
            print(internal_error_line(error, PROG), file=sys.stderr)
            return EXIT_FAILED
        code, line = known
        print(line, file=sys.stderr)
        return code
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point for `linclf`."""
    _exit(main())


def run_tui() -> None:
    """Console-script entry point for `linclf-tui` (same as `linclf tui`)."""
    _exit(main(["tui", *sys.argv[1:]]))


def _exit(code: int) -> None:
    """End the process with code; after a signal (128 + its number) within a bounded time."""
    if code > 128:
        bound_exit(code)
    sys.exit(code)
