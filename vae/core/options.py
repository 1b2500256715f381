"""Command-line flags made from the dataclasses that hold the options, so that each option is one field
with one default and one help text (`VAEConfig`, `TrainOptions`), and a saved run's options are JSON
that reads straight back into them.

A field becomes a flag when its metadata has a help text (`option(...)`); its flag is `--` plus the
field's name with dashes, its type the field's annotation, `bool` fields switch on.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def option(default, help: str, **flag):
    """A dataclass field that is also a command-line flag; `flag` goes to argparse (type, choices, metavar,
    or `name` for a flag not named after the field)."""
    return dataclasses.field(default=default, metadata={"help": help, **flag})


def flag_name(field: dataclasses.Field) -> str:
    return field.metadata.get("name") or "--" + field.name.replace("_", "-")


def value_type(annotation):
    """int for `int | None`, and so on."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation


def flag_fields(cls) -> list[tuple[dataclasses.Field, type]]:
    hints = typing.get_type_hints(cls)
    return [(f, value_type(hints[f.name])) for f in dataclasses.fields(cls) if "help" in f.metadata]


def add_flags(parser: argparse.ArgumentParser, cls) -> None:
    """One flag per option field of `cls`, with the field's default, for argparse to fill in."""
    for field, kind in flag_fields(cls):
        settings = {k: v for k, v in field.metadata.items() if k != "name"}
        if kind is bool and "action" not in settings:
            settings["action"] = "store_true"
        elif "action" not in settings:
            settings.setdefault("type", kind)
        parser.add_argument(flag_name(field), dest=field.name, default=field.default, **settings)


def from_flags(cls, args: argparse.Namespace, **extra):
    """`cls` built from the parsed flags of its option fields (and `extra` fields)."""
    return cls(**{field.name: getattr(args, field.name) for field, _ in flag_fields(cls)}, **extra)


def given_flags(cls, argv: list[str]) -> set[str]:
    """The option fields of `cls` whose flags appear on the command line `argv`."""
    spelled = {token.split("=", 1)[0] for token in argv if token.startswith("--")}
    return {field.name for field, _ in flag_fields(cls) if flag_name(field) in spelled}


def command_flags(instance) -> list[str]:
    """The flags that make `instance` from the defaults: every option field that differs from its default."""
    parts = []
    for field, kind in flag_fields(type(instance)):
        value = getattr(instance, field.name)
        if value == field.default:
            continue
        if kind is bool or field.metadata.get("action") == "store_const":
            parts.append(flag_name(field))
        else:
            parts += [flag_name(field), f"{value:g}" if isinstance(value, float) else str(value)]
    return parts
