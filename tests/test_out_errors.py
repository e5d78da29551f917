"""`search --out` and `report --out` that cannot be written, and a disk that fills while the
report is written: one clear line naming the path, exit 2 (bad usage) or 1 (a failed run),
never "internal error" or a traceback."""

import contextlib
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from linclf.tui.cli import main
from linclf.tui.cli.errors import describe
from linclf.tui.cli.options import writable_folder

COMMANDS = {
    "search": ["search", "--n-epochs", "1", "--jobs", "1"],
    "report": ["report", "--quick", "--jobs", "1"],
}


def _linclf(args: list[str]) -> tuple[int, str]:
    """`linclf ARGS` in a subprocess (a real process: nothing of the test's state leaks in)."""
    done = subprocess.run(
        [sys.executable, "-m", "linclf", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    return done.returncode, done.stderr


def _one_clear_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    return lines[0]


@contextlib.contextmanager
def _tmpfs(where: Path, options: str):
    """A tmpfs mounted at where (root only: CI runs as root, where chmod blocks nothing)."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)])
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", ["a file", "under a file", "name too long"])
def test_an_unusable_out_is_one_line_exit_2(tiny_data_dir, tmp_path, command, case):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    out = {
        "a file": a_file,
        "under a file": a_file / "sub",
        "name too long": tmp_path / ("x" * 300),
    }[case]
    code, err = _linclf([*COMMANDS[command], "--data-dir", str(tiny_data_dir), "--out", str(out)])
    line = _one_clear_line(err)
    assert code == 2 and str(out) in line, err
    # Named as the folder itself (the command checks --out first) or as the first folder
    # under it that could not be made: either way the user sees which path and why.
    if case == "name too long":
        assert "too long" in line
    else:
        assert "not a folder" in line or "a file stands where this path needs a folder" in line
    assert a_file.read_text() == "mine\n"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_read_only_out_is_one_line_exit_2(tiny_data_dir, tmp_path, command):
    with contextlib.ExitStack() as stack:
        if os.geteuid() == 0:
            folder = stack.enter_context(_tmpfs(tmp_path / "ro", "ro,size=64k"))
        else:
            folder = tmp_path / "ro"
            folder.mkdir(mode=0o500)
            stack.callback(folder.chmod, 0o700)
        out = folder / "out" if command == "search" else folder
        args = [*COMMANDS[command], "--data-dir", str(tiny_data_dir), "--out", str(out)]
        code, err = _linclf(args)
    line = _one_clear_line(err)
    assert code == 2 and str(out) in line, err
    assert "read-only" in line or "permission denied" in line


def test_writable_folder_names_the_folder_not_its_probe(tmp_path):
    writable_folder(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir() and not any((tmp_path / "a" / "b").iterdir())
    (tmp_path / "f").write_text("")
    with pytest.raises(OSError) as raised:
        writable_folder(tmp_path / "f")
    assert raised.value.filename == str(tmp_path / "f")
    assert describe(raised.value)[0] == 2


@pytest.mark.slow
def test_disk_full_while_writing_the_report_is_one_line_exit_1(
    tiny_data_dir, tmp_path, capsys, monkeypatch
):
    from linclf.engine.report import document

    real_write = document.atomic_write

    def full_disk(path, data):
        if Path(path).name == "report.md":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, data)

    monkeypatch.setattr(document, "atomic_write", full_disk)
    out = tmp_path / "report"
    code = main(
        ["report", "--quick", "--jobs", "1", "--data-dir", str(tiny_data_dir)]
        + [
            "--out",
            str(out),
        ]
    )
    line = _one_clear_line(capsys.readouterr().err)
    assert code == 1 and str(out / "report.md") in line and "no space left" in line


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_really_full_disk_under_the_report_is_one_line_exit_1(tiny_data_dir, tmp_path):
    with _tmpfs(tmp_path / "small", "size=96k") as out:
        code, err = _linclf(
            [*COMMANDS["report"], "--data-dir", str(tiny_data_dir), "--out", str(out)]
        )
        names = {path.name for path in out.iterdir()}
    line = _one_clear_line(err)
    assert code == 1 and "no space left" in line.lower() and str(out) in line, err
    assert not any(name.endswith(".tmp") for name in names), names
