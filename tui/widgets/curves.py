"""plotext curves of one or more runs: loss, cost or accuracy per epoch."""

from __future__ import annotations

from textual.reactive import reactive
from textual_plotext import PlotextPlot

from linclf.engine.train import EpochStats

METRICS = ("loss", "cost", "acc")
TITLES = {"loss": "loss", "cost": "cost", "acc": "accuracy"}


class Curves(PlotextPlot):
    """Training and validation curves; `metric` cycles loss → cost → accuracy."""

    metric: reactive[str] = reactive("loss")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.series: list[tuple[str, list[EpochStats]]] = []

    def show(self, series: list[tuple[str, list[EpochStats]]]) -> None:
        """series: (label, history) per run; one run shows train and val, several show val."""
        self.series = series
        self.replot()

    def next_metric(self) -> None:
        self.metric = METRICS[(METRICS.index(self.metric) + 1) % len(METRICS)]

    def watch_metric(self) -> None:
        self.replot()

    def point_count(self) -> int:
        return sum(len(history) for _, history in self.series)

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(f"{TITLES[self.metric]} per epoch  (a: loss / cost / accuracy)")
        plt.xlabel("epoch")
        for label, history in self.series:
            epochs = [s.epoch for s in history]
            if not epochs:
                continue
            sides = ("train", "val") if len(self.series) == 1 else ("val",)
            for side in sides:
                name = f"{label} {side}".strip()
                plt.plot(
                    epochs,
                    [getattr(s, f"{side}_{self.metric}") for s in history],
                    label=name,
                    marker="braille",
                )
        self.refresh()
