"""A person's note and tags on a run, kept in the run folder beside the writer's files.

They live in their own file, notes.json ({"format": 1, "note": "...", "tags": [...]}), which
the process that trains a run never writes, so a note can be added while the run is live and
never touches run.json or the history. Every change is a read-modify-write under a file lock
(.notes.json.lock beside it) and an atomic rename, so two writers (the TUI and `linclf runs`,
two people on a shared drive) never lose each other's change. Reading goes through the
untrusting reader: a notes.json that is not what this module writes shows as no note.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from linclf.engine.errors import RunDirError, UsageError
from linclf.engine.files import atomic_write, to_json
from linclf.engine.store import runread
from linclf.engine.text import printable

NOTES_FILE = "notes.json"
LOCK_FILE = ".notes.json.lock"
NOTES_FORMAT = 1
MAX_NOTE = 500  # characters
MAX_TAGS = 32
TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,31}")
LOCK_SECONDS = 10.0  # a writer waits this long for another to finish


@dataclass(frozen=True)
class Notes:
    note: str = ""
    tags: tuple[str, ...] = ()


def read_notes(run_dir: str | Path) -> Notes:
    """The note and tags of a run; empty when there are none or notes.json is unusable (a tag
    that is not a valid tag is left out; a note is cut to MAX_NOTE characters)."""
    data = runread.read_json(Path(run_dir) / NOTES_FILE)
    if not isinstance(data, dict):
        return Notes()
    note = data.get("note")
    tags = data.get("tags")
    valid = [t for t in (tags if isinstance(tags, list) else []) if _is_tag(t)]
    return Notes(
        note[:MAX_NOTE] if isinstance(note, str) else "",
        tuple(dict.fromkeys(valid))[:MAX_TAGS],
    )


def _is_tag(value) -> bool:
    return isinstance(value, str) and TAG.fullmatch(value) is not None


def check_note(text: str) -> str:
    """The note as stored (spaces trimmed); UsageError for one that is too long or holds
    control characters (a note is one line of plain text)."""
    text = text.strip()
    if len(text) > MAX_NOTE:
        raise UsageError(f"a note holds at most {MAX_NOTE} characters, got {len(text)}")
    if printable(text) != text:
        raise UsageError("a note is one line of text without control characters")
    return text


def check_tag(tag: str) -> str:
    if not _is_tag(tag):
        raise UsageError(
            f"tag {tag[:40]!r}: a tag is 1 to 32 letters, digits and _ . + - (starting with a "
            "letter or digit)"
        )
    return tag


def set_note(run_dir: str | Path, text: str) -> Notes:
    """Replace the run's note (an empty text removes it)."""
    note = check_note(text)
    return _update(Path(run_dir), lambda old: Notes(note, old.tags))


def add_tags(run_dir: str | Path, *tags: str) -> Notes:
    new = [check_tag(tag) for tag in tags]

    def change(old: Notes) -> Notes:
        merged = tuple(dict.fromkeys((*old.tags, *new)))
        if len(merged) > MAX_TAGS:
            raise UsageError(f"a run holds at most {MAX_TAGS} tags")
        return Notes(old.note, merged)

    return _update(Path(run_dir), change)


def remove_tags(run_dir: str | Path, *tags: str) -> Notes:
    gone = set(tags)
    return _update(
        Path(run_dir), lambda old: Notes(old.note, tuple(t for t in old.tags if t not in gone))
    )


def _update(run_dir: Path, change: Callable[[Notes], Notes]) -> Notes:
    """Read, change and write notes.json while holding its lock."""
    from filelock import FileLock, Timeout

    if not any((run_dir / marker).exists() for marker in ("run.json", "history.jsonl")):
        raise UsageError(f"{run_dir}: not a run folder (no run.json or history.jsonl)")
    try:
        with FileLock(str(run_dir / LOCK_FILE), timeout=LOCK_SECONDS):
            notes = change(read_notes(run_dir))
            data = {"format": NOTES_FORMAT, "note": notes.note, "tags": list(notes.tags)}
            atomic_write(run_dir / NOTES_FILE, (to_json(data) + "\n").encode(), durable=True)
    except Timeout:
        raise RunDirError(
            f"{run_dir / NOTES_FILE}: another writer has held its lock for over "
            f"{math.ceil(LOCK_SECONDS)} s"
        ) from None
    except OSError as err:
        raise RunDirError(f"{run_dir / NOTES_FILE}: cannot write ({err.strerror or err})") from None
    return notes
