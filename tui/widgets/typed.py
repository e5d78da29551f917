"""A text field whose editing keys act in the order they were typed."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class TypedInput(Input):
    """Input that runs its own key bindings (backspace, delete, the arrows, home, end…) where
    the key arrives. Textual's Input inserts a printable key at once but lets a bound key go
    up to the app and come back as an action (Textual issue 6605), so keys read in one chunk
    were applied out of order: over SSH to a busy lab machine, "40" edited by ⌫⌫200 became
    "200" and then lost its last two digits, "2"."""

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()  # Input's own _on_key must not see it again
                return
