"""The row cache of `linclf runs`: a finished run's row comes from the cache only while none of
its files changed; anything else is read afresh, and a broken cache is ignored."""

import json
import math

import pytest
from runstore import append_epochs, fixed_history, write_run

from linclf.engine.insight import notes, rowcache, runrows


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def rows_by_name(root, patience=3):
    return {row.cells["run"]: row for row in runrows.read_rows(root, patience)}


def test_cached_rows_equal_fresh_ones(tmp_path):
    root = tmp_path / "store"
    history = fixed_history(6)
    history[2] = history[2].__class__(**{**history[2].to_dict(), "val_cost": math.nan})
    write_run(root / "a", history, config={"eta": 0.01, "head": "[b]x"})
    write_run(root / "b", fixed_history(3), "running")
    notes.add_tags(root / "a", "keep")
    fresh = {row.cells["run"]: row for row in runrows.read_rows(root, cached=False)}
    first, second = rows_by_name(root), rows_by_name(root)
    assert rowcache.cache_file(root).exists()
    for name in ("a", "b"):
        assert repr(first[name]) == repr(fresh[name]) == repr(second[name])


def test_a_change_to_any_source_file_is_read_afresh(tmp_path):
    root = tmp_path / "store"
    run = write_run(root / "a", fixed_history(3))
    assert rows_by_name(root)["a"].cells["epochs"] == 3
    append_epochs(run, fixed_history(5)[3:])
    assert rows_by_name(root)["a"].cells["epochs"] == 5
    notes.set_note(run, "seen")
    assert rows_by_name(root)["a"].cells["note"] == "seen"
    write_run(run, fixed_history(0), status="failed")  # run.json replaced, history appended
    assert rows_by_name(root)["a"].cells["status"] == "failed"


def test_only_finished_runs_are_kept_and_gone_folders_forgotten(tmp_path):
    root = tmp_path / "store"
    write_run(root / "done", fixed_history(2))
    write_run(root / "live", fixed_history(2), "running")
    rows_by_name(root)
    kept = json.loads(rowcache.cache_file(root).read_text())["rows"]
    assert [key.rsplit("/", 1)[-1] for key in kept] == ["done"]
    (root / "done" / "run.json").unlink()
    (root / "done" / "history.jsonl").unlink()
    rows_by_name(root)
    assert json.loads(rowcache.cache_file(root).read_text())["rows"] == {}


def test_another_patience_does_not_use_the_cache(tmp_path):
    root = tmp_path / "store"
    rising = [
        s.__class__(**{**s.to_dict(), "val_loss": 1.0 + e / 10})
        for e, s in enumerate(fixed_history(6))
    ]
    write_run(root / "a", rising)
    assert rows_by_name(root, 3)["a"].cells["alerts"] == "rising@4"
    assert rows_by_name(root, 5)["a"].cells["alerts"] == "rising@6"


@pytest.mark.parametrize(
    "content",
    [
        b"garbage",
        b"[]",
        b'{"format": 1, "patience": 3, "rows": []}',
        b'{"format": 1, "patience": 3, "rows": {"X": {"sources": 1, "cells": []}}}',
    ],
)
def test_a_broken_cache_is_ignored(tmp_path, content):
    root = tmp_path / "store"
    write_run(root / "a", fixed_history(2))
    path = rowcache.cache_file(root)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert rows_by_name(root)["a"].cells["epochs"] == 2


def test_a_forged_cache_entry_with_the_wrong_shape_is_read_afresh(tmp_path):
    root = tmp_path / "store"
    run = write_run(root / "a", fixed_history(2))
    rows_by_name(root)
    path = rowcache.cache_file(root)
    data = json.loads(path.read_text())
    data["rows"][str(run)]["alerts"] = [["x"]]
    path.write_text(json.dumps(data))
    assert rows_by_name(root)["a"].cells["epochs"] == 2


def test_an_unwritable_cache_folder_costs_only_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    write_run(tmp_path / "store" / "a", fixed_history(2))
    assert rows_by_name(tmp_path / "store")["a"].cells["epochs"] == 2
