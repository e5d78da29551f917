"""The linclf training monitor: a Textual app over the numpy engine."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from linclf.engine import format as fmt
from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.train import EpochStats, Training
from linclf.tui import workers
from linclf.tui.messages import (
    CheckFailed,
    CheckFinished,
    EpochsDone,
    RunFailed,
    RunFinished,
    RunStarted,
)
from linclf.tui.widgets.curves import Curves
from linclf.tui.widgets.epochs import EpochTable, RunStatus
from linclf.tui.widgets.form import HyperparameterForm
from linclf.tui.widgets.gradcheck import GradcheckPanel
from linclf.tui.widgets.runs import RunsPanel
from linclf.tui.widgets.templates import TemplatesView

TABS = ("train", "check", "templates", "runs")
HELP = """\
s  start training with the form's settings      x  stop (keeps finished epochs)
c  run the gradient check                       a  loss / cost / accuracy curves
1-4  train · check · templates · runs tabs      f  show / hide the form (narrow)
space  (runs tab) overlay the highlighted run   q  quit (stops and saves a run)
Letters act when the cursor is not in a text field; F5 start, F6 stop work anywhere."""


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
        Binding("1", "tab('train')", "Train", show=False),
        Binding("2", "tab('check')", "Check", show=False),
        Binding("3", "tab('templates')", "Templates", show=False),
        Binding("4", "tab('runs')", "Runs", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        data_dir: Path | None = None,
        out: Path = Path("outputs"),
        config: TrainConfig | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.out = Path(out)
        self.initial_config = config
        self.training: Training | None = None
        self.history: list[EpochStats] = []
        self.run_dir: Path | None = None
        self.last_summary: dict | None = None
        self.n_epochs = 0
        self._data = workers.DataCache(data_dir)
        self._quitting = False

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield HyperparameterForm(self.initial_config, id="form")
            with TabbedContent(id="tabs", initial="train"):
                with TabPane("1 Train", id="train"):
                    with Vertical():
                        yield RunStatus("Idle: set the form, then press s.", id="run-status")
                        # A set total: an indeterminate bar would animate while idle.
                        yield ProgressBar(total=1, id="progress", show_eta=False)
                        yield Static("", id="run-message")
                        yield EpochTable(id="epochs")
                        yield Curves(id="curves")
                with TabPane("2 Check", id="check"):
                    yield GradcheckPanel(id="gradcheck")
                with TabPane("3 Templates", id="templates"):
                    with Vertical():
                        yield TemplatesView(id="template-view")
                with TabPane("4 Runs", id="runs"):
                    yield RunsPanel(self.out, id="runs-panel")
        yield Footer()

    def on_mount(self) -> None:
        self.screen.add_class("-show-form")
        # Focusing Start scrolls a short terminal's form to its end: show its top instead.
        form = self.query_one(HyperparameterForm)
        self.call_after_refresh(form.scroll_home, animate=False)
        # An SSH connection that drops sends SIGHUP: stop, save and exit, as q does.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)

    def on_unmount(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)

    def _hangup(self) -> None:
        self.call_later(self.action_quit)

    # ---------------------------------------------------------------- actions
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.screen.remove_class("-show-form")

    def action_toggle_form(self) -> None:
        self.screen.toggle_class("-show-form")

    def action_next_metric(self) -> None:
        for curves in self.query(Curves):
            curves.next_metric()

    def action_help(self) -> None:
        self.notify(HELP, title="Keys", timeout=12)

    def training_running(self) -> bool:
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
            first = next(iter(form.problems.items()))
            self.notify(f"Cannot start: {first[0]} {first[1]}", severity="error")
            return
        self.history = []
        self.query_one(EpochTable).show([])
        self.query_one("#curves", Curves).show([])
        self.query_one(ProgressBar).update(total=form.config.n_epochs, progress=0)
        self._message("Loading data…")
        self.query_one(RunStatus).update(
            f"starting: {form.config.head}, eta {form.config.eta:g}, lam {form.config.lam:g}"
        )
        self.action_tab("train")
        self.train(form.config)

    def action_stop(self) -> None:
        if self.training is not None and self.training_running():
            self.training.stop(st.STOPPED)
            self._message("Stopping after the current mini-batch…")

    def action_check(self) -> None:
        self.query_one(TabbedContent).active = "check"
        self.screen.remove_class("-show-form")
        if any(w.group == "check" and w.is_running for w in self.workers):
            return
        self.query_one(GradcheckPanel).running()
        self.gradcheck()

    async def action_quit(self) -> None:
        if self.training is not None and self.training_running():
            # Stop between mini-batches; the worker saves the run, then RunFinished exits.
            self._quitting = True
            self.training.stop(st.INTERRUPTED)
            self._message("Stopping and saving the run…")
            self.set_timer(20, self.exit)
            return
        self.exit()

    def _message(self, text: str, error: bool = False) -> None:
        message = self.query_one("#run-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    # ---------------------------------------------------------------- workers
    def _started(self, training: Training) -> bool:
        self.training = training
        return not self._quitting

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def train(self, config: TrainConfig) -> None:
        """The engine's epoch loop in a thread; the same code as `linclf train`."""
        workers.train(
            self.post_message, get_current_worker(), self._data, config, self.out, self._started
        )

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def gradcheck(self) -> None:
        workers.gradient_check(self.post_message, self.data_dir)

    # --------------------------------------------------------------- messages
    def on_hyperparameter_form_start_requested(self, _event) -> None:
        self.action_start()

    def on_run_started(self, event: RunStarted) -> None:
        self.run_dir = event.run_dir
        self.n_epochs = event.config.n_epochs
        self._message(f"Training · run folder {event.run_dir}")
        self.query_one(ProgressBar).update(total=self.n_epochs, progress=0)
        self.query_one(RunStatus).show_progress([], self.n_epochs)

    def on_epochs_done(self, event: EpochsDone) -> None:
        self.history.extend(event.rows)
        self.query_one(EpochTable).extend(event.rows)
        self.query_one("#curves", Curves).show([("", self.history)])
        self.query_one(ProgressBar).update(progress=len(self.history))
        self.query_one(RunStatus).show_progress(self.history, self.n_epochs)

    def on_run_finished(self, event: RunFinished) -> None:
        summary = self.last_summary = event.summary
        status = summary["status"]
        text = fmt.status_sentence(status, self.history, summary["test_acc"])
        self._message(f"{text} · saved to {summary['run_dir']}", error=status == st.DIVERGED)
        if self.history:
            self.query_one(TemplatesView).show(event.W)
        self.query_one(RunsPanel).reload()
        if self._quitting:
            self.exit()

    def on_run_failed(self, event: RunFailed) -> None:
        self._message(event.message, error=True)
        self.notify(event.message, severity="error", timeout=8)
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
