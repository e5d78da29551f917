"""The signal a person away from the screen asked for: when the followed run, or a search the
app shows, completes, fails, diverges, stalls or dies, or when a run of the store newly meets
a rule of engine/insight/alerts.py (nan, diverged, rising@E, stalled), the terminal bell
rings and the
window title says so (OSC 2, which tmux, xterm and most terminals show). `--no-signal` turns
it off. A run or search already ended when first seen does not ring."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from linclf.engine import status as st

# The states worth a signal; running and pending are not news.
NEWS = st.FINAL | {st.STALLED, st.DEAD}


def title_safe(text: str) -> str:
    """Printable characters only: a name must not end the escape sequence or start another."""
    return "".join(c for c in text if c.isprintable())[:120]


def window_title(app, title: str) -> None:
    """The terminal window's title (OSC 2) and the app's header: both say what happened."""
    app.sub_title = title
    driver = getattr(app, "_driver", None)
    if driver is not None and not app.is_headless:
        driver.write(f"\x1b]2;{title}\x07")
        driver.flush()


class Alerts:
    """Compares each snapshot's states with the last one's and signals every change into
    NEWS: the bell, and the title."""

    def __init__(
        self, bell: Callable[[], object], title: Callable[[str], object], enabled: bool = True
    ) -> None:
        self.bell, self.title = bell, title
        self.enabled = enabled
        self.seen: dict[tuple, str] = {}
        self.signalled: list[str] = []  # every title signalled, newest last

    def _check(self, key: tuple, state: str, what: str) -> None:
        before = self.seen.get(key)
        self.seen[key] = state
        if before is not None and before != state and state in NEWS:
            self._signal(f"linclf: {what} {state}")

    def _signal(self, text: str) -> None:
        title = title_safe(text)
        self.signalled.append(title)
        if self.enabled:
            self.bell()
            self.title(title)

    def rules(self, found: Mapping[Path, str]) -> None:
        """found: each run's alerts as labels ("nan@3 rising@7"); a label a run did not have
        at the last snapshot is news (a run first seen with alerts does not ring)."""
        for path, labels in found.items():
            before = self.seen.get(("rules", path))
            self.seen[("rules", path)] = labels
            new = [label for label in labels.split() if label not in (before or "").split()]
            if before is not None and new:
                self._signal(f"linclf: {path.name} {' '.join(new)}")

    def update(self, followed, searches: dict) -> None:
        """followed: the RunSnap of the followed run (or None); searches: group → progress."""
        if followed is not None:
            self._check(("run", followed.path), followed.state, followed.path.name)
        for group, items in searches.items():
            for search in items:
                name = f"search {group or '.'}/{search.name}"
                self._check(("search", group, search.name), search.state, name)
