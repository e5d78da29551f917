"""What linclf-tui does with runs as processes: start `linclf train` from the form, follow the
run once its folder appears, stop the followed run as Ctrl-C does, and say how each run it
started ends. The app's keys call these; the processes themselves are in tui/launch.py."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from textual.css.query import NoMatches

from linclf.engine import format as fmt
from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.store.runwatch import RunSnap
from linclf.tui.launch import Launcher, interrupt, log_tail
from linclf.tui.widgets.confirm import Confirm
from linclf.tui.widgets.runtable import RunsTable

if TYPE_CHECKING:
    from linclf.tui.app import LinclfApp

BAD_ENDS = (st.DIVERGED, st.FAILED, st.DEAD)


class RunControl:
    def __init__(self, app: LinclfApp, out: Path, data_dir: Path | None):
        self.app = app
        self.launcher = Launcher(out, data_dir)
        self._announced: set[Path] = set()  # launched runs whose end was told
        self._quit_told = False

    def start(self, config: TrainConfig) -> None:
        """Start `linclf train` with config as a process of its own. A run already training
        goes on beside it: each is a process the app only watches (a queue would need the
        app to stay alive to start the next one)."""
        app = self.app
        try:
            run = self.launcher.start(config)
        except OSError as err:
            where = err.filename or self.launcher.out
            app.show_error(f"Cannot start a run: {where}: {err.strerror or err}")
            return
        others = len(self.launcher.live()) - 1
        app.follow(None)
        app.run_view.prepare(
            f"starting: {config.head}, eta {config.eta:g}, lam {config.lam:g}",
            f"Loading data… linclf train runs as pid {run.pid}; its output: {run.log}"
            + (f" · {others} other run(s) started here still train" if others else ""),
        )
        app.action_tab("train")

    def stop(self) -> None:
        """Stop the run in the Run view as Ctrl-C stops `linclf train`: SIGINT to its writer;
        one the app did not start only after a yes."""
        app = self.app
        starting = self.launcher.waiting()
        if app.followed is None and starting is not None:
            if interrupt(starting.pid, None):
                starting.stopped = True
                app.run_view.message("Stopping: the run will not start.")
            return
        snap = app.snapshot.followed
        if snap is None or snap.path != app.followed or not snap.live:
            app.notify("No live run in the Run view: x stops the followed run.", markup=False)
            return
        info = snap.info
        if info.host != self.launcher.host or info.pid is None:
            app.notify(
                f"{snap.path.name} is written by pid {info.pid} on {info.host}: "
                "x stops only runs written on this host.",
                severity="warning",
                markup=False,
            )
            return
        if snap.path in self.launcher.run_dirs:
            self._interrupt(snap)
            return
        question = (
            f"Stop {snap.path.name}? This app did not start it: its writer is pid {info.pid}. "
            "It finishes its epoch, saves, and ends as interrupted."
        )
        app.push_screen(Confirm(question), lambda yes: self._interrupt(snap) if yes else None)

    def _interrupt(self, snap: RunSnap) -> None:
        name = snap.path.name
        if interrupt(snap.info.pid or 0, snap.info.started):
            text = f"Stopping {name}: it finishes its epoch, saves, and ends as interrupted."
            with contextlib.suppress(NoMatches):
                self.app.run_view.message(text)
            self.app.notify(text, markup=False)
        else:
            self.app.notify(f"{name}: its writer has already ended.", markup=False)

    def may_quit(self) -> bool:
        """False the first time runs started here still train: the app says they go on."""
        live = self.launcher.live()
        if not live or self._quit_told:
            return True
        self._quit_told = True
        self.app.notify(
            f"{len(live)} run(s) started here keep training after the app quits (their folders "
            f"are under {self.launcher.out}; x stops the followed one). Press q again to quit.",
            timeout=10,
            markup=False,
        )
        return False

    def poll(self) -> None:
        """Follow a launched run once its folder appears; say why one ended without one."""
        app = self.app
        found = self.launcher.find_folders()
        if found:
            app.query_one(RunsTable).launched = self.launcher.run_dirs
            app.watcher.wake.set()
        for run in found:
            if app.followed is None and run is self.launcher.runs[-1]:
                app.run_view.own = run.run_dir
                app.follow(run.run_dir)
        for run in self.launcher.ended_early():
            if run.stopped:
                app.run_view.message("Stopped before training began: no run folder was made.")
                continue
            app.show_error(
                f"The run did not start (exit status {run.process.returncode}): "
                f"{log_tail(run.log)} · log: {run.log}"
            )

    def tell_ends(self, runs: dict[Path, RunSnap]) -> None:
        """A toast when a run started here ends (an error when it failed, diverged or died)."""
        for path in self.launcher.run_dirs - self._announced:
            snap = runs.get(path)
            if snap is None or not (snap.state in st.FINAL or snap.state == st.DEAD):
                continue
            self._announced.add(path)
            sentence = fmt.status_sentence(snap.state, list(snap.history), snap.info.test_acc)
            if snap.info.error:
                sentence += f": {snap.info.error}"
            self.app.notify(
                f"{path.name}: {sentence}",
                severity="error" if snap.state in BAD_ENDS else "information",
                timeout=10,
                markup=False,
            )
