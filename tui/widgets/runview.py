"""The live view of one run folder, the app's own run or any other: state and ETA, the system
line, progress, a note, the epoch table and the curves. Everything here comes from the folder
(engine/store/runwatch.py), so a run looks the same whoever writes it."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar

from linclf.engine.store.runread import whole
from linclf.engine.store.runwatch import RunSnap
from linclf.engine.text import printable
from linclf.tui import describe as d
from linclf.tui.widgets.curves import Curves
from linclf.tui.widgets.epochs import EpochTable
from linclf.tui.widgets.line import Line

TABLE_ROWS = 1000


class RunView(Vertical):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snap: RunSnap | None = None
        self.own: Path | None = None  # the app's own run folder, when it has one
        self._shown = 0  # history rows in the table

    def compose(self) -> ComposeResult:
        yield Line("Idle: set the form, then press s.", id="run-status")
        yield Line("", id="run-system")
        # A set total: an indeterminate bar would animate while idle.
        yield ProgressBar(total=1, id="progress", show_eta=False)
        yield Line("", id="run-message")
        yield EpochTable(id="epochs")
        yield Curves(id="curves")

    def message(self, text: str | Text, error: bool = False) -> None:
        message = self.query_one("#run-message", Line)
        message.show(text)
        message.set_class(error, "-error")

    def prepare(self, status: str, message: str) -> None:
        """A run of the app's own is about to start (its folder does not exist yet)."""
        self.snap, self._shown = None, 0
        self.query_one(EpochTable).show([])
        self.query_one(Curves).show([])
        self.query_one(ProgressBar).update(total=1, progress=0)
        self.query_one("#run-status", Line).show(status)
        self.message(message)

    def show(self, snap: RunSnap, system: dict[str, str]) -> None:
        """Bring the view up to snap (a newer reading of the same run, or another run)."""
        old = self.snap
        self.query_one("#run-system", Line).show(
            " · ".join(filter(None, (system.get("run"), system.get("host"))))
        )
        if old is snap:
            return
        self.snap = snap
        table = self.query_one(EpochTable)
        # The table holds the newest TABLE_ROWS to 2 × TABLE_ROWS epochs (history may be long).
        new = snap.epochs - self._shown
        if old is None or old.path != snap.path or not 0 <= new <= 2 * TABLE_ROWS - table.row_count:
            table.show(snap.history[-TABLE_ROWS:])
        elif new:
            table.extend(snap.history[-new:])
        self._shown = snap.epochs
        if old is None or old.history is not snap.history:
            self.query_one(Curves).show([("", snap.history, snap.info.config)])
        total = whole(snap.info.config.get("n_epochs"))
        bar_total = max(total or 0, snap.epochs, 1)
        self.query_one(ProgressBar).update(total=bar_total, progress=snap.epochs)
        self.query_one("#run-status", Line).show(d.status_line(snap))
        if old is None or old.path != snap.path or old.state != snap.state:
            self._note(snap)

    def _note(self, snap: RunSnap) -> None:
        note = d.note(snap)
        if snap.path == self.own and snap.live:
            note = Text(f"Training · run folder {printable(snap.path)}")
        extra = d.format_note(snap)
        if extra is not None:
            note = Text.assemble(note, " · ", extra)
        self.message(note, error=snap.state in ("diverged", "failed", "dead"))
