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


def _decayed(costs: list[float]):
    return [SimpleNamespace(train_cost=c, val_acc=0.40 + 0.001 * i) for i, c in enumerate(costs)]


def test_the_decay_sentence_says_wasted_epochs_only_when_the_cost_stops_falling():
    from linclf.engine.report.final_model import decay_words

    # decay after epoch 4: a big drop in epoch 5, then flat
    flat = decay_words(_decayed([2.0, 1.9, 1.85, 1.83, 1.75, 1.749, 1.7489, 1.7488]), 4)
    assert "In epoch 4, the last at the full η, the training cost fell by 0.0200 " in flat
    assert "the first epoch after the cut took off 0.0800; the 3 epochs after that" in flat
    assert "took off 0.0012 more, 0.5 % of the cost's fall since epoch 1" in flat
    assert "They add little" in flat and "not wasted" not in flat
    # still falling steadily at the end
    falling = decay_words(_decayed([2.0, 1.9, 1.85, 1.83, 1.80, 1.785, 1.775, 1.765]), 4)
    assert "not wasted" in falling and "add little" not in falling  # 14.9 % of the fall
    assert decay_words(_decayed([2.0, 1.9, 1.8]), 0) == ""  # no decay: nothing to say
    # the full report's case: the cost rose a little in the last epoch at the full η
    plateau = decay_words(_decayed([2.0, 1.9, 1.85, 1.8505, 1.8498, 1.8495, 1.8494, 1.8493]), 4)
    assert "had stopped falling (it changed by +0.0005), a plateau" in plateau  # it rose
    assert "fell by -" not in plateau


def test_the_final_model_is_chosen_by_validation_loss_not_a_noisy_accuracy():
    """The case of the full report: λ = 0.03 led on 1000 validation images by 1.3 points of
    accuracy (less than one standard error) while λ = 0.01 had the clearly lower loss."""
    from linclf.engine.report.experiments import Experiments
    from linclf.engine.report.final_model import lowest_loss

    assert lowest_loss([(1.8201, 0.428), (1.7344, 0.415)]) == 1
    assert lowest_loss([(1.73, 0.40), (1.73, 0.45)]) == 0  # a tie: the simpler, listed first
    runs = [
        {"history": [{"val_loss": 1.8201, "val_acc": 0.428}]},
        {"history": [{"val_loss": 1.7344, "val_acc": 0.415}]},
        {"history": []},  # a run that ended before its first epoch
    ]
    ex = SimpleNamespace(results=lambda configs, what: runs)
    chosen, every = Experiments.choose(ex, [], "λ", by_loss=True)  # type: ignore[arg-type]
    assert chosen is runs[1] and every == runs
