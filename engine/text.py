"""Text from outside linclf's own code, made safe to show on a terminal.

A run folder's name, a config key or value, a status, a host, an error message, a cell of a
results file, an answer from a server: anyone may have written it, and a terminal obeys what
it is sent. An escape sequence in such a string could set the clipboard (OSC 52) or the
window title (OSC 0), clear the screen (CSI 2J) or make the terminal type an answer (DCS);
a bidi override could make "exe.txt" of "txt.exe". `printable` is the one step every door
passes such a string through before it reaches a terminal (the TUI, the CLI's lines, the
report's text): each control or invisible format character becomes a visible marker, so the
text still says what is there but does nothing.

Markup is the other half and is not handled here: a door that renders markup (Rich,
Textual) must hand it a `Text`/`Content`, never a string it would parse.
"""

from __future__ import annotations

import unicodedata

# C0 controls as their Unicode control pictures (ESC as ␛, BEL as ␇, newline as ␊), DEL as ␡.
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
# Characters that print nothing yet are safe: spaces other than " " and private-use glyphs.
_HARMLESS = frozenset({"Zs", "Co"})
_SURROGATE_ESCAPES = range(0xDC80, 0xDD00)  # undecodable bytes of a file name (os.fsdecode)


def marker(char: str) -> str:
    """The visible stand-in for one character that must not reach a terminal as it is."""
    code = ord(char)
    if code in _PICTURES:
        return _PICTURES[code]
    if code in _SURROGATE_ESCAPES:
        return f"⟨0x{code - 0xDC00:02X}⟩"  # the byte itself, as the name on disk holds it
    return f"⟨U+{code:04X}⟩"


def printable(value: object) -> str:
    """str(value) with every C0/C1 control character (ESC, and so every escape sequence),
    DEL, format character (bidi overrides and isolates, zero-width characters), line or
    paragraph separator, surrogate and unassigned code point replaced by a visible marker.
    Everything else is kept as it is; the result is one line."""
    text = str(value)
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(
        char if char.isprintable() or unicodedata.category(char) in _HARMLESS else marker(char)
        for char in text
    )
