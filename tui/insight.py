"""Insight across runs in the app (issue 21): each run's row as `linclf runs` builds it
(engine/runrows.make_row from what the watcher already read, plus its notes), the Runs view's
filter over those rows, the alerts and tags shown beside each run, the hyper-parameter view's
runs, the curves' settings, and the export of what is on screen. The widgets stay thin: they
ask this module."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.text import Text

from linclf.engine.insight import notes, runrows
from linclf.engine.insight.runfilter import Condition, matches_all
from linclf.engine.insight.runrows import RunRow
from linclf.engine.store.runwatch import RunSnap
from linclf.engine.text import printable

NOTE_WIDTH = 24  # characters of a note shown in the Runs table


class Insight:
    """The rows of the runs the watcher reports, rebuilt only for runs whose snapshot changed
    (a snapshot is a new object whenever anything in its folder changed)."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self._rows: dict[Path, tuple[RunSnap, RunRow]] = {}
        self.conditions: list[Condition] = []
        self.text = ""  # the filter in force, as typed
        self.flagged: set[Path] = set()  # runs with an alert, a tag or a note
        self.changed: dict[Path, str] = {}  # the rows the last update rebuilt: their alerts

    def update(self, snaps: Mapping[Path, RunSnap]) -> None:
        """Rows for snaps; only a run whose snapshot changed is rebuilt (with 2 000 runs, a
        scan every second must cost next to nothing)."""
        rows, self.changed = {}, {}
        for path, snap in snaps.items():
            held = self._rows.get(path)
            if held is None or held[0] is not snap:
                held = (snap, self._row(snap))
                self._note_flags(path, held[1])
            rows[path] = held
        self.flagged &= rows.keys()
        self._rows = rows

    def _note_flags(self, path: Path, row: RunRow) -> None:
        self.changed[path] = " ".join(a.label for a in row.alerts)
        if row.alerts or row.cells.get("tags") or row.cells.get("note"):
            self.flagged.add(path)
        else:
            self.flagged.discard(path)

    def _row(self, snap: RunSnap) -> RunRow:
        return runrows.make_row(
            snap.path, self.out, snap.info, snap.history, snap.state, notes.read_notes(snap.path)
        )

    def reread(self, path: Path) -> None:
        """The run's notes changed (the note dialog saved them)."""
        held = self._rows.get(path)
        if held is not None:
            self._rows[path] = (held[0], self._row(held[0]))
            self._note_flags(path, self._rows[path][1])

    def row(self, path: Path) -> RunRow | None:
        held = self._rows.get(path)
        return held[1] if held else None

    def rows(self, paths=None) -> list[RunRow]:
        chosen = self._rows if paths is None else [p for p in paths if p in self._rows]
        return [self._rows[p][1] for p in chosen]

    def kinds(self) -> dict[str, str]:
        """The columns a filter may name, with their kinds (as `linclf runs` has them)."""
        return runrows.kinds(runrows.columns(self.rows()))

    def set_filter(self, conditions: list[Condition], text: str) -> None:
        self.conditions, self.text = conditions, text

    def shown(self, snaps: Mapping[Path, RunSnap]) -> dict[Path, RunSnap]:
        """The runs the filter lets through (all of them without one)."""
        if not self.conditions:
            return dict(snaps)
        return {
            path: snap
            for path, snap in snaps.items()
            if (row := self.row(path)) is not None and matches_all(self.conditions, row.cells)
        }

    def flags(self, snap: RunSnap) -> Text:
        """The run's alerts (rule@epoch, in red), its tags (#tag) and the start of its note."""
        row = self.row(snap.path)
        text = Text()
        if row is None or snap.path not in self.flagged:
            return text
        for alert in row.alerts:
            text.append(f"{printable(alert.label)} ", style="bold red")
        for tag in row.cells.get("tags") or ():
            text.append(f"#{printable(tag)} ", style="cyan")
        note = printable(row.cells.get("note") or "")
        if note:
            text.append(note if len(note) <= NOTE_WIDTH else note[: NOTE_WIDTH - 1] + "…")
        text.rstrip()
        return text

    def any_flagged(self, paths) -> bool:
        return not self.flagged.isdisjoint(paths)


def summary(insight: Insight, shown: int, total: int) -> Text:
    """The filter in force, for the Runs view's help line."""
    return Text(f"filter {printable(insight.text)}: {shown} of {total} runs", style="bold")
