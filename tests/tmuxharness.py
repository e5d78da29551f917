"""Run a terminal program in a private tmux server (its own socket) at a fixed size, for
screenshots: `capture()` is the pane's text as a person at that terminal sees it. Ending the
server closes the pane's pty master, so the program gets a real hangup; leaving the `with`
block also kills whatever of the pane's session survived that."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from ptyharness import session_processes


class TmuxApp:
    """A command in a private tmux server (own socket) at a fixed size."""

    def __init__(
        self,
        argv: list[str],
        *,
        size: tuple[int, int] = (80, 24),
        socket: str | os.PathLike,
        env: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
    ):
        self.argv, self.size, self.socket = argv, size, str(socket)
        self.env = env or {}
        self.options = options or {}  # global tmux options, set before the pane's first output
        self.pid: int | None = None  # the pane's first process, leader of its own session

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def start(self) -> TmuxApp:
        cols, rows = self.size
        prefix = ["env", *(f"{k}={v}" for k, v in self.env.items())]
        self._tmux(
            "new-session",
            "-d",
            "-s",
            "app",
            "-x",
            str(cols),
            "-y",
            str(rows),
            "--",
            *prefix,
            *self.argv,
            *(
                arg
                for name, value in self.options.items()
                for arg in (";", "set", "-g", name, value)
            ),
        )
        self.pid = self.pane_pid()
        return self

    def pane_pid(self) -> int:
        return int(self._tmux("display-message", "-p", "-t", "app", "#{pane_pid}").strip())

    def capture(self, escapes: bool = False) -> str:
        return self._tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "app")

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        """Wait until one of texts is on screen; return the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.capture()
            if any(text in screen for text in texts):
                return screen
            time.sleep(0.1)
        raise TimeoutError(f"{texts!r} not on screen after {timeout} s:\n{self.capture()}")

    def wait_for_line(self, *words: str, timeout: float = 30.0) -> str:
        """Wait until a line of the screen is exactly these words (spaces between them do not
        matter); return the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.capture()
            if list(words) in [line.split() for line in screen.splitlines()]:
                return screen
            time.sleep(0.1)
        raise TimeoutError(f"no line {words!r} after {timeout} s:\n{self.capture()}")

    def send_keys(self, *keys: str, pause: float = 0.1) -> None:
        """tmux key names: `s`, `Enter`, `Escape`, `C-p`, `Down`, ... A pause after each, as a
        person types: keys that arrive in one read can be lost to an app's input parser."""
        for key in keys:
            self._tmux("send-keys", "-t", "app", key)
            time.sleep(pause)

    def type_text(self, text: str, pause: float = 0.1) -> None:
        """Literal text, one key press per character (never read as a key name)."""
        for char in text:
            self._tmux("send-keys", "-t", "app", "-l", char)
            time.sleep(pause)

    def screenshot(self, path: str | os.PathLike) -> str:
        text = self.capture()
        Path(path).write_text(text)
        return text

    def kill(self) -> None:
        """End the server: it closes the pane's pty master, so the app gets a hangup."""
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)

    def __enter__(self) -> TmuxApp:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
        for proc in session_processes(self.pid) if self.pid else []:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
