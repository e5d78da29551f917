"""Runs, states and configs as the TUI's text: always rich Text built from plain strings, so a
`[` in a path or status is shown as it is, never read as markup, and every string read from a
run folder passes through `printable` (engine/text.py), so an escape sequence in a name, a key,
a value or an error text is shown as markers instead of reaching the terminal."""

from __future__ import annotations

import math

from rich.text import Text

from linclf.engine import format as fmt
from linclf.engine import status as st
from linclf.engine.store.runread import disk_full
from linclf.engine.store.runwatch import RunSnap, eta_seconds
from linclf.engine.text import printable

STATE_STYLES = {
    st.RUNNING: ("●", "bold green"),
    st.PENDING: ("○", "green"),
    st.STALLED: ("◐", "bold yellow"),
    st.DEAD: ("✖", "bold red"),
    st.COMPLETED: ("✔", "green"),
    st.STOPPED: ("■", "yellow"),
    st.INTERRUPTED: ("■", "yellow"),
    st.DIVERGED: ("▲", "bold red"),
    st.FAILED: ("✖", "red"),
    st.UNKNOWN: ("?", "magenta"),
}
# Short column headers and legend names of config fields (others use their own name).
SHORT = {
    "lam": "λ",
    "eta": "η",
    "n_epochs": "epochs",
    "decay_every": "decay",
    "decay_factor": "decay×",
    "shuffle": "shuf",
    "n_batch": "batch",
}
# The fields the overview compares first (the list), then the rest in schema order.
FIRST = ("split", "flip", "head", "decay_every", "n_batch", "eta", "lam")


def field_label(name: str) -> str:
    """A config field's column header or legend name (a key from a run folder, made safe)."""
    return printable(SHORT.get(name, name))


def without_date(name: str) -> str:
    return name[9:] if len(name) > 9 and name[:8].isdigit() and name[8] == "-" else name


def short_name(name: str, width: int, keep_date: bool = False) -> str:
    """A run folder's name in a narrow column: without its date unless told to keep it (the
    time stays), cut in the middle with … so that its start and its tail (where names
    differ: "lam0.1") stay."""
    name = printable(name)
    if not keep_date:
        name = without_date(name)
    if len(name) <= width:
        return name
    # The time ("123606-"), or the date and time, then the tail.
    head = min(15, width - 4) if keep_date else min(7, (width - 1) // 2)
    return name[:head] + "…" + name[len(name) - (width - 1 - head) :]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def state_text(state: str) -> Text:
    mark, style = STATE_STYLES.get(state, ("?", "magenta"))
    return Text(f"{mark} {state}", style=style)


def value_text(value) -> str:
    """A config value as a short string; a value the reader could not use shows as "?"."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return fmt.general(value, 4) if math.isfinite(value) else fmt.general(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return printable(value)[:24]
    return fmt.MISSING if value is None else "?"


# One definition of a run's validation accuracy everywhere: its last epoch's, the figure a
# search chooses on (engine/store/searchread.py, engine/training/search.py), headed VAL.
VAL = "last val"


def last_val(snap: RunSnap) -> float | None:
    value = snap.history[-1].val_acc if snap.history else None
    return value if value is not None and value == value else None


def best_epoch(snap: RunSnap) -> tuple[float, int] | None:
    """(the highest validation accuracy, its epoch), when it is not the last epoch's."""
    best = None
    for s in snap.history:
        if (
            s.val_acc is not None
            and s.val_acc == s.val_acc
            and (best is None or s.val_acc > best[0])
        ):
            best = (s.val_acc, s.epoch)
    last = last_val(snap)
    return best if best is not None and last is not None and best[0] > last else None


def varied_fields(snaps) -> list[str]:
    """Config fields whose values differ between the runs, the issue's list first."""
    values: dict[str, set] = {}
    for snap in snaps:
        for name, value in snap.info.config.items():
            values.setdefault(name, set()).add(repr(value))
    for snap in snaps:  # a field some runs lack differs too
        for name in values:
            if name not in snap.info.config:
                values[name].add("<missing>")
    varied = [name for name, seen in values.items() if len(seen) > 1]
    return sorted(varied, key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n))


def legend(snap: RunSnap, fields: list[str]) -> str:
    """A run's label among others: the config that differs, e.g. "η=0.01 λ=0"."""
    parts = [f"{field_label(n)}={value_text(snap.info.config.get(n))}" for n in fields]
    return " ".join(parts) or printable(snap.path.name)[-20:]


def epochs_text(snap: RunSnap) -> str:
    total = snap.info.config.get("n_epochs")
    return f"{snap.epochs}/{value_text(total)}"


def search_eta(search, runs) -> float | None:
    """Time left for a live search: its finished trials' mean duration for every trial to go
    and the rest of each running one, shared among the trials it runs at once."""
    finished = [s.elapsed for s in runs if s.state == st.COMPLETED and s.epochs]
    if search.state != st.RUNNING or not finished:
        return None
    mean = sum(finished) / len(finished)
    left = sum(max(0.0, mean - s.elapsed) for s in runs if s.live) + search.to_go * mean
    return left / max(1, search.running)


def search_progress(search, runs) -> Text:
    """ "4/6 done · 1 running · 1 to go · ETA 1:42": a search's overall progress."""
    text = Text(f"{search.done}/{search.total} done")
    if search.running:
        text.append(f" · {search.running} running")
    if search.to_go:
        text.append(f" · {search.to_go} to go")
    eta = search_eta(search, runs)
    if eta is not None:
        text.append(f" · ETA {fmt.clock(eta)}", style="bold")
    return text


def status_line(snap: RunSnap, now: float | None = None) -> Text:
    """What a glance needs first, so a narrow terminal cuts only the name: state, epoch/total,
    ETA (while live), validation accuracy, test accuracy, elapsed, then the run's name."""
    line = state_text(snap.state)
    line.append(f" · epoch {epochs_text(snap)}")
    eta = eta_seconds(snap)
    if eta is not None:
        line.append(f" · ETA {fmt.clock(eta)}", style="bold")
    line.append(f" · val {fmt.percent(last_val(snap))}")
    best = best_epoch(snap)
    if best is not None:
        line.append(f" (best {fmt.percent(best[0])} ep {best[1]})")
    if snap.info.test_acc is not None:
        line.append(f" · test {fmt.percent(snap.info.test_acc)}")
    line.append(f" · {fmt.clock(snap.elapsed)} · {printable(snap.path.name)}")
    return line


def note(snap: RunSnap) -> Text:
    """What the state means for this run, in a sentence."""
    info = snap.info
    if snap.state in st.FINAL:
        text = fmt.status_sentence(snap.state, snap.history, info.test_acc)
        if info.error:
            text += f": {printable(info.error)}"
        bad = snap.state in (st.DIVERGED, st.FAILED)
        return Text(f"{text} · saved in {printable(snap.path)}", style="bold red" if bad else "")
    if snap.state == st.UNKNOWN:
        return Text(f"Status '{printable(info.status)}': {st.JUDGED[st.UNKNOWN]}", style="magenta")
    if snap.state in st.JUDGED:
        where = (
            f"pid {info.pid} on {printable(info.host)}" if info.pid is not None else "its writer"
        )
        sentence = f"{snap.state.capitalize()}: {st.JUDGED[snap.state]} ({where})"
        if snap.state == st.DEAD and disk_full(snap.path):
            sentence = f"Dead: its disk is full, so it could not record how it ended ({where})"
        return Text(sentence, style="bold red" if snap.state == st.DEAD else "yellow")
    if not info.readable:
        return Text(f"{printable(snap.path)}: run.json is missing or unreadable", style="yellow")
    return Text(f"Following {printable(snap.path)} (written by another process)")


def format_note(snap: RunSnap) -> Text | None:
    if snap.info.newer:
        return Text(
            f"format {snap.info.format} is newer than this linclf reads: shown as far as it "
            "is understood, read-only",
            style="yellow",
        )
    return None
