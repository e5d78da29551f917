"""A run's note and tags, edited in a small dialog and saved to its notes.json through
engine/insight/notes.py (the same lock as `linclf runs --note/--tag`). Enter saves, Escape cancels;
a value that cannot be saved is said in one line and the dialog stays. Dismissed with the
saved Notes, or None when cancelled."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from linclf.engine.errors import LinclfError
from linclf.engine.insight import notes
from linclf.engine.text import printable
from linclf.tui.widgets.typed import TypedInput


class NoteEditor(ModalScreen[notes.Notes | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    NoteEditor { align: center middle; }
    NoteEditor > Vertical {
        width: 76; max-width: 100%; height: auto; border: round $accent; padding: 0 1;
    }
    NoteEditor #note-error { color: $error; height: auto; }
    """

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.current = notes.read_notes(self.run_dir)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Note and tags of {printable(self.run_dir.name)[:60]}"))
            yield TypedInput(self.current.note, placeholder="note (one line)", id="note")
            yield TypedInput(
                " ".join(self.current.tags), placeholder="tags, separated by spaces", id="tags"
            )
            yield Static(Text("Enter saves · Escape cancels", style="dim"), id="note-error")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        note = self.query_one("#note", Input).value
        tags = self.query_one("#tags", Input).value.replace(",", " ").split()
        try:
            for tag in tags:
                notes.check_tag(tag)
            notes.set_note(self.run_dir, note)
            gone = [t for t in self.current.tags if t not in tags]
            if gone:
                notes.remove_tags(self.run_dir, *gone)
            saved = notes.add_tags(self.run_dir, *tags) if tags else notes.read_notes(self.run_dir)
        except LinclfError as err:
            self.query_one("#note-error", Static).update(Text(printable(str(err))))
            return
        self.dismiss(saved)

    def action_cancel(self) -> None:
        self.dismiss(None)
