"""A run store written by someone hostile, shown by linclf-tui (issue 22, point 1): escape
sequences in names, keys, values, statuses, hosts and error texts never reach the terminal
(checked on the bytes of a real pty, and on tmux's pane title and paste buffers), and markup
in a config key is shown as it is: it neither kills the app nor gives a header a click action.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostilestore import CLIPBOARD, MARKUP_KEYS, RAW_BYTES, TITLE, write_store
from ptyharness import PtyApp, session_processes
from test_tui import shown, wait_for
from tmuxharness import TmuxApp

from linclf.engine.text import printable
from linclf.tui.app import LinclfApp
from linclf.tui.widgets.runtable import RunsTable

pytestmark = pytest.mark.timeout(240)
SHOWN_AS = printable(CLIPBOARD)  # "␛]52;c;UFdORUQ=␇": visible, inert


def safe(text: str) -> bool:
    return printable(text) == text


def watching(out: Path) -> LinclfApp:
    return LinclfApp(data_dir=Path("unused"), out=out, view="runs")


async def test_every_text_of_a_crafted_store_is_shown_as_markers(tmp_path):
    store = write_store(tmp_path / "out")
    app = watching(store)
    async with app.run_test(size=(400, 60)) as pilot:
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: len(table.snaps) == 4, timeout=20)
        headers = [column.label.plain for column in table.ordered_columns]
        assert set(MARKUP_KEYS) <= set(headers)  # "[/]" is a header, as it is written
        assert printable(TITLE) in headers and all(map(safe, headers))
        seen = []
        for row in range(table.row_count):
            table.move_cursor(row=row, animate=False)
            await pilot.pause()
            seen += [shown(app, "#run-side"), shown(app, "#runs-help")]
            seen += [str(cell) for cell in table.get_row_at(row)]
        for path in table.snaps:
            app.follow(path)
            await wait_for(
                pilot,
                lambda p=path: app.run_view.snap is not None and app.run_view.snap.path == p,
                timeout=20,
            )
            await pilot.pause()
            seen += [shown(app, s) for s in ("#run-status", "#run-message", "#run-system")]
            seen.append(app.query_one("#template-view").caption)
        text = "\n".join(seen)
        assert SHOWN_AS in text and "disk said" in text and "Status '␛]0;PWNED" in text
        assert all(map(safe, text.splitlines()))
        assert app.is_running


async def test_a_click_on_a_markup_header_does_nothing_but_sort(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)  # where app.screenshot delivers its file
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    store = write_store(tmp_path / "out")
    app = watching(store)
    async with app.run_test(size=(400, 60)) as pilot:
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: len(table.snaps) == 4, timeout=20)
        for key in MARKUP_KEYS:
            index = table.headers.index(key)
            deadline = time.monotonic() + 20
            while table.sort_column != index:
                # a sort rebuilds the table, which fits its column widths when idle: a click
                # aimed by the widths before that can land on a neighbour, so aim again
                await pilot.pause(0.2)
                columns = table.ordered_columns
                x = sum(column.get_render_width(table) for column in columns[:index]) + 1
                assert await pilot.click(RunsTable, offset=(x - int(table.scroll_x), 0))
                await pilot.pause()
                assert app.is_running, key
                assert time.monotonic() < deadline, f"a click on {key!r} did not sort"
        assert not list(home.rglob("*.svg"))


def until(screen, text: str, check, timeout: float = 60.0) -> None:
    """Wait for text on the screen, running check at every look."""
    deadline = time.monotonic() + timeout
    while True:
        check()
        if text in screen():
            return
        assert time.monotonic() < deadline, f"{text!r} not on screen:\n{screen()}"
        time.sleep(0.1)


def walk(press, wait_for) -> None:
    """Every view of the crafted store as a person meets it, starting in the Run view of its
    failed run (status, system line with the host, note with the error): the Runs view, each
    row (the side panel shows the run's note, error and config), another run followed, and
    its templates. Each step waits for what it changes on the screen, so no key is pressed
    before the widget it is meant for has the focus."""
    steps = [
        ((), "Failed: disk said"),
        (("4",), "4 runs under"),
        (("down",), "Status '"),  # the newest run: an unknown status
        (("down",), "disk said"),  # the failed run
        (("down", "down", "down", "enter"), "20260101-000004-␛P"),  # the search's one run
        (("3",), "no weights.npz yet"),  # its templates: the caption names the run
        (("4",), "4 runs under"),
    ]
    for keys, text in steps:
        press(*keys)
        wait_for(text)


def tui_command(store: Path) -> list[str]:
    """linclf-tui following the store's failed run."""
    (failed,) = store.glob("20260101-000002-*")
    return [sys.executable, "-m", "linclf", "tui", "--out", str(store), "--follow", str(failed)]


@pytest.mark.slow
def test_no_escape_sequence_from_a_crafted_store_reaches_the_pty(tmp_path):
    store = write_store(tmp_path / "out")
    with PtyApp(tui_command(store), size=(160, 45), cwd=tmp_path) as app:

        def check() -> None:
            assert app.proc.poll() is None, app.screen_text()
            raw = bytes(app.output)
            assert [seq for seq in RAW_BYTES if seq in raw] == []

        walk(app.press, lambda text: until(app.screen_text, text, check))
        assert SHOWN_AS in app.screen_text()
        app.press("q")
        assert app.wait_exit(time.monotonic(), timeout=10).clean


def _tmux(socket: Path, *args: str) -> str:
    done = subprocess.run(
        ["tmux", "-S", str(socket), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.slow
def test_a_crafted_store_sets_neither_the_pane_title_nor_a_paste_buffer(tmp_path):
    store = write_store(tmp_path / "out")
    socket = tmp_path / "tmux.sock"
    # set-clipboard on: OSC 52 from the pane would make a paste buffer.
    options = {"set-clipboard": "on"}
    with TmuxApp(tui_command(store), size=(160, 45), socket=socket, options=options) as app:
        title = _tmux(socket, "display-message", "-p", "-t", "app", "#{pane_title}")
        assert "PWNED" not in title

        def check() -> None:
            assert _tmux(socket, "list-buffers") == ""
            assert _tmux(socket, "display-message", "-p", "-t", "app", "#{pane_title}") == title
            assert app.pane_pid() == app.pid  # the app is still the pane's process

        names = {"down": "Down", "enter": "Enter"}
        walk(
            lambda *keys: app.send_keys(*(names.get(key, key) for key in keys)),
            lambda text: until(app.capture, text, check),
        )
        assert SHOWN_AS in app.capture()
        app.send_keys("q")
        deadline = time.monotonic() + 10
        while app.pid in {proc.pid for proc in session_processes(app.pid)}:
            assert time.monotonic() < deadline, "the app did not exit on q"
            time.sleep(0.05)
