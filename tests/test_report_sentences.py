"""Computed sentences and document structure of the report that could be wrong: the spec's
reference figures called matched only when they are, the appendix after the main text and
out of the per-part uploads, the author on the first page, PNG sizes read by Pillow."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from linclf.engine.config import TrainConfig
from linclf.engine.report.blocks import Front, Part
from linclf.engine.report.document import Document, png_width_in
from linclf.engine.report.gradients import spec_reference
from linclf.engine.report.render_text import markdown
from linclf.engine.report.render_typst import typst_source


def _history(cost: float):
    return [SimpleNamespace(train_cost=cost)]


@pytest.mark.parametrize(
    "cost, acc, comparable, matched",
    [
        (1.97221, 0.3913, True, True),
        (1.97221, 0.3912, True, False),  # one test image off: not the spec's figure
        (1.9731, 0.3913, True, False),
        (1.97221, 0.3913, False, False),  # a quick budget is never called a match
    ],
)
def test_the_spec_reference_is_called_matched_only_when_it_is(
    tmp_path, cost, acc, comparable, matched
):
    doc = Document(tmp_path, "t")
    assert spec_reference(doc, _history(cost), acc, TrainConfig(), comparable) is matched
    text = markdown(doc.front, doc.everything())
    assert ("Both match the spec's own figures" in text) is matched
    assert doc.numbers["spec_reference"]["matched"] is matched


def test_the_appendix_follows_the_main_text_and_stays_out_of_the_uploads(tmp_path):
    doc = Document(tmp_path, "Title", author="Ada Lovelace")
    doc.part("Part 1: Assignment", "assignment")
    with doc.in_appendix():
        doc.heading("Run details")
    doc.paragraph("main text")
    blocks = doc.everything()
    assert [b.title for b in blocks if isinstance(b, Part)] == ["Part 1: Assignment", "Appendix"]
    text = markdown(doc.front, blocks)
    assert text.index("main text") < text.index("Run details")
    assert [part.slug for part, _ in doc.parts() if part.own_pdf] == ["assignment"]
    assert text.splitlines()[2] == "**Ada Lovelace**"


def test_the_author_is_on_page_one_of_the_pdf():
    source = typst_source(Front("Title", "", "Ada Lovelace"), [], {})
    assert '#text(12pt, "Ada Lovelace")' in source  # under the title
    assert 'author: "Ada Lovelace"' in source  # in the PDF's metadata
    assert '"Ada Lovelace"' not in typst_source(Front("Title"), [], {})


def test_png_width_comes_from_its_pixels_and_resolution():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1300, 10)).save(buffer, format="PNG", dpi=(200, 200))
    assert png_width_in(buffer.getvalue()) == pytest.approx(6.5, abs=0.01)
    plain = io.BytesIO()
    Image.new("RGB", (960, 10)).save(plain, format="PNG")
    assert png_width_in(plain.getvalue()) == pytest.approx(10.0)
    with pytest.raises(ValueError):
        gif = io.BytesIO()
        Image.new("RGB", (4, 4)).save(gif, format="GIF")
        png_width_in(gif.getvalue())
