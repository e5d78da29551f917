"""The watcher's thread contract (issue 19, point 3): the app's thread only says what to follow;
the polling thread reads that once per poll; a poll that fails is shown, and polling goes on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from runstore import fixed_history, write_run

from linclf.engine.store import runwatch
from linclf.tui.app import LinclfApp
from linclf.tui.messages import StoreChanged, WatchFailed
from linclf.tui.watch import Watcher


def test_a_follow_in_the_middle_of_a_poll_does_not_break_it(tmp_path, monkeypatch):
    run = write_run(tmp_path / "r", fixed_history(2), "running")
    watcher = Watcher(tmp_path)
    watcher.follow(run)
    real = runwatch.signature

    def interleaved(path: Path):
        if path == run:  # the app's thread unfollows while the poll looks at the run
            watcher.follow(None)
        return real(path)

    monkeypatch.setattr(runwatch, "signature", interleaved)
    snapshot = watcher.poll(True, time.time())
    assert snapshot is not None and snapshot.followed is not None
    assert snapshot.followed.path == run
    assert watcher.poll(True, time.time()).followed is None  # the next poll sees the change


def test_a_failing_poll_is_reported_once_and_polling_goes_on(tmp_path, monkeypatch):
    write_run(tmp_path / "r", fixed_history(1), "completed")
    watcher = Watcher(tmp_path)
    real, calls = Watcher.poll, []

    def flaky(self, full, now):
        calls.append(full)
        if len(calls) <= 2:
            raise OSError(5, "Input/output error")
        return real(self, full, now)

    monkeypatch.setattr(Watcher, "poll", flaky)
    monkeypatch.setattr("linclf.tui.watch.INTERVAL", 0.01)
    posted, done = [], threading.Event()

    def post(message) -> None:
        posted.append(message)
        if isinstance(message, StoreChanged):
            done.set()

    watcher.start(post)
    assert done.wait(30)
    watcher.stop()
    failures = [m for m in posted if isinstance(m, WatchFailed)]
    assert len(failures) == 1 and "Input/output error" in failures[0].message
    assert watcher._last is posted[-1]  # _last is the message it posted


async def test_the_app_shows_a_failing_watcher(tmp_path, monkeypatch):
    def broken(self, full, now):
        raise RuntimeError("the store is broken")

    monkeypatch.setattr(Watcher, "poll", broken)
    app = LinclfApp(out=tmp_path, view="runs")
    async with app.run_test() as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            shown = [str(n.message) for n in app._notifications]
            if shown:
                break
        assert any("the store is broken" in text for text in shown), shown
        assert app.is_running


async def test_a_poll_that_hangs_is_shown(tmp_path, monkeypatch):
    release = threading.Event()

    def hang(self, full, now):
        release.wait()

    monkeypatch.setattr(Watcher, "poll", hang)
    monkeypatch.setattr("linclf.tui.watch.STUCK_SECONDS", 0.5)
    app = LinclfApp(out=tmp_path, view="runs")
    try:
        async with app.run_test() as pilot:
            shown: list[str] = []
            for _ in range(200):
                await pilot.pause(0.05)
                shown = [str(n.message) for n in app._notifications]
                if shown:
                    break
            assert any("has not answered" in text for text in shown), shown
            assert app.is_running
    finally:
        release.set()
