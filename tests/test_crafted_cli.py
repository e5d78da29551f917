"""The CLI's lines when what they quote was written by someone else (issue 22, points 1 and
7): an escape sequence in a path, an error text or a results.csv value is shown as markers,
never sent to the terminal; every command gives the same exit code for an unusable --out;
an error's text is not said twice; a terminal that cannot encode a character still works."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT
from hostilestore import CLIPBOARD, TITLE

from linclf.engine.config import TrainConfig
from linclf.engine.store.results import encode_line, result_fields
from linclf.engine.text import printable
from linclf.engine.training import search as grid_search
from linclf.tui.cli.errors import describe


def linclf(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "linclf", *args],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=240,
    )


def test_printable_turns_every_control_and_format_character_into_a_marker():
    hostile = "a\x1b]52;c;x\x07b\x9b2J\u202etxt\x00\x7f\u200b\u2028\udcff\n\t"
    shown = printable(hostile)
    assert shown == "a␛]52;c;x␇b⟨U+009B⟩2J⟨U+202E⟩txt␀␡⟨U+200B⟩⟨U+2028⟩⟨0xFF⟩␊␉"
    assert printable(shown) == shown
    for kept in ("plain text [bold]x[/]", "λ η × – · 漢字 🙂", "a\u00a0b", "\ue000"):
        assert printable(kept) == kept  # markup is the renderer's business, not this one's


def test_an_error_line_quoting_a_hostile_path_is_inert():
    error = OSError(errno.ENOTDIR, "Not a directory", f"/tmp/{TITLE}/out")
    code, line = describe(error)
    assert code == 2 and "\x1b" not in line and "\x07" not in line
    assert (
        line
        == "linclf: error: /tmp/␛]0;PWNED-TITLE␇/out: a file stands where this path needs a folder"
    )


def test_an_os_error_without_a_path_says_its_reason_once():
    code, line = describe(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    assert code == 1
    assert line == "linclf: error: no space left on device; the files written before it are kept"


def test_a_train_error_line_shows_a_crafted_data_folder_as_markers(tmp_path):
    folder = tmp_path / f"data{CLIPBOARD}" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    done = linclf("train", "--data-dir", str(folder), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert b"\x1b" not in done.stdout + done.stderr and b"\x07" not in done.stderr
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and printable(CLIPBOARD) in lines[0], lines


@pytest.mark.parametrize("command", ["train", "search", "report"])
@pytest.mark.parametrize("case", ["a file", "under a file", "name too long", "cannot be made"])
def test_every_command_exits_2_for_an_unusable_out(tiny_data_dir, tmp_path, command, case):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    out = {
        "a file": a_file,
        "under a file": a_file / "sub",
        "name too long": tmp_path / ("x" * 300),
        "cannot be made": Path("/proc/linclf-out"),
    }[case]
    done = linclf(command, "--out", str(out), "--data-dir", str(tiny_data_dir))
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert len(err.splitlines()) == 1 and str(out) in err and "internal error" not in err


def test_a_terminal_that_cannot_encode_a_character_still_gets_the_help():
    for command in ("train", "search"):
        done = linclf(command, "--help", env={"PYTHONIOENCODING": "ascii"})
        assert done.returncode == 0, done.stderr
        assert b"--lam" in done.stdout and b"\\u03bb" in done.stdout  # λ as an escape


def _crafted_results(csv_path: Path, config: TrainConfig) -> None:
    """A results.csv claiming that config's trial is done with 99 %, its head a hostile
    string (the key still that of the config, so a resumed search would skip the trial)."""
    row = {
        "key": grid_search.trial_key(config),
        **config.to_dict(),
        "head": config.head + CLIPBOARD,
        "status": "completed",
        "epochs_run": 1,
        "val_acc": 0.99,
        "val_cost": 0.1,
        "train_acc": 0.99,
        "train_cost": 0.1,
        "seconds": 1.0,
        "run_dir": "",
        "error": "",
    }
    fields = result_fields()
    csv_path.parent.mkdir(parents=True)
    csv_path.write_bytes(encode_line(fields) + encode_line([row[name] for name in fields]))


@pytest.mark.slow
def test_a_resumed_search_neither_prints_nor_keeps_a_hostile_results_value(tiny_data_dir, tmp_path):
    out = tmp_path / "search"
    base = replace(TrainConfig(), n_epochs=1, n_batch=50)
    _crafted_results(out / "results.csv", base)
    done = linclf(
        *("search", "--resume", "--head", "softmax,sigmoid", "--lam", "0", "--eta", "0.001"),
        *("--n-epochs", "1"),
        *("--n-batch", "50", "--jobs", "1", "--data-dir", str(tiny_data_dir), "--out", str(out)),
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert b"\x1b" not in said and b"\x07" not in said
    best = json.loads((out / "best.json").read_text())
    assert best["best"]["head"] in ("softmax", "sigmoid") and best["val_acc"] < 0.99
    assert CLIPBOARD not in (out / "results.csv").read_text()  # the crafted row ran again
