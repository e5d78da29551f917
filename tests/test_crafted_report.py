"""The report quotes run folders, commands and error texts: what anyone may have written
reaches report.md and report.html as visible markers, so `cat report.md` in a terminal runs
no escape sequence (issue 22, point 1)."""

from hostilestore import BIDI, CLIPBOARD, TITLE

from linclf.engine.report.document import Document
from linclf.engine.report.markup import plain


def test_hostile_text_reaches_the_report_files_as_markers(tmp_path):
    doc = Document(tmp_path, "Report")
    doc.paragraph("The run " + plain(f"out/{CLIPBOARD}{BIDI}") + " failed.")
    doc.reproducibility([("command", f"linclf train --out {TITLE}")])
    doc.write(pdf=False)
    for name in ("report.md", "report.html"):
        text = (tmp_path / name).read_text()
        assert all(marker in text for marker in ("␛", "␇", "⟨U+202E⟩", "PWNED-TITLE")), name
        assert not any(char in text for char in "\x1b\x07\u202e"), name
