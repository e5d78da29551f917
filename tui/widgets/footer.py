"""Textual's footer, rebuilt only when the keys it shows change. Textual's own rebuilds its
dozen key widgets on every change of focus, which costs a switch of views about a hundred
milliseconds on a busy lab machine (measured by benchmarks/bench_tui_watch.py)."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple = ()

    def bindings_changed(self, screen: Screen) -> None:
        shown = tuple(
            (binding.key, binding.description, enabled)
            for _, binding, enabled, _ in screen.active_bindings.values()
            if binding.show
        )
        if shown != self._shown or not self._bindings_ready:
            self._shown = shown
            super().bindings_changed(screen)
