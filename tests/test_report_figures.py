"""The report's figures say what their captions promise, read from the matplotlib objects."""

from linclf.engine.records import EpochStats


def _history(loss: float) -> list[EpochStats]:
    return [
        EpochStats(epoch, loss / epoch, loss / epoch, 0.3, loss, loss, 0.3, 1.0, 0.001)
        for epoch in (1, 2, 3)
    ]


def test_the_22_loss_panel_legend_names_both_heads_on_their_twin_axes():
    from linclf.engine.report import figures

    accuracy = [[0.3, 0.35, 0.4]]
    fig = figures.gap_against_training(
        [("softmax", accuracy, accuracy), ("sigmoid", accuracy, accuracy)],
        [("softmax + CE", _history(2.0)), ("sigmoid + BCE", _history(0.3))],
    )
    loss_panel = fig.axes[0]
    labels = [text.get_text() for text in loss_panel.get_legend().get_texts()]
    assert labels == ["softmax + CE", "sigmoid + BCE"]
