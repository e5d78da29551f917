"""Help: a modal screen with every key (Escape, q or ? closes it), readable at 80×24."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("s / F5", "start linclf train with the form's settings"),
    ("x / F6", "stop the followed run as Ctrl-C does; it saves"),
    ("c", "run the gradient check"),
    ("a", "curves: loss → cost → accuracy"),
    ("1 2 3 4", "views: Run · Check · Templates · Runs"),
    ("f", "show or hide the form (narrow terminals)"),
    ("enter", "Runs: follow the highlighted run in the Run view"),
    ("space", "Runs: mark runs to compare (curves and config diff)"),
    ("home / end", "Run: first epoch / follow the newest epoch again"),
    ("o / O", "Runs: sort by the next column / reverse the order"),
    ("/ h n", "Runs: filter (esc clears) · hyper-params · note+tags"),
    ("e y u", "curves: smooth off/low/high · log y · x epoch/step"),
    ("p", "export marked runs' CSV and the plot's PNG to exports/"),
    ("escape", "leave a text field (then letters are keys again)"),
    ("ctrl+p", "command palette: every action by name"),
    ("?", "this help"),
    ("q", "quit; runs started here keep training (q says so once)"),
)
ABOUT = (
    "The Run view follows one run folder live (the app's own, one chosen in Runs, or "
    "linclf-tui --follow RUN_DIR). Runs lists every run under --out, wherever it was started; "
    "dead writers are marked. Runs started here (+) are processes of their own: quitting "
    "leaves them training."
)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with VerticalScroll():
            yield Static(Text("linclf-tui · keys (escape closes)", style="bold"))
            yield Static(table)
            yield Static(Text(ABOUT, style="dim"))
