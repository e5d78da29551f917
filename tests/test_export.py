import csv
import dataclasses
import io
import math

import pytest
from runstore import fixed_history

from linclf.engine.config import TrainConfig
from linclf.engine.insight import curveplot, export

PNG = b"\x89PNG\r\n\x1a\n"


def two_runs():
    crafted = fixed_history(5)
    crafted[2] = dataclasses.replace(crafted[2], val_loss=math.nan, train_acc=None)
    return [
        ("a", TrainConfig(eta=0.01).to_dict(), fixed_history(4)),
        ("$x^$ [b]\x1b]0;t\x07", {"eta": "abc", "flip": True}, crafted),
    ]


def test_histories_csv_has_a_line_per_epoch_with_config_and_fractions():
    rows = list(csv.DictReader(io.StringIO(export.histories_csv(two_runs()))))
    assert len(rows) == 9
    first = rows[0]
    assert first["run"] == "a" and first["eta"] == "0.01" and first["head"] == "softmax"
    assert first["eta_epoch"] == "0.001"  # the step size of the epoch, as history.jsonl has it
    assert float(first["val_acc"]) == pytest.approx(fixed_history(1)[0].val_acc)
    crafted = rows[4 + 2]
    assert crafted["eta"] == "abc" and crafted["flip"] == "true" and crafted["lam"] == ""
    assert crafted["val_loss"] == "nan" and crafted["train_acc"] == ""


def test_export_paths_never_overwrite(tmp_path):
    first = export.write_histories(two_runs(), export.new_path(tmp_path / "x", "runs", ".csv"))
    second = export.new_path(tmp_path / "x", "runs", ".csv")
    assert first.exists() and second != first and second.suffix == ".csv"


@pytest.mark.parametrize(
    "level, log_y, x_by", [("off", False, "epoch"), ("high", True, "step"), ("low", False, "step")]
)
def test_curves_png_is_drawn_with_the_setting(tmp_path, level, log_y, x_by):
    path = curveplot.curves_png(two_runs(), tmp_path / "c.png", "val_loss", level, log_y, x_by)
    assert path.read_bytes().startswith(PNG)


def test_the_setting_says_what_the_plot_shows():
    assert curveplot.setting("val_loss", "high", True, "step") == (
        "val_loss · EMA 0.9 (high), raw faint · log y · x by step"
    )
    assert curveplot.setting("train_acc", "off", False, "epoch") == (
        "train_acc · raw · linear y · x by epoch"
    )


def test_a_long_history_is_drawn_downsampled(tmp_path):
    long = fixed_history(1) * 50_000
    long = [dataclasses.replace(s, epoch=i + 1) for i, s in enumerate(long)]
    path = curveplot.curves_png([("long", {}, long)], tmp_path / "l.png", "train_loss", "low")
    assert path.read_bytes().startswith(PNG)


def test_an_unknown_metric_is_refused(tmp_path):
    with pytest.raises(ValueError):
        curveplot.curves_png(two_runs(), tmp_path / "c.png", "nope")
