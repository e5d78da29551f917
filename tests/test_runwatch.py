"""The run store as a live channel: what a reader makes of folders that are being written,
finished, abandoned, garbled or from a newer linclf, and of a search's plan."""

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT
from runstore import append_epochs, fixed_history, write_run

from linclf.engine import status as st
from linclf.engine.config import TrainConfig
from linclf.engine.store import runread, runwatch
from linclf.engine.store.searchread import SearchWatch
from linclf.engine.training import search as grid_search

NOW = time.time()


def snap_of(folder: Path) -> runwatch.RunSnap:
    reader = runwatch.RunFolder(folder, "")
    reader.poll(time.time(), runread.socket.gethostname())
    return reader.snap


def test_a_live_run_a_finished_run_and_a_dead_one(tmp_path):
    assert snap_of(write_run(tmp_path / "live", fixed_history(2), "running")).state == st.RUNNING
    finished = snap_of(write_run(tmp_path / "done", fixed_history(2), "completed"))
    assert finished.state == st.COMPLETED and not finished.live
    # No final status, a stale heartbeat and no process with that pid: dead.
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    pid = int(gone.stdout)
    dead = write_run(tmp_path / "dead", fixed_history(1), "running", pid=pid, beat=NOW - 60)
    assert snap_of(dead).state == st.DEAD


def test_a_pid_reused_by_a_later_process_is_not_the_writer(tmp_path):
    # This process exists, but started long after the "run" did: someone else has the pid.
    folder = write_run(tmp_path / "r", [], "running", started=NOW - 10**7, beat=NOW - 60)
    assert runread.writer_alive(os.getpid(), NOW - 10**7) is False
    assert snap_of(folder).state == st.DEAD
    assert runread.writer_alive(os.getpid(), NOW) is True


def test_a_live_writer_that_stopped_beating_is_stalled_not_dead(tmp_path):
    folder = write_run(tmp_path / "r", [], "running", beat=NOW - 60)
    assert snap_of(folder).state == st.STALLED


def test_another_hosts_run_is_judged_by_its_heartbeat(tmp_path):
    fresh = write_run(tmp_path / "a", [], "running", host="elsewhere", pid=1)
    stale = write_run(tmp_path / "b", [], "running", host="elsewhere", pid=1, beat=NOW - 3600)
    assert snap_of(fresh).state == st.RUNNING and snap_of(stale).state == st.DEAD


@pytest.mark.parametrize(
    "info",
    [
        {"format": 3, "status": "archived", "config": {"lam": 0.1, "new_field": [1, 2]}},
        {"status": ["running"], "test_acc": "0.5", "pid": "me", "started": "yesterday"},
        {"config": "lam=0", "epochs": 2.5, "host": 7, "error": {"a": 1}},
    ],
)
def test_wrong_types_and_newer_formats_become_markers(tmp_path, info):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps(info))
    snap = snap_of(folder)
    assert snap.info.test_acc is None and snap.info.pid is None and snap.state == st.UNKNOWN
    assert all(
        v is None or isinstance(v, (str, int, float, bool)) for v in snap.info.config.values()
    )
    assert snap.info.newer == (info.get("format") == 3)


def test_nan_null_rows_and_deep_nesting_do_not_stop_the_reader(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "run.json").write_text("[" * 100_000 + "]" * 100_000)
    rows = [
        '{"epoch": 1, "train_cost": "nan", "val_cost": "inf", "val_acc": "-inf"}',
        "null",
        "[1, 2]",
        '{"epoch": "two", "train_loss": {"deep": [[[1]]]}}',
        '{"epoch": 3, "train_cost": 1e308, "val_acc": 0.3}',
    ]
    (folder / "history.jsonl").write_text("\n".join(rows) + "\n")
    snap = snap_of(folder)
    assert not snap.info.readable and snap.state in (st.RUNNING, st.DEAD)
    assert [s.epoch for s in snap.history] == [1, None, 3]
    assert snap.history[0].train_cost != snap.history[0].train_cost  # NaN


def test_history_is_read_incrementally_and_a_partial_line_waits(tmp_path):
    folder = write_run(tmp_path / "r", fixed_history(2), "running")
    reader = runwatch.RunFolder(folder, "")
    host = runread.socket.gethostname()
    assert reader.poll(time.time(), host) and len(reader.snap.history) == 2
    assert not reader.poll(time.time(), host)  # nothing changed: no new snapshot
    line = json.dumps(fixed_history(3)[2].to_dict())
    with open(folder / "history.jsonl", "a") as handle:
        handle.write(line[:20])  # a writer half way through a line
    reader.poll(time.time(), host)
    assert len(reader.snap.history) == 2
    with open(folder / "history.jsonl", "a") as handle:
        handle.write(line[20:] + "\n")
    assert reader.poll(time.time(), host) and len(reader.snap.history) == 3
    (folder / "history.jsonl").write_text("")  # replaced: read again from the start
    assert reader.poll(time.time(), host) and reader.snap.history == ()


def test_the_store_finds_runs_at_any_depth_and_new_ones_at_once(tmp_path):
    write_run(tmp_path / "a", fixed_history(1))
    write_run(tmp_path / "search" / "runs" / "t1", fixed_history(1))
    store = runwatch.RunStore(tmp_path)
    assert store.poll(time.time())
    assert {s.group for s in store.snaps().values()} == {"", "search"}
    assert not store.poll(time.time())
    write_run(tmp_path / "search" / "runs" / "t2", [], "running")
    assert store.poll(time.time()) and len(store.snaps()) == 3
    append_epochs(tmp_path / "search" / "runs" / "t2", fixed_history(1))
    assert store.poll(time.time())
    assert len(store.snaps()[tmp_path / "search" / "runs" / "t2"].history) == 1


def test_a_search_records_its_plan_beside_its_csv(tiny_data_dir, tmp_path):
    configs = grid_search.grid(TrainConfig(n_epochs=1), {"lam": [0.0, 0.1], "eta": [0.01]})
    csv_path = tmp_path / "report" / "grid-2.1.csv"
    seen = []  # the plan as a watcher finds it while the search runs

    def on_result(_row):
        seen.append(json.loads((tmp_path / "report" / "grid-2.1.plan.json").read_text()))

    with ThreadPoolExecutor(2) as executor:
        grid_search.search(configs, tiny_data_dir, executor, csv_path, on_result=on_result)
    assert seen and all(p["status"] == st.RUNNING and len(p["trials"]) == 2 for p in seen)
    plan = json.loads((tmp_path / "report" / "grid-2.1.plan.json").read_text())
    assert plan["results"] == "grid-2.1.csv" and plan["status"] == st.COMPLETED
    assert [t["key"] for t in plan["trials"]] == [grid_search.trial_key(c) for c in configs]
    store = runwatch.RunStore(tmp_path)
    store.poll(time.time())
    found = SearchWatch().poll(
        {"report": tmp_path / "report"}, list(store.snaps().values()), time.time(), store.host
    )
    (progress,) = found["report"]
    assert (progress.total, progress.done, progress.running, progress.to_go) == (2, 2, 0, 0)
    assert progress.varied == ("lam",) and len(progress.leaders) == 2


def test_a_live_search_counts_running_and_to_go(tmp_path):
    configs = grid_search.grid(TrainConfig(), {"eta": [0.001, 0.01, 0.1]})
    csv_path = tmp_path / "s" / "results.csv"
    csv_path.parent.mkdir()
    grid_search._write_plan(csv_path, configs, st.RUNNING, NOW - 5)
    write_run(tmp_path / "s" / "runs" / "t1", fixed_history(2), "running", config=configs[0])
    store = runwatch.RunStore(tmp_path)
    store.poll(time.time())
    (progress,) = SearchWatch().poll(
        {"s": tmp_path / "s"}, list(store.snaps().values()), time.time(), store.host
    )["s"]
    assert (progress.done, progress.running, progress.to_go, progress.state) == (
        0,
        1,
        2,
        st.RUNNING,
    )


def test_a_killed_headless_train_is_seen_running_then_dead(tiny_data_dir, tmp_path):
    out = tmp_path / "out"
    args = [
        "train",
        "--data-dir",
        str(tiny_data_dir),
        "--out",
        str(out),
        "--n-epochs",
        "100000",
        "--n-batch",
        "10",
        "--no-plots",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "linclf", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        store = runwatch.RunStore(out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            store.poll(time.time())
            snaps = list(store.snaps().values())
            if snaps and len(snaps[0].history) >= 2:
                break
            time.sleep(0.1)
        assert snaps[0].state == st.RUNNING
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + 30
        while store.snaps()[snaps[0].path].state != st.DEAD and time.monotonic() < deadline:
            time.sleep(0.2)
            store.poll(time.time())
        assert store.snaps()[snaps[0].path].state == st.DEAD
    finally:
        proc.kill()


@pytest.mark.parametrize("beat", [1e308, NOW + 10**6])
def test_a_heartbeat_from_the_future_does_not_keep_a_dead_run_running(tmp_path, beat):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    dead = write_run(tmp_path / "d", fixed_history(1), "running", pid=int(gone.stdout), beat=beat)
    assert snap_of(dead).state == st.DEAD
    remote = write_run(tmp_path / "r", [], "running", host="elsewhere", pid=1, beat=beat)
    assert snap_of(remote).state == st.DEAD


def test_a_store_beyond_the_scan_bound_says_so_and_keeps_the_newest_and_the_live(
    tmp_path, monkeypatch
):
    old_live = write_run(tmp_path / "20200101-000000-live", fixed_history(1), "running")
    for day in range(1, 9):
        write_run(tmp_path / f"2026010{day}-000000-done", fixed_history(1), "completed")
    store = runwatch.RunStore(tmp_path)
    store.poll(time.time())
    assert store.discovery.left_out == 0 and len(store.snaps()) == 9
    monkeypatch.setattr(runwatch, "MAX_FOLDERS", 4)  # the root and the three newest
    store.poll(time.time())
    names = sorted(path.name for path in store.snaps())
    assert store.discovery.left_out > 0
    assert names[-3:] == [f"2026010{day}-000000-done" for day in (6, 7, 8)]
    assert old_live in store.snaps()  # live: never the one dropped


def test_a_dead_run_on_a_full_disk_says_so(tmp_path, monkeypatch):
    from linclf.tui import describe

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    folder = write_run(tmp_path / "d", fixed_history(1), "running", pid=int(gone.stdout), beat=1.0)
    snap = snap_of(folder)
    assert snap.state == st.DEAD and "disk is full" not in describe.note(snap).plain
    monkeypatch.setattr(runread, "DISK_FULL_BYTES", 1 << 62)  # as if no room were left
    assert "disk is full" in describe.note(snap).plain
