"""What a Pilot-driven app shows, line by line, as the terminal would draw it."""

from __future__ import annotations


def screen_lines(app) -> list[str]:
    """The whole screen's text (the compositor's strips), one string per row."""
    return ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def widget_text(app, selector: str) -> str:
    """The part of the screen a widget covers, as the terminal shows it (cut where it is cut)."""
    region = app.query_one(selector).region
    lines = screen_lines(app)[region.y : region.y + region.height]
    return "\n".join(line[region.x : region.x + region.width] for line in lines)
