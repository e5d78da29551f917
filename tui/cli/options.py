"""Options the commands share, and the options of every TrainConfig field, generated from
the one schema in engine/config.py (so a new field needs no edit here)."""

from __future__ import annotations

import functools
import inspect
import tempfile
import typing
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from linclf.engine.config import ConfigField, TrainConfig, config_fields
from linclf.engine.errors import UsageError

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The cifar-10-batches-py folder. Default: $LINCLF_DATA, else "
        "Datasets/cifar-10-batches-py (unpacked from Datasets/cifar-10-python.tar.gz if needed).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout (human output on stderr).")
]
JobsOption = Annotated[int, typer.Option(help="Local worker processes (default: all cores).")]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="Run on the Dask cluster at this address (tcp://host:port; pip install "
        "'linclf\\[dask]')."
    ),
]


def writable_folder(folder: Path, create: bool = True) -> Path:
    """Prove that an output folder (--out) can take files before a long command starts work it
    could not save: create it and write a file in it, or (create=False, for a command that
    must write nothing when its input is refused) write a file in its nearest existing
    ancestor. An OSError names the folder itself, for the error table (tui/cli/errors.py): a
    file in its place, no permission, a name too long."""
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        probe = folder
        while not create and not probe.exists() and probe != probe.parent:
            probe = probe.parent
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(folder)) from None
    return folder


def _choices(spec: ConfigField) -> type[Enum]:
    members = {value: value for value, _ in spec.param.choices}
    # Enum's functional API makes a class; with a computed name mypy types it as a member.
    return Enum(spec.name.title(), members, type=str)  # type: ignore[return-value]


def _parameter(spec: ConfigField, grid: bool, grid_default: Sequence | None) -> inspect.Parameter:
    """The Typer parameter of one config field."""
    help_text = spec.param.help
    kind: type
    if spec.kind is bool:
        option = typer.Option(f"{spec.flag}/--no-{spec.flag[2:]}", help=help_text)
        kind, default = bool, spec.default
    elif grid:
        option = typer.Option(spec.flag, help=f"{help_text} Comma-separated values make a grid.")
        values = grid_default if grid_default is not None else (spec.default,)
        kind, default = str, ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)
    elif spec.kind is str:
        kind = _choices(spec)
        option, default = typer.Option(spec.flag, help=help_text), kind(spec.default)
    else:
        option = typer.Option(spec.flag, help=help_text)
        kind, default = spec.kind, spec.default
    return inspect.Parameter(
        spec.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[kind, option],
    )


def _values(spec: ConfigField, raw: Any, grid: bool) -> Any:
    """The value(s) of a field as the command receives them: one value, or a list with grid."""
    if isinstance(raw, Enum):
        raw = raw.value
    if not grid or spec.kind is bool:
        return [raw] if grid else raw
    values = []
    for item in raw.split(","):
        try:
            values.append(spec.parse(item))
        except ValueError as err:
            raise UsageError(f"{spec.flag}: {item.strip()!r} {err}") from None
    return values


def config_options(
    grid: bool = False,
    grid_defaults: Mapping[str, Sequence] | None = None,
    config_class: type = TrainConfig,
) -> Callable:
    """Give a command one option per field of config_class. The command's first parameter
    receives them as {field: value}; with grid, every field but the switches takes a
    comma-separated list and the command receives {field: [values]}."""
    specs = config_fields(config_class)
    generated = [_parameter(s, grid, (grid_defaults or {}).get(s.name)) for s in specs]

    def decorate(command: Callable) -> Callable:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in list(inspect.signature(command).parameters.values())[1:]
        ]

        @functools.wraps(command)
        def wrapper(**kwargs):
            values = {s.name: _values(s, kwargs.pop(s.name), grid) for s in specs}
            return command(values, **kwargs)

        parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in generated + own]
        # Typer reads the signature inspect finds here; typeshed's wrapper type lacks the slot.
        wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate
