import json
import multiprocessing
import os

import pytest
from runstore import fixed_history, write_run

from linclf.engine.errors import RunDirError, UsageError
from linclf.engine.insight import notes


@pytest.fixture
def run_dir(tmp_path):
    return write_run(tmp_path / "run", fixed_history(3))


def test_a_note_and_tags_live_in_their_own_file_beside_the_writers(run_dir):
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    notes.set_note(run_dir, "  lr too high  ")
    notes.add_tags(run_dir, "ex2", "best", "ex2")
    assert notes.read_notes(run_dir) == notes.Notes("lr too high", ("ex2", "best"))
    assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.name in before} == before
    saved = json.loads((run_dir / notes.NOTES_FILE).read_text())
    assert saved == {"format": 1, "note": "lr too high", "tags": ["ex2", "best"]}
    notes.remove_tags(run_dir, "ex2", "never-there")
    notes.set_note(run_dir, "")
    assert notes.read_notes(run_dir) == notes.Notes("", ("best",))


@pytest.mark.parametrize(
    "text", ["a\x1b]52;c;aGVsbG8=\x07b", "two\nlines", "x" * (notes.MAX_NOTE + 1), "\u202eevil"]
)
def test_a_note_with_control_characters_or_too_long_is_refused(run_dir, text):
    with pytest.raises(UsageError):
        notes.set_note(run_dir, text)
    assert not (run_dir / notes.NOTES_FILE).exists()


@pytest.mark.parametrize("tag", ["", "-x", "a b", "[bold]", "x" * 33, "a\x1b"])
def test_a_tag_is_a_short_word(run_dir, tag):
    with pytest.raises(UsageError):
        notes.add_tags(run_dir, tag)


def test_only_a_run_folder_takes_a_note(tmp_path):
    with pytest.raises(UsageError, match="not a run folder"):
        notes.set_note(tmp_path, "x")


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[1, 2]",
        b'{"note": 5, "tags": "best"}',
        b'{"note": null, "tags": [1, "ok", "[red]x[/]", "a\\u001bb", {"x": 1}]}',
        b'{"tags": [' + b'"t", ' * 100_000 + b'"t"]}',
    ],
)
def test_an_unusable_notes_file_reads_as_no_note_or_its_valid_tags(run_dir, content):
    (run_dir / notes.NOTES_FILE).write_bytes(content)
    found = notes.read_notes(run_dir)
    assert found.note == ""
    assert set(found.tags) <= {"ok", "t"}


def test_a_read_only_folder_gives_one_error(run_dir):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    run_dir.chmod(0o555)
    try:
        with pytest.raises(RunDirError, match="cannot write"):
            notes.set_note(run_dir, "x")
    finally:
        run_dir.chmod(0o755)


def test_a_lock_file_that_is_a_folder_gives_one_error(run_dir):
    (run_dir / notes.LOCK_FILE).mkdir()
    with pytest.raises(RunDirError, match="cannot write"):
        notes.add_tags(run_dir, "x")


def _tag_many(run_dir: str, prefix: str, count: int) -> None:
    for index in range(count):
        notes.add_tags(run_dir, f"{prefix}{index}")


def test_two_writers_lose_no_change(run_dir):
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_tag_many, args=(str(run_dir), prefix, 15)) for prefix in "ab"
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    assert [writer.exitcode for writer in writers] == [0, 0]
    assert set(notes.read_notes(run_dir).tags) == {f"{p}{i}" for p in "ab" for i in range(15)}
