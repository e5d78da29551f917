"""search --resume reads a results.csv that anyone may have written (issue 22, point 4): a row
is trusted only where its run folder agrees; hostile weights, special files, a lock that is a
folder and a grid too large to run are one line and exit 2, never a hang or a traceback."""

from __future__ import annotations

import csv
import io
import os

import numpy as np
import pytest
from craftedstore import npz_bomb

from linclf.engine.training import search as grid_search
from linclf.tui.cli import main


def search_args(data_dir, out, *extra: str) -> list[str]:
    return [
        "search", "--data-dir", str(data_dir), "--lam", "0", "--n-epochs", "1",
        "--n-batch", "50", "--jobs", "1", "--out", str(out), *extra,
    ]  # fmt: skip


def one_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "internal error" not in lines[0] and "Traceback" not in lines[0]
    return lines[0]


@pytest.fixture
def searched(tiny_data_dir, tmp_path, capsys):
    """A finished one-trial search: (its folder, its results.csv)."""
    out = tmp_path / "s"
    assert main(search_args(tiny_data_dir, out)) == 0
    capsys.readouterr()
    return out, out / "results.csv"


def rows_of(csv_path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(csv_path.read_text())))


def rewrite(csv_path, **changes) -> None:
    rows = rows_of(csv_path)
    for row in rows:
        row.update(changes)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    csv_path.write_text(buffer.getvalue())


def test_a_row_its_run_folder_does_not_back_is_run_again(tiny_data_dir, searched, capsys):
    out, csv_path = searched
    rewrite(csv_path, val_acc="0.99")  # a claim its run folder does not make
    assert main(search_args(tiny_data_dir, out, "--resume")) == 0
    said = capsys.readouterr().out
    assert "99" not in said.split("chosen on validation")[1].split("\n")[0]
    assert [row["val_acc"] for row in rows_of(csv_path)] != ["0.99"]


def damage_weights(weights: str, damage: str) -> None:
    os.unlink(weights)
    if damage == "bomb":
        npz_bomb(weights, real_bytes=8 << 20)
    elif damage == "fifo":
        os.mkfifo(weights)
    elif damage == "zero":
        os.symlink("/dev/zero", weights)
    elif damage == "garbage":
        with open(weights, "wb") as handle:
            handle.write(b"PK\x03\x04" + os.urandom(3000))
    else:
        np.savez(weights, W=np.zeros((3, 5)), b=np.zeros(3), mean=np.zeros(5), std=np.ones(5))


@pytest.mark.parametrize("damage", ["bomb", "fifo", "zero", "garbage", "shape"])
def test_hostile_weights_of_the_chosen_trial_are_one_line(tiny_data_dir, searched, capsys, damage):
    out, csv_path = searched
    for row in rows_of(csv_path):  # whichever trial is chosen
        damage_weights(os.path.join(row["run_dir"], "weights.npz"), damage)
    assert main(search_args(tiny_data_dir, out, "--resume")) == 2
    assert "weights.npz" in one_line(capsys)


@pytest.mark.timeout(60)
def test_a_fifo_results_file_is_one_line(tiny_data_dir, tmp_path, capsys):
    out = tmp_path / "s"
    out.mkdir()
    os.mkfifo(out / "results.csv")
    assert main(search_args(tiny_data_dir, out, "--resume")) == 2
    assert "results.csv" in one_line(capsys)


def test_a_lock_that_is_a_folder_is_one_line(tiny_data_dir, tmp_path, capsys):
    out = tmp_path / "s"
    (out / ".results.csv.lock").mkdir(parents=True)
    assert main(search_args(tiny_data_dir, out)) == 2
    assert ".results.csv.lock" in one_line(capsys)


def test_a_grid_beyond_the_bound_is_refused_before_it_is_made(tiny_data_dir, tmp_path, capsys):
    def values(scale: float) -> str:
        return ",".join(f"{k * scale:g}" for k in range(1, 101))

    grid = {"--lam": values(0.001), "--n-batch": values(1)}
    args = search_args(tiny_data_dir, tmp_path / "s")
    for option, given in grid.items():
        args[args.index(option) + 1] = given
    args += ["--eta", values(0.0001), "--seed", values(1)]
    assert main(args) == 2
    line = one_line(capsys)
    assert f"{100**4:,}" in line and f"{grid_search.MAX_TRIALS:,}" in line
