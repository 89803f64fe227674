"""The command line: parse options, load a model, analyse it, render it.

Library errors (:class:`SpecError`) become one message on stderr and exit 2;
anything else is a bug, reported as such with exit 1.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from cnncalc import sources
from cnncalc.errors import SpecError
from cnncalc.layer import Shape

FORMATS = ("table", "json", "csv", "markdown")
DEFAULT_MAX_LAYERS = 1_000_000  # the engine's own default, repeated so --help needs no import


def fail(error: SpecError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(2)


def parse_input(value: str | None) -> Shape | None:
    """``200x200``, ``3x224x224`` or ``50``."""
    if value is None:
        return None
    parts = value.lower().replace("×", "x").split("x")
    if not all(p.strip().isdigit() for p in parts):
        raise SpecError(f"--input {value}: expected sizes like 3x224x224")
    dims = tuple(int(p) for p in parts)
    if min(dims) < 1:
        raise SpecError(f"--input {value}: every size must be at least 1")
    return dims


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a command, is a spec for ``show``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnncalc")
def cli() -> None:
    """CNN shapes, parameters and costs from a text spec.

    \b
      cnncalc "conv 100x10x10 s1 p0 | pool 2 | fc 10" --input 200x200
      cnncalc lenet5
      cnncalc net.yaml --format json
      cnncalc presets
    """


@cli.command()
@click.argument("spec")
@click.option("--input", "-i", "input_", metavar="CxHxW", help="Input shape, batch excluded.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--compare", is_flag=True, help="Add dense / local / shared weight columns.")
@click.option("--strict", is_flag=True, help="A window that does not tile its input is an error.")
@click.option(
    "--depth", type=click.IntRange(min=1), help="Table: hide rows nested deeper than this."
)
@click.option(
    "--max-layers",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_LAYERS,
    show_default=True,
    help="Refuse networks with more layers than this (repeats unrolled).",
)
def show(
    spec: str,
    input_: str | None,
    fmt: str,
    as_json: bool,
    compare: bool,
    strict: bool,
    depth: int | None,
    max_layers: int,
) -> None:
    """Analyse SPEC: a spec string, a YAML file, a preset name, or - for stdin."""
    from cnncalc.engine import analyze

    try:
        model = sources.load(spec)
        report = analyze(model, parse_input(input_), strict=strict, max_layers=max_layers)
    except SpecError as exc:
        fail(exc)
    fmt = "json" if as_json else fmt
    if fmt == "json":
        from cnncalc.render import json as render_json

        write(render_json.render(report))
    elif fmt == "csv":
        from cnncalc.render.text import render_csv

        write(render_csv(report, compare))
    elif fmt == "markdown":
        from cnncalc.render.text import render_markdown

        write(render_markdown(report, compare))
    else:
        from cnncalc.render import table

        table.render(report, console(), compare, depth)


@cli.command("presets")
def list_presets() -> None:
    """List the presets shipped with cnncalc."""
    from cnncalc import presets

    for name in presets.names():
        model = sources.from_yaml(presets.read(name), f"preset {name}")
        click.echo(f"{name:<16} {model.description}")


def console() -> Any:
    from rich.console import Console

    width = None if sys.stdout.isatty() else 200
    return Console(width=width, no_color="NO_COLOR" in os.environ or None)


def write(text: str) -> None:
    """Write the whole document at once so a reader never sees half of it."""
    sys.stdout.write(text)
    sys.stdout.flush()


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
