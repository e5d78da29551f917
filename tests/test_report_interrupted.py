"""A report stopped in the middle of a section says nothing false: the unfinished section is
left out, so "the sections above are complete" is true of what is written."""

import signal

import pytest

from linclf.tui.cli import main
from linclf.tui.cli.signals import Interrupted


@pytest.mark.slow
def test_a_report_stopped_at_the_best_model_step_leaves_out_the_half_section(
    tiny_data_dir, tmp_path, monkeypatch, capsys
):
    from linclf.engine.report import exercise21

    reached = []

    def signal_arrives(*args, **kwargs):
        # Exercise 2.1 has written its heading and tables when it reaches the final model.
        reached.append(True)
        raise Interrupted(signal.SIGINT)

    monkeypatch.setattr(exercise21, "final_model", signal_arrives)
    out = tmp_path / "report"
    args = ["report", "--quick", "--jobs", "1", "--data-dir", str(tiny_data_dir)]
    code = main([*args, "--out", str(out)])
    assert reached and code == 130, capsys.readouterr().err
    for name in ("report.md", "report.html"):
        text = (out / name).read_text()
        assert "Exercise 1: the four required settings" in text
        assert "Is the implementation correct?" in text
        assert "Interrupted (SIGINT)" in text
        assert "Exercise 2.1" not in text and "@tab:" not in text
    markdown = (out / "report.md").read_text()
    main_text, appendix = markdown.split("\n# Appendix\n")
    assert main_text.rstrip().endswith("the rest did not run.")
    assert "Run details" in appendix
