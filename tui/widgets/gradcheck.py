"""The gradient-check panel: the cases of `linclf check`, max relative errors, pass/fail. The
verdict and the figures it rests on come first, so that 80 columns show them."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, DataTable, Static

from linclf.engine import format as fmt
from linclf.engine.text import printable

# The formatter's columns (fmt.CHECK_HEADERS), verdict first: result, case, the relative
# errors and their tolerance, then what the case is made of, then the absolute errors.
ORDER = (11, 0, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7)


class GradcheckPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield Button("Run gradient check (c)", id="run-check", compact=True)
        yield Static("Analytic gradients vs PyTorch autograd: press c.", id="check-status")
        yield DataTable(id="check-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*(fmt.CHECK_HEADERS[k] for k in ORDER))

    def watch_only(self) -> None:
        self.query_one("#run-check", Button).display = False
        self.query_one("#check-status", Static).update(
            "Watch-only (--follow): no gradient check from here; run linclf check."
        )

    def running(self) -> None:
        self.query_one("#run-check", Button).disabled = True
        self.query_one("#check-status", Static).update("Checking…")

    def failed(self, message: str) -> None:
        self.query_one("#run-check", Button).disabled = False
        self.query_one("#check-status", Static).update(Text(printable(message), style="bold red"))

    def show(self, results, source: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for r in results:
            cells = [Text(cell, justify="right") for cell in fmt.check_cells(r)]
            cells[-1].stylize("bold green" if r.passed else "bold red")
            table.add_row(*(cells[k] for k in ORDER))
        failed = sum(not r.passed for r in results)
        summary = f"{fmt.check_summary(results)} · inputs: {source}"
        self.query_one("#check-status", Static).update(
            Text(summary, style="green" if not failed else "bold red")
        )
        self.query_one("#run-check", Button).disabled = False

    def outcome(self, outcome: tuple | Exception) -> None:
        """What `linclf check --json` gave: its cases, or why there are none; a failed case or
        a check that could not run is also a toast."""
        if isinstance(outcome, Exception):
            self.failed(str(outcome))
            self.notify(printable(str(outcome)), severity="error", timeout=10, markup=False)
            return
        results, source = outcome
        self.show(results, source)
        failed = sum(not r.passed for r in results)
        if failed:
            self.notify(f"Gradient check: {failed} case(s) FAIL", severity="error", markup=False)
