import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from linclf.engine.format import EPOCH_HEADERS
from linclf.tui.cli import main

RUN_FILES = {
    "run.json",
    "heartbeat",
    "history.jsonl",
    "history.csv",
    "weights.npz",
    "curves.png",
    "templates.png",
    "histograms.png",
}


def test_train_json_writes_a_complete_run_folder(tiny_data_dir, tmp_path, capsys):
    code = main(
        [
            "train",
            "--data-dir",
            str(tiny_data_dir),
            "--n-epochs",
            "2",
            "--n-batch",
            "50",
            "--out",
            str(tmp_path / "out"),
            "--json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    result = json.loads(captured.out)  # stdout holds exactly one JSON object
    assert result["status"] == "completed" and result["config"]["n_epochs"] == 2
    assert [row["epoch"] for row in result["history"]] == [1, 2]
    assert set(result["history"][0]) == {
        "epoch",
        "train_loss",
        "train_cost",
        "train_acc",
        "val_loss",
        "val_cost",
        "val_acc",
        "seconds",
        "eta",
    }
    assert 0 <= result["test_acc"] <= 1
    run_dir = Path(result["run_dir"])
    assert {p.name for p in run_dir.iterdir()} == RUN_FILES
    saved = json.loads((run_dir / "run.json").read_text())
    assert saved == {k: v for k, v in result.items() if k not in ("history", "run_dir")}
    assert saved["format"] == 2 and saved["pid"] > 0 and saved["ended"] >= saved["started"]
    lines = (run_dir / "history.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == result["history"]
    assert "run folder" in captured.err


def test_piped_output_is_one_plain_line_per_epoch(tiny_data_dir, tmp_path, capsys):
    assert (
        main(
            [
                "train",
                "--data-dir",
                str(tiny_data_dir),
                "--n-epochs",
                "3",
                "--out",
                str(tmp_path),
                "--no-plots",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    header = lines.index("\t".join(EPOCH_HEADERS))
    rows = [line.split("\t") for line in lines[header + 1 : header + 4]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert all(len(row) == len(EPOCH_HEADERS) for row in rows)
    assert not any("\r" in line or "\x1b" in line for line in lines)
    assert lines[-2].startswith("test accuracy:") and lines[-1].startswith("run folder:")


def test_two_runs_never_share_a_folder(tiny_data_dir, tmp_path, capsys):
    args = [
        "train",
        "--data-dir",
        str(tiny_data_dir),
        "--n-epochs",
        "1",
        "--out",
        str(tmp_path),
        "--no-plots",
        "--json",
    ]
    dirs = set()
    for _ in range(2):
        assert main(args) == 0
        dirs.add(json.loads(capsys.readouterr().out)["run_dir"])
    assert len(dirs) == 2


@pytest.mark.parametrize(
    "flags",
    [
        ["--eta", "0"],
        ["--eta", "-1"],
        ["--eta", "nan"],
        ["--eta", "inf"],
        ["--lam", "-1"],
        ["--n-batch", "0"],
        ["--n-batch", "201"],
        ["--n-epochs", "0"],
        ["--dtype", "float16"],
        ["--head", "relu"],
        ["--eta", "abc"],
        ["--n-epochs", "1.5"],
        ["--bogus"],
    ],
)
def test_invalid_flags_exit_2_with_one_line(tiny_data_dir, tmp_path, capsys, flags):
    out = tmp_path / "out"
    code = main(["train", "--data-dir", str(tiny_data_dir), "--out", str(out), *flags])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("linclf: error:")
    assert not out.exists() or not any(out.iterdir()), "nothing may be trained or written"


def test_missing_data_explains_how_to_get_it(tmp_path, capsys):
    code = main(["train", "--data-dir", str(tmp_path / "none" / "cifar-10-batches-py")])
    err = capsys.readouterr().err
    assert code == 2 and "linclf data fetch" in err and len(err.strip().splitlines()) == 1


def test_bad_batch_file_is_named(tiny_data_dir, tmp_path, capsys):
    (tiny_data_dir / "data_batch_2").write_bytes(b"garbage")
    code = main(["train", "--data-dir", str(tiny_data_dir), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "data_batch_2" in err and len(err.strip().splitlines()) == 1


def test_help_is_light():
    probe = (
        "import sys; from linclf.tui.cli import main; code = main(['--help']); "
        "print(sorted(m for m in ('torch', 'matplotlib', 'textual', 'numpy') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip().endswith("[]")
    assert "train" in done.stdout
