"""The structure the design relies on: the installed names and one schema that every door
follows. Which package may import which is import-linter's contracts ([tool.importlinter] in
pyproject.toml; .ci/run runs `lint-imports`)."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from linclf.tui.cli import main


def _python(code: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("where", ["elsewhere", "repository"])
def test_only_the_linclf_names_are_importable(tmp_path, where):
    cwd = tmp_path if where == "elsewhere" else ROOT
    for bare in ("engine", "tui"):
        done = _python(f"import {bare}", cwd)
        assert done.returncode != 0 and "Error" in done.stderr
    done = _python("import linclf.engine.training.train, linclf.tui.cli; print('ok')", cwd)
    assert done.stdout.strip() == "ok", done.stderr


def test_python_dash_m_linclf_is_the_cli(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "linclf", "--help"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0 and "train" in done.stdout and "search" in done.stdout


def test_help_imports_nothing_heavy():
    probe = (
        "import sys; from linclf.tui.cli import main; main(['train', '--help']); "
        "main(['search', '--help']); print(sorted(m for m in ('torch', 'matplotlib', "
        "'textual', 'numpy', 'distributed') if m in sys.modules))"
    )
    done = _python(probe, ROOT)
    assert done.stdout.strip().endswith("[]"), done.stdout[-300:] + done.stderr


def test_scheduler_without_dask_says_how_to_install_it(
    tiny_data_dir, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    code = main(
        ["search", "--data-dir", str(tiny_data_dir), "--out", str(tmp_path / "s")]
        + ["--n-epochs", "1", "--scheduler", "tcp://127.0.0.1:8786"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "linclf[dask]" in err[0]


NEW_FIELD = """
    momentum: float = param(
        0.0, "momentum", "Heavy-ball momentum (a field added by a test).", low=0.0, high=0.99
    )
"""

FORM_PROBE = """
import asyncio
from textual.app import App
from textual.widgets import Input
from linclf.tui.widgets.form import HyperparameterForm

class Probe(App):
    def compose(self):
        yield HyperparameterForm(id="form")

async def main():
    app = Probe()
    async with app.run_test() as pilot:
        field = app.query_one("#momentum", Input)
        print("form field", field.value)
        field.value = "2"
        await pilot.pause()
        print("form problem", app.query_one("#form").problems["momentum"])

asyncio.run(main())
"""


@pytest.mark.slow
def test_a_new_config_field_needs_one_edit(tmp_path, tiny_data_source):
    """Copy the package, add one field to TrainConfig and nothing else: the CLI options of
    train and search, the validation, the run folder, results.csv and the form all have it."""
    source = tmp_path / "src" / "linclf"
    for folder in ("engine", "tui"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    config = source / "engine" / "config.py"
    text = config.read_text()
    anchor = "    def problems(self"
    config.write_text(text.replace(anchor, NEW_FIELD.lstrip("\n") + "\n" + anchor, 1))
    env = {"PYTHONPATH": str(tmp_path / "src")}
    data = tiny_data_source
    out = tmp_path / "out"

    def cli(*args: str) -> subprocess.CompletedProcess:
        code = (
            "import sys, linclf.engine.config as c; assert c.__file__.startswith(sys.argv[1]); "
            "from linclf.tui.cli import main; sys.exit(main(sys.argv[2:]))"
        )
        return subprocess.run(
            [sys.executable, "-c", code, str(source), *args],
            cwd=tmp_path,
            env={**os.environ, **env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert "--momentum" in cli("train", "--help").stdout
    assert "--momentum" in cli("search", "--help").stdout
    refused = cli("train", "--data-dir", str(data), "--momentum", "2")
    assert refused.returncode == 2 and "momentum must lie in [0, 0.99]" in refused.stderr
    trained = cli(
        "train", "--data-dir", str(data), "--out", str(out / "t"), "--n-epochs", "1",
        "--momentum", "0.5", "--no-plots", "--json",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert '"momentum": 0.5' in trained.stdout
    searched = cli(
        "search", "--data-dir", str(data), "--out", str(out / "s"), "--n-epochs", "1",
        "--lam", "0", "--eta", "0.01", "--n-batch", "50", "--momentum", "0,0.5", "--jobs", "1",
    )  # fmt: skip
    assert searched.returncode == 0, searched.stderr
    header, *rows = (out / "s" / "results.csv").read_text().splitlines()
    column = header.split(",").index("momentum")
    assert sorted(row.split(",")[column] for row in rows) == ["0.0", "0.5"]
    form = _python(textwrap.dedent(FORM_PROBE), tmp_path, env)
    assert "form field 0" in form.stdout, form.stderr
    assert "form problem momentum must lie in [0, 0.99]" in form.stdout


@pytest.mark.slow
def test_the_wheel_holds_only_the_linclf_package(tmp_path):
    """A regular install (not editable): every module under linclf/, the stylesheet too, and
    no bare engine or tui in site-packages."""
    import zipfile

    tree = tmp_path / "tree"
    for name in ("pyproject.toml", "README.md", "__main__.py"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tree / name)
    for folder in ("engine", "tui"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + [str(tree), "-w", str(tmp_path / "wheel")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"linclf", "linclf-0.1.0.dist-info"}
    assert {"linclf/__main__.py", "linclf/tui/app.tcss", "linclf/engine/training/train.py"} <= set(
        names
    )
    sources = {
        p.relative_to(ROOT).as_posix() for d in ("engine", "tui") for p in (ROOT / d).rglob("*.py")
    }
    assert {f"linclf/{s}" for s in sources} <= set(names)
