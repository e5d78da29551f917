"""Absurd and random command lines: linclf refuses with one line and exit 2, or runs; never a
traceback or an error no one handled."""

import pytest
from conftest import one_line, train_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linclf.tui.cli import main

# Hypothesis examples share one tmp_path/tiny_data_dir: each example only reads the data and
# adds a new run folder, so sharing is harmless.
FIXTURES_OK = [HealthCheck.function_scoped_fixture]


@pytest.mark.parametrize(
    "flags",
    [
        ["--n-epochs", "1000000000000"],
        ["--eta", "1e300"],
        ["--lam", "1e300"],
        ["--seed", "-1"],
        ["--n-batch", "1000000000000"],
        ["--decay-factor", "2"],
        ["--n-val", "0", "--split", "all"],
        ["--eta", "-inf"],
        ["--lam", "nan"],
        ["--dtype", ""],
        ["--n-batch", "ten"],
    ],
)
def test_absurd_hyperparameters_are_refused(tiny_data_source, tmp_path, capsys, flags):
    assert train_cli(tiny_data_source, tmp_path / "out", *flags) == 2
    one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


FLAGS = [
    "--lam",
    "--eta",
    "--n-batch",
    "--n-epochs",
    "--seed",
    "--head",
    "--dtype",
    "--split",
    "--n-val",
    "--decay-every",
    "--decay-factor",
    "--flip",
    "--no-shuffle",
    "--json",
    "--bogus",
    "-x",
    "--",
]
VALUES = st.one_of(
    st.integers(-3, 40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["softmax", "sigmoid", "float32", "float16", "all", "spec", "", "1e9", "ü"]),
    st.text(max_size=6),
)
ARGS = st.lists(st.one_of(st.sampled_from(FLAGS), VALUES), max_size=8)


def _no_fault(code: int, err: str, codes: tuple[int, ...] = (0, 1, 2)) -> None:
    """A random command line ends as linclf means it to: 0, a failed run (1, a diverged
    training) or bad usage (2) with one line; never a traceback or an error no one handled
    ("internal error")."""
    assert code in codes, err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        one_line(err)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES_OK)
@given(args=ARGS)
def test_random_train_arguments(tiny_data_source, tmp_path, capsys, args):
    try:
        code = main(
            ["train", "--data-dir", str(tiny_data_source), "--out", str(tmp_path / "out")]
            + ["--no-plots", *args]
        )
    except SystemExit as exit_:  # --help and friends
        code = exit_.code
    _no_fault(code, capsys.readouterr().err)


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    args=st.lists(
        st.one_of(st.sampled_from(["--tol", "--tol32", "--json", "--bogus"]), VALUES), max_size=5
    )
)
@pytest.mark.slow
def test_random_check_arguments(capsys, args):
    code = main(["check", "--synthetic", *args])
    _no_fault(code, capsys.readouterr().err)


class ReportStandIn:
    """Takes the place of the report: the command line is parsed and checked for real, the
    experiments are not run."""

    built: list[dict] = []

    def __init__(self, *args, **kwargs):
        self.kwargs = kwargs

    def build(self) -> None:
        ReportStandIn.built.append(self.kwargs)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    args=st.lists(
        st.one_of(
            st.sampled_from(["--seed", "--jobs", "--quick", "--bogus"]),
            st.integers(-3, 3).map(str),
            st.text(max_size=4),
        ),
        max_size=4,
    )
)
def test_random_report_arguments(tiny_data_source, tmp_path, capsys, monkeypatch, args):
    import linclf.engine.report

    monkeypatch.setattr(linclf.engine.report, "Report", ReportStandIn)
    ReportStandIn.built.clear()
    code = main(
        ["report", "--data-dir", str(tiny_data_source), "--jobs", "1"]
        + ["--out", str(tmp_path / "report"), *args]
    )
    # --seed and --jobs cannot make a report fail: exit 1 there is a fault.
    _no_fault(code, capsys.readouterr().err, codes=(0, 2))
    # a command line that passes is the report's to build, once, with a seed it accepts
    assert len(ReportStandIn.built) == (code == 0)
    if code == 0:
        assert ReportStandIn.built[0]["seed"] >= 0
