"""`linclf runs` on a store of good runs and crafted folders: every folder is a row, nothing
from a folder reaches the terminal as an escape sequence or markup, and bad usage is one line
and exit 2."""

import csv
import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import ROOT
from runstore import fixed_history, write_run

from linclf.engine.config import TrainConfig, config_fields
from linclf.engine.insight import runrows
from linclf.tui.cli import main

ESCAPES = ("\x1b", "\x07", "\x9b", "\x9d")
HOSTILE_NAME = "evil\x1b]52;c;aGVsbG8=\x07[bold red]x[/]"
GOOD = {
    "20261207-100000-softmax-eta0.001-lam0": TrainConfig(eta=0.001),
    "20261207-100100-softmax-eta0.01-lam0": TrainConfig(eta=0.01),
    "20261207-100200-softmax-eta0.1-lam0": TrainConfig(eta=0.1),
    "search/runs/20261207-110000-sigmoid-eta0.01-lam0.1": TrainConfig(
        eta=0.01, lam=0.1, head="sigmoid"
    ),
}
CRAFTED = {
    "crafted/garbage": "run.json unreadable",
    "crafted/list": "run.json unreadable",
    "crafted/types": "ok",
    "crafted/newer": "newer format 99",
    "crafted/huge": "history unreadable",
    "crafted/no-run-json": "no run.json",
    f"crafted/{HOSTILE_NAME}": "ok",
}


def make_store(root: Path) -> Path:
    for index, (name, config) in enumerate(GOOD.items()):
        history = fixed_history(5 + index)
        write_run(root / name, history, config=config, test_acc=0.3 + index / 100, test_loss=1.9)
    write_run(root / "20261207-120000-softmax-eta0.01-lam0-live", fixed_history(2), "running")
    crafted = root / "crafted"
    (crafted / "garbage").mkdir(parents=True)
    (crafted / "garbage" / "run.json").write_bytes(b"\x00\xff{not json")
    (crafted / "list").mkdir()
    (crafted / "list" / "run.json").write_text("[1, 2, 3]")
    write_run(
        crafted / "types",
        config={"eta": "abc", "n_batch": [1], "head": 5, "lam": "nan"},
        status=5,
        epochs="many",
    )
    with open(crafted / "types" / "history.jsonl", "a") as handle:
        handle.write('{"epoch": 1, "val_acc": "inf", "train_cost": "nan", "val_loss": [1]}\n')
        handle.write("not json\n[1, 2]\n")
    write_run(
        crafted / "newer",
        fixed_history(2),
        status="queued",
        format=99,
        config={**TrainConfig().to_dict(), "momentum": 0.9},
    )
    write_run(crafted / "huge")
    with open(crafted / "huge" / "history.jsonl", "wb") as handle:
        handle.truncate(65 << 20)  # sparse: larger than the reader takes, no disk used
    (crafted / "no-run-json").mkdir()
    (crafted / "no-run-json" / "history.jsonl").write_text(
        json.dumps(fixed_history(1)[0].to_dict())
    )
    hostile = write_run(
        crafted / HOSTILE_NAME,
        fixed_history(1),
        status="failed",
        config={
            **TrainConfig().to_dict(),
            "[/]": 1,
            "[@click=app.quit]k": "[@click=app.screenshot('x')]v",
            "head": "\x1b[2Jsoftmax",
        },
        error="\x1b]0;pwned\x07 boom",
    )
    (hostile / "notes.json").write_text(json.dumps({"note": "[red]n\x1b[31m", "tags": ["ok"]}))
    return root


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("store"))


def runs(capsys, *args) -> tuple[int, str, str]:
    code = main(["runs", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def csv_rows(capsys, store, *args) -> list[dict]:
    code, out, err = runs(capsys, "--out", str(store), "--format", "csv", *args)
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def test_every_folder_is_a_row_with_its_state(capsys, store):
    rows = {row["run"]: row for row in csv_rows(capsys, store)}
    assert len(rows) == len(GOOD) + 1 + len(CRAFTED)
    for name in GOOD:
        assert rows[name]["status"] == "completed" and rows[name]["folder"] == "ok"
    assert rows["20261207-120000-softmax-eta0.01-lam0-live"]["status"] == "running"
    for name, state in CRAFTED.items():
        shown = name.replace("\x1b", "␛").replace("\x07", "␇")
        assert rows[shown]["folder"].startswith(state), (name, rows[shown])
    assert (
        rows["crafted/newer"]["momentum"] == "0.9" and rows["crafted/newer"]["status"] == "unknown"
    )
    assert rows["crafted/types"]["status"] == "unknown"


def test_columns_are_the_config_fields_and_figures_as_fractions(capsys, store):
    rows = csv_rows(capsys, store, "--filter", "run~eta0.1-lam0")
    assert len(rows) == 1
    row = rows[0]
    fields = [f.name for f in config_fields()]
    assert list(row)[:4] == ["run", "status", "folder", "epochs"]
    assert list(row)[4 : 4 + len(fields)] == fields
    history = fixed_history(7)
    assert float(row["val_acc"]) == pytest.approx(history[-1].val_acc)
    assert float(row["train_cost"]) == pytest.approx(history[-1].train_cost)
    assert float(row["best_val_acc"]) == pytest.approx(max(s.val_acc for s in history))
    assert row["best_epoch"] == "7" and row["epochs"] == "7"
    assert float(row["test_acc"]) == pytest.approx(0.32) and row["eta"] == "0.1"


def test_json_holds_fractions_lists_and_no_nan_literal(capsys, store):
    code, out, err = runs(capsys, "--out", str(store), "--format", "json")
    assert code == 0, err
    rows = {row["run"]: row for row in json.loads(out)}
    good = rows["20261207-100000-softmax-eta0.001-lam0"]
    assert 0 < good["val_acc"] < 1 and good["tags"] == [] and good["eta"] == 0.001
    assert rows["crafted/types"]["eta"] == "abc" and rows["crafted/types"]["lam"] == "nan"


def test_filters_sort_and_reverse(capsys, store):
    rows = csv_rows(capsys, store, "--filter", "eta>=0.01", "--filter", "status=completed")
    assert {r["run"] for r in rows} == set(list(GOOD)[1:])
    rows = csv_rows(capsys, store, "--filter", "head=sigmoid")
    assert [r["run"] for r in rows] == [list(GOOD)[3]]
    ordered = csv_rows(capsys, store, "--filter", "folder=ok", "--sort", "eta", "--reverse")
    etas = [r["eta"] for r in ordered]
    assert etas[:2] == ["0.1", "0.01"] and etas[-1] == "abc"  # a non-number sorts after numbers
    ordered = csv_rows(capsys, store, "--sort", "best_val_acc")
    values = [r["best_val_acc"] for r in ordered]
    present = [float(v) for v in values if v]
    assert present == sorted(present) and values[-1] == ""  # empty cells last


def test_only_changed_drops_the_columns_that_agree(capsys, store):
    rows = csv_rows(
        capsys, store, "--filter", "folder=ok", "--filter", "head=softmax", "--only-changed"
    )
    assert "eta" in rows[0] and "run" in rows[0]
    assert "n_batch" not in rows[0] and "split" not in rows[0] and "lam" not in rows[0]


@pytest.mark.parametrize(
    "args, says",
    [
        (["--filter", "etaa>=1"], "did you mean eta?"),
        (["--filter", "eta>=abc"], "is not a number"),
        (["--filter", "eta"], "COLUMN OP VALUE"),
        (["--sort", "nope"], "no such column"),
        (["--out", "/nonexistent/x"], "no such folder"),
        (["--format", "xml"], "xml"),
        (["--note", "nope", "x"], "no run folder"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(capsys, store, args, says):
    code, out, err = runs(capsys, "--out", str(store), *args)
    assert code == 2 and out == ""
    assert says in err and err.count("\n") == 1, err


def test_notes_and_tags_from_the_command_line(capsys, tmp_path):
    root = make_store(tmp_path)
    name = list(GOOD)[1]
    code, _, err = runs(capsys, "--out", str(root), "--note", name, "lr looks right")
    assert code == 0, err
    assert runs(capsys, "--out", str(root), "--tag", Path(name).name, "keep")[0] == 0
    assert runs(capsys, "--out", str(root), "--tag", str(root / list(GOOD)[2]), "keep")[0] == 0
    rows = csv_rows(capsys, root, "--filter", "tags=keep")
    assert [r["run"] for r in rows] == list(GOOD)[1:3]
    assert rows[0]["note"] == "lr looks right" and rows[0]["tags"] == "keep"
    assert runs(capsys, "--out", str(root), "--untag", name, "keep")[0] == 0
    assert [r["run"] for r in csv_rows(capsys, root, "--filter", "tags=keep")] == [list(GOOD)[2]]
    code, _, err = runs(capsys, "--out", str(root), "--tag", name, "[bold]")
    assert code == 2 and "a tag is" in err


def test_alerts_are_a_filterable_column(capsys, tmp_path):
    rising = [
        s.__class__(**{**s.to_dict(), "val_loss": 2.0 + (e > 4) * e / 10})
        for e, s in enumerate(fixed_history(9), start=1)
    ]
    write_run(tmp_path / "a", rising)
    write_run(tmp_path / "b", fixed_history(9))
    rows = csv_rows(capsys, tmp_path, "--filter", "alerts~rising")
    assert [(r["run"], r["alerts"]) for r in rows] == [("a", "rising@7")]
    assert (
        csv_rows(capsys, tmp_path, "--patience", "5", "--filter", "alerts~rising")[0]["alerts"]
        == "rising@9"
    )


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "md"])
def test_no_escape_sequence_or_markup_leaves_a_crafted_folder(capsys, store, fmt):
    code, out, err = runs(capsys, "--out", str(store), "--format", fmt)
    assert code == 0, err
    assert not any(escape in out + err for escape in ESCAPES)
    if fmt in ("table", "csv"):
        assert "␛]52;c;aGVsbG8=␇" in out and "␛[2Jsoftmax" in out
    if fmt == "md":
        assert "␛\\]52;c;aGVsbG8=␇" in out and "␛\\[2Jsoftmax" in out
        assert "\\[@click=app.quit\\]k" in out and out.count("\n") == 2 + len(GOOD) + 1 + len(
            CRAFTED
        )


def test_the_terminal_table_shows_markup_as_text_and_no_foreign_escape(store):
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 500, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    for name in ("NO_COLOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "linclf", "runs", "--out", str(store), "--only-changed"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=ROOT,
        env=env,
    )
    os.close(terminal)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the other side closed: the command has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(10) == 0
    screen = b"".join(chunks).decode(errors="replace")
    assert "\x1b]" not in screen and "\x1b[2J" not in screen and "\x07" not in screen
    assert "[@click=app.quit]k" in screen and "[/]" in screen and "[red]n␛[31m" in screen
    assert "runs" in screen and "crafted/list" in screen


def test_out_may_be_one_run_folder_and_not_a_file(capsys, tmp_path):
    run = write_run(tmp_path / "20261207-100000-softmax-eta0.01-lam0", fixed_history(3))
    rows = csv_rows(capsys, run)
    assert [(r["run"], r["epochs"]) for r in rows] == [(run.name, "3")]
    code, out, err = runs(capsys, "--out", str(run / "run.json"))
    assert code == 2 and "not a folder" in err


def test_a_config_of_thousands_of_keys_adds_a_bounded_number_of_columns(capsys, tmp_path):
    config = {**TrainConfig().to_dict(), **{f"k{i:05d}": i for i in range(5000)}}
    write_run(tmp_path / "wide", fixed_history(2), config=config)
    for index in range(5):  # five more runs, each with 16 keys of its own
        keys = {f"r{index}k{i}": i for i in range(16)}
        write_run(tmp_path / f"r{index}", config={**TrainConfig().to_dict(), **keys})
    rows = {row["run"]: row for row in csv_rows(capsys, tmp_path)}.values()
    rows = sorted(rows, key=lambda row: row["run"] != "wide")
    own = len(runrows.HEAD) + len(runrows.CONFIG) + len(runrows.FIGURES) + len(runrows.TAIL)
    assert len(rows[0]) == own + runrows.MAX_EXTRA and "k04999" not in rows[0]
    assert rows[0]["folder"] == "4984 config keys not shown"
