"""The app's views as tabs, where the view the user chose stays chosen."""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane


class ViewTabs(TabbedContent):
    """TabbedContent that never switches the view because a widget of another view got
    the focus. TabbedContent shows the pane of a widget focused by code, by a message; the
    app focuses only the shown view's widget, but that message can arrive after a key chose
    another view (the start-up focus of the Run view against a 4 typed ahead over SSH). It
    switched back to the Run view, whose x then stopped the run the user was not looking at."""

    def on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        if event.tab_pane.id != self.active:
            event.prevent_default()
            event.stop()
