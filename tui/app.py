"""The linclf training monitor: a Textual app over the run store. It trains nothing itself:
`s` starts `linclf train` and `c` starts `linclf check` as processes of their own (tui/launch.py),
and every run, its own included, is read from its folder (tui/watch.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Header, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from linclf.engine.config import TrainConfig
from linclf.engine.text import printable
from linclf.tui import alerts, insight, insight_keys, views
from linclf.tui.control import RunControl
from linclf.tui.hangup import HangupSafeDriver, ShutdownGuard
from linclf.tui.launch import CheckFailure, CheckProcess
from linclf.tui.messages import StoreChanged, WatchFailed
from linclf.tui.views import VIEWS
from linclf.tui.watch import Watcher
from linclf.tui.widgets.curves import Curves
from linclf.tui.widgets.footer import KeyFooter
from linclf.tui.widgets.form import HyperparameterForm
from linclf.tui.widgets.gradcheck import GradcheckPanel
from linclf.tui.widgets.help import HelpScreen
from linclf.tui.widgets.runs import RunsPanel
from linclf.tui.widgets.runview import RunView
from linclf.tui.widgets.templates import TemplatesView
from linclf.tui.widgets.viewtabs import ViewTabs

if TYPE_CHECKING:
    from linclf.engine.records import EpochStats

LAUNCH_POLL = 0.5  # how often the app looks for its launched runs' folders and exits


class LinclfApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "linclf"
    SUB_TITLE = "one-layer CIFAR-10 classifier"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # Focus Start, not a text field, so the letter keys work at once.
    AUTO_FOCUS: ClassVar[str | None] = "#start"
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("f5", "start", "Start", show=False, priority=True),
        Binding("x", "stop", "Stop"),
        Binding("f6", "stop", "Stop", show=False, priority=True),
        Binding("c", "check", "Check"),
        Binding("a", "next_metric", "Curves"),
        Binding("e", "curves('level')", "Smooth", show=False),
        Binding("y", "curves('log_y')", "Log y", show=False),
        Binding("u", "curves('x_by')", "x: epoch/step", show=False),
        Binding("p", "export", "Export", show=False),
        Binding("f", "toggle_form", "Form"),
        *(
            Binding(str(k), f"tab('{view}')", label.split()[1], show=False)
            for k, (view, label, _) in enumerate(VIEWS, 1)
        ),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        data_dir: Path | None = None,
        out: Path = Path("outputs"),
        config: TrainConfig | None = None,
        follow: Path | None = None,
        view: str | None = None,
        watch: bool = False,
        signal: bool = True,
    ) -> None:
        super().__init__(driver_class=HangupSafeDriver)
        self.data_dir = data_dir
        self.out = Path(out)
        self.initial_config = config
        self.initial_view = view or ("train" if follow is not None else None)
        self.followed: Path | None = follow
        self.snapshot = StoreChanged({})
        self.watcher = Watcher(self.out)
        self.insight = insight.Insight(self.out)  # rows, filter, alerts and notes of the runs
        self.runs = RunControl(self, self.out, data_dir)
        self.check_process = CheckProcess(data_dir)
        self.shutdown_guard = ShutdownGuard(self, self._on_shutdown_signal)
        # Watch-only (--follow): full width, no form, no key that starts anything.
        self.watch_only = watch
        self.alerts = alerts.Alerts(
            self.bell, lambda title: alerts.window_title(self, title), signal
        )
        if self.initial_view is not None:
            # Textual reads it through the app (self.app.AUTO_FOCUS), so one app may turn it
            # off; its ClassVar annotation forbids that.
            self.AUTO_FOCUS = None  # type: ignore[misc]

    @property
    def history(self) -> list[EpochStats]:
        """The epochs of the run in the Run view, as last read from its folder."""
        followed = self.snapshot.followed
        return list(followed.history) if followed and followed.path == self.followed else []

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield HyperparameterForm(self.initial_config, id="form")
            with ViewTabs(id="tabs", initial=self.initial_view or "train"):
                with TabPane(VIEWS[0][1], id="train"):
                    yield RunView(id="run-view")
                with TabPane(VIEWS[1][1], id="check"):
                    yield GradcheckPanel(id="gradcheck")
                with TabPane(VIEWS[2][1], id="templates"):
                    with Vertical():
                        yield TemplatesView(id="template-view")
                with TabPane(VIEWS[3][1], id="runs"):
                    yield RunsPanel(self.out, id="runs-panel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.run_view = self.query_one(RunView)
        if self.watch_only:
            views.watch_only(self)
        if self.initial_view is None:
            self.screen.add_class("-show-form")
            # Focusing Start scrolls a short terminal's form to its end: show its top instead.
            form = self.query_one(HyperparameterForm)
            self.call_after_refresh(form.scroll_home, animate=False)
        else:
            self.call_after_refresh(views.focus_visible, self, self.initial_view)
        if self.followed is not None:
            self.follow(self.followed)
        self.watch_runs()
        self.set_interval(1.0, self._check_watcher)
        self.set_interval(LAUNCH_POLL, self.runs.poll)
        # A dropped SSH connection (SIGHUP) or SIGTERM: exit within seconds, whatever the app
        # is doing (tui/hangup.py). The runs it launched go on.
        if not self.is_headless:
            self.shutdown_guard.install()

    def on_unmount(self) -> None:
        self.watcher.stop()
        self.check_process.kill()

    def _on_shutdown_signal(self, _signum: int) -> None:
        """In the guard's watchdog thread: nothing of the app's needs saving (its runs are
        processes of their own and go on); a gradient check in progress ends with it."""
        self.watcher.stop()
        self.check_process.kill()

    def on_resize(self) -> None:
        self.call_after_refresh(views.focus_visible, self)

    def show_error(self, text: str) -> None:
        """An error in the Run view's message line and as a toast (plain text, never markup)."""
        with contextlib.suppress(NoMatches):
            self.run_view.message(text, error=True)
        self.notify(text, severity="error", timeout=10, markup=False)

    # ---------------------------------------------------------------- actions
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.screen.remove_class("-show-form")
        self.call_after_refresh(views.focus_visible, self, tab)

    def action_toggle_form(self) -> None:
        if views.toggle_wide_form(self):
            return
        self.screen.toggle_class("-show-form")
        if self.screen.has_class("-show-form"):
            self.call_after_refresh(self.query_one(HyperparameterForm).focus)
        else:
            self.call_after_refresh(views.focus_visible, self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return views.allowed(self, action)

    def action_next_metric(self) -> None:
        for curves in self.query(Curves):
            curves.next_metric()

    def action_curves(self, setting: str) -> None:
        insight_keys.cycle_curves(self, setting)

    def action_export(self) -> None:
        insight_keys.export_shown(self)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from views.system_commands(self)
        yield from super().get_system_commands(screen)

    def follow(self, path: Path | None) -> None:
        """Show path in the Run view (and its templates), live."""
        self.followed = Path(path) if path is not None else None
        self.watcher.follow(self.followed)

    def on_runs_panel_follow(self, event: RunsPanel.Follow) -> None:
        self.follow(event.path)
        self.action_tab("train")

    def action_start(self) -> None:
        form = self.query_one(HyperparameterForm)
        config = form.config
        if config is None:
            problems = [
                why if why.startswith(name) else f"{name} {why}"
                for name, why in form.problems.items()
            ]
            self.show_error(f"Cannot start: {'; '.join(problems)}")
            return
        self.runs.start(config)

    def action_stop(self) -> None:
        self.runs.stop()

    def action_check(self) -> None:
        self.action_tab("check")
        if any(w.group == "check" and w.is_running for w in self.workers):
            return
        self.query_one(GradcheckPanel).running()
        self.gradcheck()

    async def action_quit(self) -> None:
        if self.runs.may_quit():
            self.exit()

    # ---------------------------------------------------------------- workers
    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def gradcheck(self) -> None:
        """`linclf check --json` in a process of its own; the app never imports torch."""
        worker = get_current_worker()
        try:
            outcome: tuple | Exception = self.check_process.run()
        except (CheckFailure, OSError) as err:
            outcome = err
        if not worker.is_cancelled:
            self.call_from_thread(lambda: self.query_one(GradcheckPanel).outcome(outcome))

    def watch_runs(self) -> None:
        """The watcher polls in a daemon thread of its own, not a worker: exiting never waits
        for it (a read stuck on a dead NFS server must not keep the app alive)."""
        self.watcher.start(self.post_message)

    # --------------------------------------------------------------- messages
    def on_hyperparameter_form_start_requested(self, _event) -> None:
        self.action_start()

    def on_store_changed(self, event: StoreChanged) -> None:
        before, self.snapshot = self.snapshot, event
        followed = (
            event.followed if event.followed and event.followed.path == self.followed else None
        )
        self.alerts.update(followed, event.searches)
        self.insight.update(event.runs)
        self.alerts.rules(self.insight.changed)
        # A reading posted just before the app began to close finds its views being removed.
        with contextlib.suppress(NoMatches):
            if followed is not None:
                self.run_view.show(followed, event.system)
                self.query_one(HyperparameterForm).show_run(followed.path, followed.info.config)
            weights = event.weights
            if weights is not None and (
                before.weights is None or before.weights.key != weights.key
            ):
                self.query_one(TemplatesView).show(weights.W, weights.caption)
            self.query_one(RunsPanel).update(
                event.runs, event.searches, event.system, event.left_out
            )
        self.runs.tell_ends(event.runs)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where a background worker's failure reaches the user."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        message = printable(f"{event.worker.group} failed: {type(error).__name__}: {error}")
        if event.worker.group == "check":
            with contextlib.suppress(NoMatches):
                self.query_one(GradcheckPanel).failed(message)
        self.notify(message, severity="error", timeout=10, markup=False)

    def on_watch_failed(self, event: WatchFailed) -> None:
        self.notify(printable(event.message), severity="error", timeout=8, markup=False)

    def _check_watcher(self) -> None:
        if message := self.watcher.stuck_notice():
            self.notify(printable(message), severity="warning", timeout=8, markup=False)

    def on_button_pressed(self, event) -> None:
        if event.button.id == "run-check":
            self.action_check()
