"""Strings from disk made safe to show on a terminal: a stand-in, kept in this one place, for
the sanitiser of issue 22 (every door will call that one instead once it lands).

Control characters (C0, DEL, C1: the start of every escape sequence), line and paragraph
separators and the bidirectional overrides become visible markers, so no escape sequence, no
line break and no reordering reaches a terminal or a table cell. Markup stays the caller's
part: show the result as rich Text, never as a markup string.
"""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _marker(found: re.Match) -> str:
    code = ord(found.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␊ for a line feed: the Control Pictures block
    return "␡" if code == 0x7F else "�"


def printable(text: str) -> str:
    """text with every control character replaced by a visible marker."""
    return CONTROL.sub(_marker, text)
