"""A search's progress as a watcher sees it: its plan (<csv stem>.plan.json, written by
engine/training/search.py), its results CSV and its trials' run folders. Read without trust,
like run
folders (engine/store/runread.py): a plan or CSV that is missing or garbled gives smaller numbers,
never an error."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from linclf.engine import status as st
from linclf.engine.store import runread
from linclf.engine.store.runwatch import RunSnap, signature

MAX_TRIALS = 100_000
LEADERS = 5


@dataclass(frozen=True)
class Plan:
    path: Path
    info: runread.RunInfo  # status, pid, host, started, ended as for a run
    results: str  # the CSV's file name
    trials: tuple[tuple[str, str], ...]  # (trial key, config as canonical JSON)
    varied: tuple[str, ...]  # config fields whose values differ between the trials


@dataclass(frozen=True)
class SearchProgress:
    """One search (or one grid of a report) as its watchers see it."""

    group: str
    name: str  # the results CSV: results.csv, grid-2.1.csv, …
    state: str
    total: int
    done: int
    running: int
    varied: tuple[str, ...]
    leaders: tuple[RunSnap, ...]  # the best trials so far by validation accuracy
    pid: int | None
    host: str | None

    @property
    def to_go(self) -> int:
        return max(0, self.total - self.done - self.running)


def canonical(config: dict) -> str:
    return json.dumps(config, sort_keys=True, default=str)


def read_plan(path: Path) -> Plan | None:
    data = runread.read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("trials"), list):
        return None
    trials: list[tuple[str, str]] = []
    values: dict[str, set[str]] = {}
    for trial in data["trials"][:MAX_TRIALS]:
        config = trial.get("config") if isinstance(trial, dict) else None
        if not isinstance(config, dict):
            continue
        config = {str(k): runread.scalar(v) for k, v in config.items()}
        trials.append((runread.text(trial.get("key")) or "", canonical(config)))
        for name, value in config.items():
            values.setdefault(name, set()).add(repr(value))
    results = runread.text(data.get("results")) or path.name.replace(".plan.json", ".csv")
    varied = tuple(name for name, seen in values.items() if len(seen) > 1)
    return Plan(path, runread.run_info(data), Path(results).name, tuple(trials), varied)


def read_results(path: Path) -> list[dict]:
    """key, status, run_dir of each row of a results CSV (other columns are not needed)."""
    text = runread.read_text(path)
    if not text:
        return []
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error:
        return []
    return [
        {name: runread.text(row.get(name)) or "" for name in ("key", "status", "run_dir")}
        for row in rows
    ]


def last_val_acc(snap: RunSnap) -> float:
    """The ranking figure of a trial (the search selects on its last epoch)."""
    value = snap.history[-1].val_acc if snap.history else None
    return value if value is not None and value == value else -1.0


def progress(
    plan: Plan, group: str, rows: list[dict], runs: list[RunSnap], now: float, host: str
) -> SearchProgress:
    """How far plan has come: trials done (in the CSV), running (a live run folder that is
    not in the CSV yet), to go, and the best trials by validation accuracy."""
    key_of = {config: key for key, config in plan.trials}
    rows = [row for row in rows if row["key"] in key_of.values()]
    recorded = {Path(row["run_dir"]).name for row in rows if row["run_dir"]}
    started = plan.info.started if plan.info.started is not None else float("-inf")
    mine = [
        snap
        for snap in runs
        if canonical(snap.info.config) in key_of
        and (snap.path.name in recorded or (snap.info.started or started) >= started - 2)
    ]
    # Done: in the CSV, or ended in its run folder (the CSV row may not be written yet).
    done = {row["key"] for row in rows}
    done |= {key_of[canonical(s.info.config)] for s in mine if s.state in st.FINAL}
    running = sum(snap.live and key_of[canonical(snap.info.config)] not in done for snap in mine)
    beat = max((s.beat for s in mine if s.beat is not None), default=None)
    info = plan.info
    if info.status in st.FINAL or not running and info.host != host:
        state = runread.judge(info, beat or info.started, now, host)
    elif running:
        state = st.RUNNING
    else:  # a search on this host between trials (loading data, say): its pid decides
        alive = runread.writer_alive(info.pid, info.started)
        state = st.DEAD if alive is False else st.RUNNING
    leaders = sorted(mine, key=last_val_acc, reverse=True)[:LEADERS]
    return SearchProgress(
        group=group,
        name=plan.results,
        state=state,
        total=len(plan.trials),
        done=len(done),
        running=running,
        varied=plan.varied,
        leaders=tuple(leaders),
        pid=info.pid,
        host=info.host,
    )


class SearchWatch:
    """The plans of the searches in some folders, re-read only when their files change."""

    def __init__(self):
        self._plans: dict[Path, tuple[tuple | None, Plan | None]] = {}
        self._rows: dict[Path, tuple[tuple | None, list[dict]]] = {}
        self._globs: dict[Path, tuple[tuple | None, list[Path]]] = {}

    def _cached(self, cache: dict, path: Path, read):
        sig = signature(path)
        if path not in cache or cache[path][0] != sig:
            cache[path] = (sig, read(path) if sig is not None else None)
        return cache[path][1]

    def poll(self, folders: dict[str, Path], snaps: list[RunSnap], now: float, host: str):
        """group → its searches' progress, for the given group folders."""
        found: dict[str, list[SearchProgress]] = {}
        for group, folder in folders.items():
            plans = self._cached(self._globs, folder, lambda f: sorted(f.glob("*.plan.json")))
            plans = plans or []
            runs = [snap for snap in snaps if snap.group == group]
            for path in plans:
                plan = self._cached(self._plans, path, read_plan)
                if plan is None:
                    continue
                rows = self._cached(self._rows, path.with_name(plan.results), read_results)
                found.setdefault(group, []).append(
                    progress(plan, group, rows or [], runs, now, host)
                )
        return {group: tuple(items) for group, items in found.items()}
