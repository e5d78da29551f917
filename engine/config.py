"""The hyper-parameters of a run, declared once.

Each TrainConfig field carries a Param: its label, help text and allowed values. The options
of `linclf train` and `linclf search`, the TUI form, the columns of a search's results.csv and
the validation messages are all generated from these declarations, so adding a field here is
the only edit it needs. This module imports nothing heavy: `linclf --help` builds its options
from it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from numbers import Integral, Real
from typing import Any, cast

from linclf.engine.errors import ConfigError

HEADS = ("softmax", "sigmoid")
DTYPE_NAMES = ("float64", "float32")
SPLITS = ("spec", "all")
MAX_EPOCHS = 100_000
MAX_ETA = 1e6
MAX_LAM = 1e6


@dataclass(frozen=True)
class Param:
    """How a field is labelled, explained and bounded (numbers) or chosen (text)."""

    label: str
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the low end itself is not allowed (eta > 0)
    choices: tuple[tuple[str, str], ...] = ()  # (value, what it means)


def param(default: Any, label: str, help: str, **bounds: Any) -> Any:
    return field(default=default, metadata={"param": Param(label, help, **bounds)})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. Defaults: the spec's first experiment."""

    lam: float = param(0.0, "λ lam", "L2 regularisation λ (eq. 5).", low=0.0, high=MAX_LAM)
    eta: float = param(
        0.001, "η eta", "Learning rate η (eqs. 8–9).", low=0.0, high=MAX_ETA, low_open=True
    )
    n_batch: int = param(100, "n_batch", "Mini-batch size.", low=1, high=10**7)
    n_epochs: int = param(40, "n_epochs", "Passes over the training set.", low=1, high=MAX_EPOCHS)
    seed: int = param(42, "seed", "Seed of the one random generator.", low=0, high=2**63 - 1)
    head: str = param(
        "softmax",
        "head",
        "softmax + cross-entropy, or sigmoid + multiple binary cross-entropy (Ex. 2.2).",
        choices=(("softmax", "softmax + CE"), ("sigmoid", "sigmoid + BCE")),
    )
    dtype: str = param(
        "float64",
        "dtype",
        "Floating-point type.",
        choices=(("float64", "float64"), ("float32", "float32")),
    )
    split: str = param(
        "spec",
        "split",
        "spec: batch 1 / batch 2 / test; all: all five batches less --n-val (Ex. 2.1a).",
        choices=(("spec", "spec: 1 / 2 / test"), ("all", "all data")),
    )
    n_val: int = param(
        1000, "n_val (all)", "Validation images held out with --split all.", low=1, high=49_999
    )
    shuffle: bool = param(True, "shuffle", "Shuffle the training set each epoch.")
    flip: bool = param(
        False, "flip images", "Flip each drawn image horizontally with probability 0.5 (Ex. 2.1b)."
    )
    shift: int = param(
        0,
        "shift (px)",
        "Translate each drawn image by up to this many pixels; 0 = off.",
        low=0,
        high=8,
    )
    whiten: float = param(
        0.0,
        "whiten ε",
        "Partial ZCA whitening with this ε: the training set's top 300 principal directions "
        "shrunk (an affine map; 0 = off).",
        low=0.0,
        high=MAX_LAM,
    )
    decay_every: int = param(
        0,
        "decay every",
        "Multiply eta by --decay-factor every N epochs (Ex. 2.1d); 0 = never.",
        low=0,
        high=MAX_EPOCHS,
    )
    decay_factor: float = param(
        0.1, "decay factor", "Step-decay factor.", low=0.0, high=1.0, low_open=True
    )

    def problems(self, n_train: int | None = None) -> dict[str, str]:
        """Field name → why its value cannot be used (empty when all is well). With n_train,
        n_batch may not exceed the training set."""
        found = {}
        for spec in config_fields(type(self)):
            problem = spec.problem(getattr(self, spec.name))
            if problem:
                found[spec.name] = problem
        if self.whiten and self.shift and "whiten" not in found:
            found["whiten"] = (
                "whiten cannot be combined with shift (a translated whitened image is not the "
                "whitened translated image)"
            )
        if n_train is not None and "n_batch" not in found and self.n_batch > n_train:
            found["n_batch"] = (
                f"n_batch must lie in 1..{n_train}, got {self.n_batch} "
                f"(the training set has {n_train} images)"
            )
        return found

    def validate(self, n_train: int | None = None) -> None:
        found = self.problems(n_train)
        if found:
            raise ConfigError("; ".join(found.values()))

    def eta_at(self, epoch: int) -> float:
        """Step decay: eta × decay_factor every decay_every epochs (epochs count from 1)."""
        if not self.decay_every:
            return self.eta
        return self.eta * self.decay_factor ** ((epoch - 1) // self.decay_every)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """A config from saved values; keys it does not know (a newer format) are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


@dataclass(frozen=True)
class ConfigField:
    """One TrainConfig field as the doors see it: its name, kind, default and Param."""

    name: str
    kind: type  # float, int, bool or str
    default: Any
    param: Param

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, text: str) -> Any:
        """A typed value from text (a form field, a CSV cell, an item of a comma list); the
        ValueError says what is wrong without naming the field."""
        text = text.strip()
        if not text:
            raise ValueError("is empty")
        if self.kind is bool:
            lowered = text.lower()
            if lowered in ("true", "yes", "on", "1"):
                return True
            if lowered in ("false", "no", "off", "0"):
                return False
            raise ValueError("must be true or false")
        if self.kind is int:
            try:
                return int(text)
            except ValueError:
                raise ValueError("must be a whole number") from None
        if self.kind is float:
            try:
                return float(text)
            except ValueError:
                raise ValueError("must be a number") from None
        return text

    def problem(self, value: Any) -> str | None:
        """Why value cannot be used for this field, or None."""
        name, spec = self.name, self.param
        if self.kind is bool:
            return None if isinstance(value, bool) else f"{name} must be true or false"
        if self.kind is str:
            allowed = [choice for choice, _ in spec.choices]
            if value in allowed:
                return None
            return f"{name} must be one of {', '.join(allowed)}, got {value!r}"
        if isinstance(value, bool) or not isinstance(value, Integral if self.kind is int else Real):
            kind = "a whole number" if self.kind is int else "a number"
            return f"{name} must be {kind}, got {value!r}"
        if self.kind is float and not math.isfinite(value):
            return f"{name} must be finite, got {value}"
        low, high = spec.low, spec.high
        value = cast(float, value)  # a Real, whose stubs declare no `>`
        if (low is None or value > low or (value == low and not spec.low_open)) and (
            high is None or value <= high
        ):
            return None
        if self.kind is int:
            return f"{name} must lie in {low}..{high}, got {value}"
        bracket = "(" if spec.low_open else "["
        return f"{name} must lie in {bracket}{low:g}, {high:g}], got {value:g}"


_KINDS = {"float": float, "int": int, "bool": bool, "str": str}


def config_fields(cls: type = TrainConfig) -> tuple[ConfigField, ...]:
    """The fields of a config class, in declaration order (the order every door shows)."""
    return tuple(
        ConfigField(
            f.name,
            f.type if isinstance(f.type, type) else _KINDS[f.type],
            f.default,
            f.metadata["param"],
        )
        for f in fields(cls)
    )


# The grid `linclf search` explores when given no values for these fields.
GRID_DEFAULTS: dict[str, tuple] = {
    "lam": (0.0, 0.001, 0.01, 0.1),
    "eta": (0.001, 0.005, 0.01),
    "n_batch": (50, 100),
}
