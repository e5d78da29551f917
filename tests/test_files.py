"""Files linclf writes: modes from the umask, and the durable ones synced before they count."""

import os
import stat
from pathlib import Path

import pytest

from linclf.engine.files import atomic_write
from linclf.tui.cli import main


@pytest.fixture
def umask():
    """Set the process's umask for one test (restored after it)."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
@pytest.mark.parametrize("durable", [False, True])
def test_atomic_write_gives_the_mode_the_umask_allows(tmp_path, umask, mask, mode, durable):
    umask(mask)
    path = tmp_path / "file.json"
    atomic_write(path, b"{}", durable)
    assert _mode(path) == mode and path.read_bytes() == b"{}"
    atomic_write(path, b"[]", durable)  # replacing keeps to the umask too
    assert _mode(path) == mode and path.read_bytes() == b"[]"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]  # no temporary file left


@pytest.mark.slow
def test_a_run_and_a_search_are_readable_by_others_under_umask_022(tiny_data_dir, tmp_path, umask):
    umask(0o022)
    common = ["--data-dir", str(tiny_data_dir), "--n-epochs", "2", "--n-batch", "50"]
    assert main(["train", *common, "--out", str(tmp_path / "runs")]) == 0
    search = ["search", *common, "--lam", "0,0.1", "--eta", "0.001", "--jobs", "1"]
    assert main([*search, "--out", str(tmp_path / "s")]) == 0
    written = [p for p in tmp_path.rglob("*") if p.is_file() and tiny_data_dir not in p.parents]
    names = {p.name for p in written}
    assert {"run.json", "weights.npz", "history.csv", "curves.png", "results.csv"} <= names
    assert {"best.json", "results.plan.json", "heartbeat", "history.jsonl"} <= names
    assert {p.name: oct(_mode(p)) for p in written} == {p.name: oct(0o644) for p in written}


def _path_of(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads fd paths from /proc")
def test_durable_files_are_synced_before_they_replace_the_old(tiny_data_dir, tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(
        os, "fsync", lambda fd: events.append(("sync", _path_of(fd))) or real_fsync(fd)
    )
    monkeypatch.setattr(
        os, "replace", lambda a, b: events.append(("replace", str(a), str(b))) or real_replace(a, b)
    )
    args = ["train", "--data-dir", str(tiny_data_dir), "--n-epochs", "3", "--n-batch", "50"]
    assert main([*args, "--no-plots", "--out", str(tmp_path / "runs")]) == 0
    (run,) = (tmp_path / "runs").iterdir()

    def synced_before_replace(name: str) -> bool:
        """The last replace onto run/name had its temporary file synced just before, and the
        folder was synced after it."""
        last = max(i for i, e in enumerate(events) if e[0] == "replace" and e[2] == str(run / name))
        temporary = events[last][1]
        return events[last - 1] == ("sync", temporary) and ("sync", str(run)) in events[last:]

    for name in ("run.json", "weights.npz", "history.csv"):
        assert synced_before_replace(name), name
    synced = [e[1] for e in events if e[0] == "sync"]
    assert str(run / "history.jsonl") in synced
    # history.jsonl is synced before the final run.json is renamed into place
    final = max(
        i for i, e in enumerate(events) if e[0] == "replace" and e[2] == str(run / "run.json")
    )
    assert ("sync", str(run / "history.jsonl")) in events[:final]
    # the heartbeat is for watchers only: replaced, never synced
    assert any(e[0] == "replace" and e[2] == str(run / "heartbeat") for e in events)
    assert not any(Path(p).name.startswith(".heartbeat") for p in synced)
