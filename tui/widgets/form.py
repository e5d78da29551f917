"""The hyperparameter form: every TrainConfig field, presets, validation as you type."""

from __future__ import annotations

from dataclasses import fields

from linclf.engine.train import TrainConfig
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

# (field, label) for the text fields, in the order shown.
NUMBER_FIELDS = (
    ("lam", "λ lam"),
    ("eta", "η eta"),
    ("n_batch", "n_batch"),
    ("n_epochs", "n_epochs"),
    ("seed", "seed"),
    ("decay_every", "decay every"),
    ("decay_factor", "decay factor"),
    ("n_val", "n_val (all)"),
    ("shift", "shift (px)"),
)
CHOICES = (
    ("head", "head", (("softmax + CE", "softmax"), ("sigmoid + BCE", "sigmoid"))),
    ("dtype", "dtype", (("float64", "float64"), ("float32", "float32"))),
    ("split", "split", (("spec: 1 / 2 / test", "spec"), ("all data", "all"))),
)
SWITCHES = (("flip", "flip images"), ("shuffle", "shuffle"))
# The spec's four required settings (Exercise 1), 40 epochs, n_batch 100.
PRESETS = {
    "lam 0, eta 0.1": {"lam": 0.0, "eta": 0.1},
    "lam 0, eta 0.001": {"lam": 0.0, "eta": 0.001},
    "lam 0.1, eta 0.001": {"lam": 0.1, "eta": 0.001},
    "lam 1, eta 0.001": {"lam": 1.0, "eta": 0.001},
}
_TYPES = {f.name: f.type for f in fields(TrainConfig)}


def parse_form(values: dict[str, str]) -> tuple[TrainConfig | None, dict[str, str]]:
    """Text of the number fields (plus choices) → a config, or the problems by field."""
    numbers = {name for name, _ in NUMBER_FIELDS}
    parsed, problems = {}, {}
    for name, text in values.items():
        if name not in numbers:
            parsed[name] = text
            continue
        text = text.strip()
        try:
            parsed[name] = int(text) if _TYPES[name] == "int" else float(text)
        except ValueError:
            kind = "a whole number" if _TYPES[name] == "int" else "a number"
            problems[name] = f"must be {kind}" if text else "is empty"
    if problems:
        return None, problems
    config = TrainConfig(**parsed)
    return (config, {}) if not (found := config.problems()) else (None, found)


class HyperparameterForm(VerticalScroll):
    """Posts Changed whenever the fields change, with a valid config or the problems."""

    class Changed(Message):
        def __init__(self, config: TrainConfig | None, problems: dict[str, str]) -> None:
            super().__init__()
            self.config = config
            self.problems = problems

    class StartRequested(Message):
        """Enter in a field: start with these settings."""

    def __init__(self, config: TrainConfig | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.initial = config or TrainConfig()
        self.config: TrainConfig | None = self.initial
        self.problems: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Select(
            ((name, name) for name in PRESETS),
            prompt="preset: spec settings",
            id="preset",
            compact=True,
        )
        for name, label in NUMBER_FIELDS:
            with Horizontal(classes="field"):
                yield Label(label, classes="field-label")
                yield Input(str(getattr(self.initial, name)), id=name, compact=True)
            yield Static("", id=f"{name}-error", classes="field-error")
        for name, label, options in CHOICES:
            with Horizontal(classes="field"):
                yield Label(label, classes="field-label")
                yield Select(
                    options,
                    value=getattr(self.initial, name),
                    allow_blank=False,
                    id=name,
                    compact=True,
                )
        for name, label in SWITCHES:
            yield Checkbox(label, value=getattr(self.initial, name), id=name, compact=True)
        yield Button("Start (s)", id="start", variant="success", compact=True)

    def values(self) -> dict:
        values = {name: self.query_one(f"#{name}", Input).value for name, _ in NUMBER_FIELDS}
        values.update({name: self.query_one(f"#{name}", Select).value for name, *_ in CHOICES})
        values.update({name: self.query_one(f"#{name}", Checkbox).value for name, _ in SWITCHES})
        return values

    def validate(self) -> None:
        self.config, self.problems = parse_form(self.values())
        for name, _ in NUMBER_FIELDS:
            problem = self.problems.get(name)
            self.query_one(f"#{name}", Input).set_class(problem is not None, "-invalid")
            error = self.query_one(f"#{name}-error", Static)
            error.update(problem or "")
            error.display = problem is not None
        self.query_one("#start", Button).disabled = self.config is None
        self.post_message(self.Changed(self.config, self.problems))

    def on_mount(self) -> None:
        self.validate()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.validate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.StartRequested())

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "preset" and event.value in PRESETS:
            for name, value in {**PRESETS[event.value], "n_epochs": 40, "n_batch": 100}.items():
                self.query_one(f"#{name}", Input).value = f"{value:g}"
        self.validate()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.validate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            event.stop()
            self.post_message(self.StartRequested())
