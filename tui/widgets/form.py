"""The hyperparameter form: one field per TrainConfig field (generated from the schema in
engine/config.py), presets, and validation as you type (every invalid field at once). While
the Run view follows a run, the form shows that run's own settings, read-only, until the user
chooses to edit them (a new run from them)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from linclf.engine.config import ConfigField, TrainConfig, config_fields
from linclf.tui.widgets.typed import TypedInput

# The spec's four required settings (Exercise 1): every field as the spec has it (40 epochs,
# n_batch 100, seed 42, softmax, batch 1 / batch 2 / test, no augmentation) but λ and η.
PRESETS = {
    name: replace(TrainConfig(), lam=lam, eta=eta)
    for name, lam, eta in (
        ("lam 0, eta 0.1", 0.0, 0.1),
        ("lam 0, eta 0.001", 0.0, 0.001),
        ("lam 0.1, eta 0.001", 0.1, 0.001),
        ("lam 1, eta 0.001", 1.0, 0.001),
    )
}


def _text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_form(
    values: dict, config_class: type = TrainConfig
) -> tuple[TrainConfig | None, dict[str, str]]:
    """The form's values (text of the inputs, the choices, the switches) → a config, or every
    problem at once by field: text that does not parse, and values out of range."""
    parsed, problems = {}, {}
    for spec in config_fields(config_class):
        value = values[spec.name]
        if isinstance(value, str) and spec.kind is not str:
            try:
                value = spec.parse(value)
            except ValueError as err:
                problems[spec.name] = str(err)
                continue
        parsed[spec.name] = value
    config = config_class(**parsed)
    problems = {**config.problems(), **problems}
    return (None, problems) if problems else (config, {})


class HyperparameterForm(VerticalScroll):
    """Posts Changed whenever the fields change, with a valid config or the problems. A
    preset sets every field; editing any field afterwards clears the preset's name."""

    BINDINGS = [Binding("escape", "leave_field", "Leave field", show=False)]

    class Changed(Message):
        def __init__(self, config: TrainConfig | None, problems: dict[str, str]) -> None:
            super().__init__()
            self.config = config
            self.problems = problems

    class StartRequested(Message):
        """The Start button: start with these settings (Enter in a field only moves on: a
        start is deliberate)."""

    def __init__(
        self, config: TrainConfig | None = None, config_class: type = TrainConfig, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.config_class = config_class
        self.fields = config_fields(config_class)
        self.initial = config or config_class()
        self.config: TrainConfig | None = self.initial
        self.problems: dict[str, str] = {}
        self.preset: str | None = None
        self.showing: Path | None = None  # the run whose settings are shown read-only

    def _field(self, spec: ConfigField) -> ComposeResult:
        value = getattr(self.initial, spec.name)
        if spec.kind is bool:
            yield Checkbox(spec.param.label, value=value, id=spec.name, compact=True)
            return
        with Horizontal(classes="field"):
            yield Label(spec.param.label, classes="field-label")
            if spec.kind is str:
                options = [(label, choice) for choice, label in spec.param.choices]
                yield Select(options, value=value, allow_blank=False, id=spec.name, compact=True)
            else:
                yield TypedInput(_text(value), id=spec.name, compact=True)
        yield Static("", id=f"{spec.name}-error", classes="field-error")

    def compose(self) -> ComposeResult:
        yield Static("", id="form-problems")
        yield Select(
            ((name, name) for name in PRESETS),
            prompt="preset: spec settings",
            id="preset",
            compact=True,
        )
        yield Static("A preset sets every field.", id="preset-note")
        yield Button("Edit these settings (a new run)", id="edit-settings", compact=True)
        for spec in self.fields:
            yield from self._field(spec)
        yield Button("Start (s)", id="start", variant="success", compact=True)

    def _widget(self, spec: ConfigField):
        kinds: dict[type, type[Widget]] = {bool: Checkbox, str: Select}
        return self.query_one(f"#{spec.name}", kinds.get(spec.kind, Input))

    def values(self) -> dict:
        return {spec.name: self._widget(spec).value for spec in self.fields}

    def _set(self, spec: ConfigField, value) -> None:
        widget = self._widget(spec)
        if spec.kind is bool:
            widget.value = bool(value)
        elif spec.kind is str:
            if value in {choice for choice, _ in spec.param.choices}:
                widget.value = value
        elif value is not None:
            widget.value = _text(value)

    def show_run(self, path: Path, config: dict) -> None:
        """The followed run's settings, read-only (values it lacks keep the form's)."""
        if path == self.showing:
            return
        self.showing = path
        for spec in self.fields:
            if spec.name in config:
                self._set(spec, config[spec.name])
        self._lock(True)
        self.validate()
        note = Text(f"Settings of {path.name} (read-only).", style="bold")
        self.query_one("#preset-note", Static).update(note)

    def _lock(self, locked: bool) -> None:
        for spec in self.fields:
            self._widget(spec).disabled = locked
        self.query_one("#preset", Select).disabled = locked
        self.query_one("#edit-settings", Button).display = locked
        self.query_one("#start", Button).display = not locked

    def edit_settings(self) -> None:
        """Unlock the fields, keeping the shown run's settings as the start of a new run."""
        self._lock(False)
        self.query_one("#preset-note", Static).update("A preset sets every field.")
        self.query_one(f"#{self.fields[0].name}").focus()

    def apply_preset(self, name: str) -> None:
        """Set every field to the preset's value."""
        self.preset = name
        for spec in self.fields:
            value = getattr(PRESETS[name], spec.name)
            self._widget(spec).value = value if spec.kind in (bool, str) else _text(value)

    def _follows_preset(self) -> bool:
        if self.preset is None:
            return False
        target = PRESETS[self.preset]
        return self.config is not None and all(
            getattr(self.config, spec.name) == getattr(target, spec.name) for spec in self.fields
        )

    def action_leave_field(self) -> None:
        """Escape: out of the text field, so that letter keys act again."""
        self.focus()

    def validate(self) -> None:
        self.config, self.problems = parse_form(self.values(), self.config_class)
        for spec in self.fields:
            if spec.kind is bool:
                continue
            problem = self.problems.get(spec.name)
            self.query_one(f"#{spec.name}").set_class(problem is not None, "-invalid")
            error = self.query_one(f"#{spec.name}-error", Static)
            error.update(Text(problem or ""))
            error.display = problem is not None
        self.query_one("#start", Button).disabled = self.config is None
        summary = self.query_one("#form-problems", Static)
        labels = [spec.param.label for spec in self.fields if spec.name in self.problems]
        summary.update(Text(f"{len(labels)} to fix: {', '.join(labels)}") if labels else "")
        summary.display = bool(labels)
        preset = self.query_one("#preset", Select)
        if self.preset is not None and not self._follows_preset():
            self.preset = None
            preset.clear()
        # The blank box says what the fields hold: the spec's settings, or an edit of them.
        as_spec = self.config is not None and self.config == self.config_class()
        if preset.disabled:
            preset.prompt = "preset: none (a run's own)"
        else:
            preset.prompt = "preset: spec settings" if as_spec else "preset: none (edited)"
        self.post_message(self.Changed(self.config, self.problems))

    def on_mount(self) -> None:
        self.query_one("#edit-settings", Button).display = False
        self.validate()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.validate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "preset":
            if event.value in PRESETS and event.value != self.preset:
                self.apply_preset(event.value)
            return  # the fields it set validate as their changes arrive
        self.validate()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.validate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            event.stop()
            self.post_message(self.StartRequested())
        elif event.button.id == "edit-settings":
            event.stop()
            self.edit_settings()
