"""The app's views, what has the focus in each, and the command palette's entries: keys act on
what is visible (a narrow terminal hides the form, so the form must not keep the focus)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.screen import ModalScreen
from textual.widgets import TabbedContent

from linclf.tui.widgets.form import HyperparameterForm
from linclf.tui.widgets.help import KEYS

# View id, tab label (its number is its key), what gets the focus when it is shown (None:
# nothing, so every letter is an app key).
VIEWS = (
    ("train", "1 Run", "#epochs"),
    ("check", "2 Check", "#run-check"),
    ("templates", "3 Templates", None),
    ("runs", "4 Runs", "#runs-table"),
)


def focus_visible(app: App, view: str | None = None) -> None:
    """Focus view's widget (when a view is named), or, when the focused widget has been
    hidden, the widget of what is shown now."""
    screen = app.screen
    active = app.query_one(TabbedContent).active
    if view is not None and view != active:
        return  # another view was chosen meanwhile (a key pressed while the app starts)
    focused = screen.focused
    hidden = focused is not None and not all(n.display for n in focused.ancestors_with_self)
    if view is None and not hidden:
        return
    if view is None and screen.has_class("-show-form") and screen.has_class("-narrow"):
        app.query_one(HyperparameterForm).focus()
        return
    view = view or active
    target = {v: selector for v, _, selector in VIEWS}.get(view)
    if target is None:
        screen.set_focus(None)
    else:
        app.query_one(target).focus()


# What each action acts on: a stop acts on the run the Run view shows, so only there.
ONLY_IN = {"stop": "train"}
# Actions that start something: never in the watch-only layout (--follow).
STARTS = ("start", "check", "toggle_form")


def allowed(app, action: str) -> bool:
    """Whether a key's action may run now: never behind a modal screen (help), a stop only
    while its run is on screen, nothing that starts a run or check while only watching."""
    if action in ("quit", "help", "focus_next", "focus_previous"):  # tab in a dialog
        return True
    if isinstance(app.screen, ModalScreen):
        return False
    if action in STARTS and getattr(app, "watch_only", False):
        return False
    view = ONLY_IN.get(action)
    return view is None or app.query_one(TabbedContent).active == view


def toggle_wide_form(app) -> bool:
    """f on a wide terminal: hide or show the form beside the views (True: done)."""
    if not app.screen.has_class("-wide"):
        return False
    app.screen.toggle_class("-hide-form")
    app.call_after_refresh(focus_visible, app)
    return True


def watch_only(app) -> None:
    """The layout --follow opens: the form hidden for good, nothing that starts a run or a
    check (the check view's button included), the view says it only watches."""
    from linclf.tui.widgets.gradcheck import GradcheckPanel

    app.screen.add_class("-watch")
    app.query_one(GradcheckPanel).watch_only()


def _runs(app, act) -> None:
    """A Runs command from the palette: shows the Runs view, then acts on its table."""
    from linclf.tui.widgets.runs import RunsPanel

    app.action_tab("runs")
    act(app.query_one(RunsPanel))


def insight_commands(app) -> Iterable[SystemCommand]:
    """The palette's entries for the keys of issue 21 (filter, views, curves, export)."""
    for name, key, act in (
        ("Runs: filter", "/", lambda p: p.action_filter()),
        ("Runs: hyper-parameter view", "h", lambda p: p.action_hparams()),
        ("Runs: note and tags", "n", lambda p: p.action_note()),
    ):
        yield SystemCommand(name, f"key {key}", lambda act=act: _runs(app, act))
    for name, key, setting in (
        ("Curves: smoothing off / low / high", "e", "level"),
        ("Curves: log y", "y", "log_y"),
        ("Curves: x by epoch / update step", "u", "x_by"),
    ):
        yield SystemCommand(name, f"key {key}", lambda s=setting: app.action_curves(s))
    yield SystemCommand("Export histories (CSV) and plot (PNG)", "key p", app.action_export)


def system_commands(app) -> Iterable[SystemCommand]:
    """Every action of the app by name (ctrl+p)."""
    yield SystemCommand("Start run", KEYS[0][1], app.action_start)
    yield SystemCommand("Stop run", KEYS[1][1], app.action_stop)
    yield SystemCommand("Gradient check", KEYS[2][1], app.action_check)
    yield SystemCommand("Next curve", KEYS[3][1], app.action_next_metric)
    for k, (view, label, _) in enumerate(VIEWS, 1):
        name = label.split()[1]
        yield SystemCommand(f"View: {name}", f"key {k}", lambda v=view: app.action_tab(v))
    yield SystemCommand("Form", KEYS[5][1], app.action_toggle_form)
    yield SystemCommand(
        "Runs: sort by the next column", "key o", lambda: _runs(app, lambda p: p.sort(False))
    )
    yield SystemCommand(
        "Runs: sort in reverse", "key O", lambda: _runs(app, lambda p: p.sort(True))
    )
    yield SystemCommand(
        "Runs: mark the highlighted run to compare",
        "key space",
        lambda: _runs(app, lambda p: p.action_toggle_mark()),
    )
    yield SystemCommand(
        "Runs: follow the highlighted run",
        "key enter",
        lambda: _runs(app, lambda p: p.action_follow()),
    )
    yield from insight_commands(app)
    yield SystemCommand("Help", "every key of linclf-tui", app.action_help)
