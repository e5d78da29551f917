"""The linclf training monitor: a Textual app over the numpy engine and the run store."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Header, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from linclf.engine import format as fmt
from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.runread import stats_from
from linclf.engine.text import printable
from linclf.engine.train import EpochStats
from linclf.tui import views, workers
from linclf.tui.hangup import HangupSafeDriver, ShutdownGuard
from linclf.tui.messages import (
    CheckFailed,
    CheckFinished,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    StoreChanged,
)
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


class LinclfApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "linclf"
    SUB_TITLE = "one-layer CIFAR-10 classifier"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # Focus Start, not a text field, so the letter keys work at once.
    AUTO_FOCUS = "#start"
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("f5", "start", "Start", show=False, priority=True),
        Binding("x", "stop", "Stop"),
        Binding("f6", "stop", "Stop", show=False, priority=True),
        Binding("c", "check", "Check"),
        Binding("a", "next_metric", "Curves"),
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
    ) -> None:
        super().__init__(driver_class=HangupSafeDriver)
        self.data_dir = data_dir
        self.out = Path(out)
        self.initial_config = config
        self.initial_view = view or ("train" if follow is not None else None)
        self.followed: Path | None = follow
        self.own = workers.OwnRun()
        self.last_summary: dict | None = None
        self.snapshot = StoreChanged({})
        self.watcher = Watcher(self.out)
        self._data = workers.DataCache(data_dir)
        self._quitting = False
        self.shutdown_guard = ShutdownGuard(self, self._on_shutdown_signal)
        if self.initial_view is not None:
            self.AUTO_FOCUS = None

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
            with TabbedContent(id="tabs", initial=self.initial_view or "train"):
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
        # A dropped SSH connection (SIGHUP) or SIGTERM: stop, save and exit within seconds,
        # whatever the app is doing (tui/hangup.py).
        if not self.is_headless:
            self.shutdown_guard.install()

    def on_unmount(self) -> None:
        self.watcher.stop()

    def _on_shutdown_signal(self, _signum: int) -> threading.Event:
        """In the guard's watchdog thread: the own run stops between mini-batches and is
        saved without plots (they take seconds); one still loading data never starts. The
        event is set once nothing unsaved is left."""
        self._quitting = True
        self.watcher.stop()
        return self.own.stop(st.INTERRUPTED, plots=False)

    def on_resize(self) -> None:
        self.call_after_refresh(views.focus_visible, self)

    # ---------------------------------------------------------------- actions
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.screen.remove_class("-show-form")
        self.call_after_refresh(views.focus_visible, self, tab)

    def action_toggle_form(self) -> None:
        self.screen.toggle_class("-show-form")
        if self.screen.has_class("-show-form"):
            self.call_after_refresh(self.query_one(HyperparameterForm).focus)
        else:
            self.call_after_refresh(views.focus_visible, self)

    def action_next_metric(self) -> None:
        for curves in self.query(Curves):
            curves.next_metric()

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

    def training_running(self) -> bool:
        """Whether the app's own run is loading or training."""
        return any(
            w.group == "train" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.workers
        )

    def action_start(self) -> None:
        form = self.query_one(HyperparameterForm)
        if self.training_running():
            self.notify("A run is in progress: stop it first (x).", severity="warning")
            return
        if form.config is None:
            problems = "; ".join(form.problems.values())
            self.notify(Text(f"Cannot start: {problems}"), severity="error", timeout=8)
            self.run_view.message(f"Cannot start: {len(form.problems)} field(s) to fix", True)
            return
        config = form.config
        self.own = workers.OwnRun()
        self.follow(None)
        self.run_view.prepare(
            f"starting: {config.head}, eta {config.eta:g}, lam {config.lam:g}", "Loading data…"
        )
        self.action_tab("train")
        self.train(config, self.own)

    def action_stop(self) -> None:
        if not self.training_running():
            self.notify("No run of this app is training (x stops only the app's own run).")
            return
        loading = self.own.training is None
        self.own.stop(st.STOPPED)
        self.run_view.message(f"Stopping{': the run will not start' if loading else '…'}")

    def action_check(self) -> None:
        self.action_tab("check")
        if any(w.group == "check" and w.is_running for w in self.workers):
            return
        self.query_one(GradcheckPanel).running()
        self.gradcheck()

    async def action_quit(self) -> None:
        if not self.training_running():
            self.exit()
            return
        # The own run stops between mini-batches and is saved; RunFinished then exits. While
        # its data is loading there is nothing to save: exit now (the run will not start).
        self._quitting = True
        loading = self.own.training is None
        self.own.stop(st.INTERRUPTED)
        if loading:
            self.exit()
            return
        self.run_view.message("Stopping and saving the run…")
        self.set_timer(20, self.exit)

    # ---------------------------------------------------------------- workers
    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def train(self, config: TrainConfig, own: workers.OwnRun) -> None:
        """The engine's epoch loop in a thread; the same code as `linclf train`."""
        workers.train(self.post_message, get_current_worker(), self._data, config, self.out, own)

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def gradcheck(self) -> None:
        workers.gradient_check(self.post_message, self.data_dir)

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_runs(self) -> None:
        worker = get_current_worker()
        self.watcher.run(self.post_message, lambda: worker.is_cancelled)

    # --------------------------------------------------------------- messages
    def on_hyperparameter_form_start_requested(self, _event) -> None:
        self.action_start()

    def on_store_changed(self, event: StoreChanged) -> None:
        before, self.snapshot = self.snapshot, event
        # A reading posted just before the app began to close finds its views being removed.
        with contextlib.suppress(NoMatches):
            if event.followed is not None and event.followed.path == self.followed:
                self.run_view.show(event.followed, event.system)
            weights = event.weights
            if weights is not None and (
                before.weights is None or before.weights.key != weights.key
            ):
                self.query_one(TemplatesView).show(weights.W, weights.caption)
            self.query_one(RunsPanel).update(event.runs, event.searches, event.system)

    def on_run_started(self, event: RunStarted) -> None:
        self.run_view.own = event.run_dir
        self.follow(event.run_dir)
        self.run_view.message(f"Training · run folder {event.run_dir}")

    def on_run_finished(self, event: RunFinished) -> None:
        summary = self.last_summary = event.summary
        status = summary["status"]
        history = [stats_from(row) for row in summary["history"]]
        sentence = fmt.status_sentence(status, history, summary["test_acc"])
        self.run_view.message(f"{sentence} · saved in {summary['run_dir']}", status == st.DIVERGED)
        self.watcher.wake.set()
        if self._quitting:
            self.exit()

    def on_run_failed(self, event: RunFailed) -> None:
        message = printable(event.message)  # an error may quote a file's name or content
        self.run_view.message(message, error=True)
        self.notify(Text(message), severity="error", timeout=8)
        if self._quitting:
            self.exit()

    def on_run_cancelled(self, _event: RunCancelled) -> None:
        self.run_view.message("Stopped before training began: no run folder was made.")
        if self._quitting:
            self.exit()

    def on_check_finished(self, event: CheckFinished) -> None:
        self.query_one(GradcheckPanel).show(event.results, event.source)

    def on_check_failed(self, event: CheckFailed) -> None:
        self.query_one(GradcheckPanel).failed(event.message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "train" and event.state == WorkerState.ERROR:
            self.on_run_failed(RunFailed(f"training failed: {event.worker.error}"))

    def on_button_pressed(self, event) -> None:
        if event.button.id == "run-check":
            self.action_check()
