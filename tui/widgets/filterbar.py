"""The Runs view's filter: one line of the expressions `linclf runs --filter` takes
(engine/insight/runfilter.py), separated by spaces. Enter applies them; a bad expression is shown in
one line under the input and the filter in force stays; an empty line clears it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from linclf.engine.insight.runfilter import Condition, FilterError, parse_line
from linclf.engine.text import printable
from linclf.tui.widgets.typed import TypedInput

PLACEHOLDER = "filter: eta>=0.01 status=completed head=sigmoid val_acc>40% tags=best"
HINT = "Enter applies (empty: no filter) · OP: = != < <= > >= ~ !~ · quote a value with spaces"


class FilterBar(Vertical):
    """An input for filter expressions, and a line under it: how to write them while the input
    has focus, what is wrong with them after a bad one."""

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar > #filter-note { height: auto; display: none; }
    FilterBar > #filter-note.error { color: $error; }
    """

    @dataclass
    class Applied(Message):
        """The filter in force changed (an empty list: no filter)."""

        conditions: list[Condition]
        text: str

    def __init__(self, kinds: Mapping[str, str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kinds: Mapping[str, str] = kinds or {}  # the columns that may be named
        self.conditions: list[Condition] = []
        self.text = ""

    def compose(self) -> ComposeResult:
        yield TypedInput(placeholder=PLACEHOLDER, id="filter-input")
        yield Static(id="filter-note")

    def focus_input(self) -> None:
        self.query_one(Input).focus()

    def _note(self, text: str, error: bool = False) -> None:
        note = self.query_one("#filter-note", Static)
        note.update(Text(printable(text), style="" if error else "dim"))
        note.set_class(error, "error")
        note.display = bool(text)

    def on_descendant_focus(self) -> None:
        self._note(HINT)

    def on_descendant_blur(self) -> None:
        if not self.query_one("#filter-note").has_class("error"):
            self._note("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            conditions = parse_line(event.value, self.kinds)
        except FilterError as err:
            self._note(str(err), error=True)
            return
        self._note("")
        self.conditions, self.text = conditions, event.value.strip()
        self.post_message(self.Applied(conditions, self.text))

    def summary(self) -> Text:
        """What the filter in force is, for a status line."""
        if not self.conditions:
            return Text("no filter (/ to filter)", style="dim")
        return Text(f"filter: {printable(self.text)}")
