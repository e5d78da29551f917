"""Options of `linclf train` whose effect only a whole run shows."""

import json

from linclf.tui.cli import main


def _train_json(data_dir, out, capsys, *flags) -> list[dict]:
    code = main(
        ["train", "--data-dir", str(data_dir), "--out", str(out), "--no-plots"]
        + ["--n-epochs", "2", "--n-batch", "20", "--json", *flags]
    )
    assert code == 0
    history = json.loads(capsys.readouterr().out)["history"]
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


def test_no_shuffle_keeps_the_file_order(tiny_data_source, tmp_path, capsys):
    shuffled = _train_json(tiny_data_source, tmp_path / "a", capsys)
    fixed = _train_json(tiny_data_source, tmp_path / "b", capsys, "--no-shuffle")
    again = _train_json(tiny_data_source, tmp_path / "c", capsys, "--no-shuffle")
    assert fixed == again
    assert fixed[0]["train_cost"] != shuffled[0]["train_cost"]
    assert fixed[1]["train_cost"] != shuffled[1]["train_cost"]
