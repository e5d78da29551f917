"""A run store written by someone hostile: terminal escape sequences and Rich markup in run
folder names, config keys and values, statuses, hosts and error texts (issue 22, point 1).
Shared by the tests that show such a store through the TUI, the CLI and the report."""

from __future__ import annotations

from pathlib import Path

from runstore import fixed_history, write_run

# Each payload does something visible if it reaches a terminal raw.
CLIPBOARD = "\x1b]52;c;UFdORUQ=\x07"  # OSC 52: the clipboard (a tmux buffer) becomes "PWNED"
TITLE = "\x1b]0;PWNED-TITLE\x07"  # OSC 0: the window (tmux pane) title
CLEAR = "\x1b[2J"  # CSI 2J: clears the screen
C1_TITLE = "\x9d2;PWNED-C1\x9c"  # OSC and ST as single C1 code points
C1_CLEAR = "\x9b2J"  # CSI as a C1 code point
BIDI = "\u202etxt.exe"  # RIGHT-TO-LEFT OVERRIDE: shows as "exe.txt"
DCS = "\x1bP+q544e\x1b\\"  # DCS (XTGETTCAP): asks the terminal to answer on the app's stdin
PAYLOADS = (CLIPBOARD, TITLE, CLEAR, C1_TITLE, C1_CLEAR, BIDI, DCS)

# Config keys that are Rich/Textual markup: a header parsed as markup dies ("[/]") or gets a
# click action (the screenshot writes an SVG to ~/Downloads/../p.svg, in the user's home;
# quit ends the app). A reader keeps 40 characters of a key.
SCREENSHOT = "p.svg"
MARKUP_KEYS = (
    f"[@click=app.screenshot('../{SCREENSHOT}')]W[/]",
    "[/]",
    "[bold red]k",
    "[@click=app.quit]Q[/]",
)
# Byte strings that only the payloads above would put on a terminal.
RAW_BYTES = (b"\x1b]52", b"\x1b]0;PWNED", b"\x1b[2J", b"\xc2\x9d", b"\xc2\x9b", b"\xe2\x80\xae")
RAW_BYTES += (b"\x1bP+q",)


def write_store(root: Path, markup_keys: tuple[str, ...] = MARKUP_KEYS) -> Path:
    """Run folders whose every shown string is hostile; returns root. The markup keys differ
    between runs, so each is a column of the Runs table."""
    history = fixed_history(3)
    config = {
        "eta": 0.001,
        "lam": 0.0,
        "n_epochs": 40,
        "head": CLIPBOARD + TITLE,
        **{key: 1 for key in markup_keys},
        TITLE: CLEAR,
        CLIPBOARD: 2,
    }
    other = {**config, "eta": 0.01, "head": TITLE + CLEAR, **{key: 2 for key in markup_keys}}
    other[TITLE], other[CLIPBOARD] = C1_CLEAR, 3
    write_run(root / f"20260101-000001-{CLIPBOARD}", history, config=config)
    write_run(
        root / f"20260101-000002-{TITLE}",
        history,
        status="failed",
        config=other,
        error=f"disk said {CLEAR}{C1_TITLE} and {CLIPBOARD}",
    )
    write_run(root / f"20260101-000003-{BIDI}{C1_CLEAR}", history, status=TITLE, config=config)
    write_run(
        root / f"search-{TITLE}" / "runs" / f"20260101-000004-{DCS}",
        history,
        status="completed",
        config=other,
        host=f"{TITLE}{CLIPBOARD}",
    )
    return root
