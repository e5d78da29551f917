"""`linclf check`: the analytic gradients against PyTorch autograd; exit 1 if any case fails."""

from __future__ import annotations

import json
import math
import sys
from typing import Annotated

import typer

from linclf.engine.errors import UsageError
from linclf.tui.cli.errors import EXIT_FAILED
from linclf.tui.cli.options import DataDirOption


def check(
    tol: Annotated[
        float, typer.Option(help="Pass threshold on the max relative error, float64 cases.")
    ] = 1e-8,
    tol32: Annotated[float, typer.Option(help="Pass threshold for the float32 cases.")] = 1e-2,
    synthetic: Annotated[bool, typer.Option(help="Use random inputs instead of CIFAR-10.")] = False,
    data_dir: DataDirOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Check the analytic gradients against PyTorch autograd; exit 1 if any case fails."""
    for name, value in (("tol", tol), ("tol32", tol32)):
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{name} must be a positive number, got {value}")
    from linclf.engine.data import archive
    from linclf.engine.data.splits import training_sample
    from linclf.engine.errors import MissingData
    from linclf.engine.training import gradcheck

    n = max(case.n for case in gradcheck.DEFAULT_CASES)
    source = "synthetic inputs"
    if synthetic:
        X, y = gradcheck.synthetic_inputs(n=n)
    else:
        try:
            folder = archive.locate(data_dir)
        except MissingData:
            if data_dir is not None:
                raise
            print("No CIFAR-10 data found: checking on synthetic inputs.", file=sys.stderr)
            X, y = gradcheck.synthetic_inputs(n=n)
        else:
            X, y = training_sample(folder, n)
            source = f"the first {n} training images of {folder}"
    results = gradcheck.run_checks(X, y, tol=tol, tol32=tol32)
    passed = all(r.passed for r in results)
    if as_json:
        cases = [r.to_dict() for r in results]
        print(json.dumps({"passed": passed, "source": source, "cases": cases}, indent=2))
    else:
        print_table(results, source)
    if not passed:
        raise typer.Exit(EXIT_FAILED)


def print_table(results, source: str) -> None:
    """A rich table on a terminal, tab-separated lines otherwise; then the tally."""
    from linclf.engine import format as fmt

    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Analytic vs autograd gradients ({source})")
        for header in fmt.CHECK_HEADERS:
            left = header in ("case", "head", "dtype")
            table.add_column(header, justify="left" if left else "right")
        for result in results:
            cells = list(fmt.check_cells(result))
            cells[-1] = "[green]pass[/]" if result.passed else "[bold red]FAIL[/]"
            table.add_row(*cells)
        Console().print(table)
    else:
        print(f"# analytic vs autograd gradients ({source})")
        print("\t".join(fmt.CHECK_HEADERS))
        for result in results:
            print("\t".join(fmt.check_cells(result)))
    print(fmt.check_summary(results))
