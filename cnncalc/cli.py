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
from cnncalc.layer import DEFAULT_MAX_LAYERS, DEPTH_CEILING, MAX_DEPTH, Shape
from cnncalc.memory import DTYPES, OPTIMIZERS

FORMATS = ("table", "json", "csv", "markdown")


def fail(error: SpecError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(2)


def parse_input(value: str | None) -> Shape | None:
    """``200x200``, ``3x224x224`` or ``50``: whole numbers of at least 1, in
    ASCII digits, each of at most 30 digits (:mod:`cnncalc.number`)."""
    if value is None:
        return None
    from cnncalc.errors import LayerError
    from cnncalc.layer import MAX_DIMS
    from cnncalc.number import short, whole

    text = value.lower().replace("×", "x")
    shown = short(value, 60)
    if text.count("x") >= MAX_DIMS:  # counted before the text is split
        raise SpecError(f"--input {shown}: more than {MAX_DIMS} sizes")
    dims = []
    for part in text.split("x"):
        part = part.strip()
        if not part:
            raise SpecError(f"--input {shown}: a size is missing (expected e.g. 3x224x224)")
        try:
            size = whole(part, "size")
        except LayerError as exc:
            raise SpecError(f"--input {shown}: {exc.message.removeprefix('size: ')}") from None
        if size < 1:
            raise SpecError(f"--input {shown}: sizes must be at least 1, got {size}")
        dims.append(size)
    return tuple(dims)


class Count(click.ParamType[int, Any]):
    """A whole number from 1 to 10^30 - 1 (``--batch``), read as a spec's numbers
    are: ASCII digits only, and a message that quotes no more than a few of them."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        from cnncalc.errors import LayerError
        from cnncalc.number import whole

        try:
            count = whole(str(value).strip(), "batch size")
        except LayerError as exc:
            self.fail(exc.message, param, ctx)
        if count < 1:
            self.fail(f"must be at least 1, got {count}", param, ctx)
        return count


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a command, is a spec for ``show``.

    It is also the one place where an unexpected exception (a bug) becomes a
    short report and exit 1, and a closed pipe a quiet exit.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["show", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            quiet_pipe()
        except Exception as exc:  # a bug: say so, and how to report it
            args = " ".join(sys.argv[1:])
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}. This is a bug in cnncalc; "
                f"please report it with the input that caused it: cnncalc {args}",
                err=True,
            )
            sys.exit(1)


def _show_help(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        write(ctx.get_help() + "\n")
        ctx.exit()


def _show_version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from importlib.metadata import version

        write(f"cnncalc, version {version('cnncalc')}\n")
        ctx.exit()


# click's own --help and --version options translate their help texts through
# gettext, which imports locale (a tenth of a call's own time) even when neither
# option is given; these two say the same in English.
help_option = click.option(
    "-h",
    "--help",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_help,
    help="Show this message and exit.",
)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": []})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
@help_option
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
@click.option(
    "--emit",
    type=click.Choice(["torch"]),
    help="Print source code for the network instead: a PyTorch nn.Module.",
)
@click.option("--compare", is_flag=True, help="Add dense / local / shared weight columns.")
@click.option("--rf", is_flag=True, help="Add a receptive field column.")
@click.option(
    "--columns",
    "column_keys",
    metavar="KEYS",
    help="Table, CSV, Markdown: these columns, in this order (e.g. layer,params,macs).",
)
@click.option("--wide", is_flag=True, help="Table: as wide as it needs, whatever the terminal.")
@click.option("--explain", is_flag=True, help="Show each layer's arithmetic with its numbers.")
@click.option(
    "--svg",
    "svg_path",
    metavar="FILE",  # not click.Path: gettext again; a bad path fails on writing
    help="Also draw the network into this SVG file.",
)
@click.option(
    "--png",
    "png_path",
    metavar="FILE",
    help="Also draw it into a PNG (needs a rasteriser).",
)
@click.option(
    "--batch",
    type=Count(),
    default=1,
    show_default=True,
    help="Batch size for memory.",
)
@click.option("--dtype", type=click.Choice(list(DTYPES)), default="float32", show_default=True)
@click.option(
    "--optimizer",
    type=click.Choice(list(OPTIMIZERS)),
    default="adam",
    show_default=True,
    help="Optimiser state counted in the training memory estimate.",
)
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
@click.option(
    "--max-depth",
    type=click.IntRange(min=1, max=DEPTH_CEILING),
    default=MAX_DEPTH,
    show_default=True,
    help="Refuse blocks nested deeper than this.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=sources.DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse spec text or YAML longer than this.",
)
@help_option
def show(
    spec: str,
    input_: str | None,
    fmt: str,
    as_json: bool,
    emit: str | None,
    compare: bool,
    rf: bool,
    column_keys: str | None,
    wide: bool,
    explain: bool,
    svg_path: str | None,
    png_path: str | None,
    batch: int,
    dtype: str,
    optimizer: str,
    strict: bool,
    depth: int | None,
    max_layers: int,
    max_depth: int,
    max_bytes: int,
) -> None:
    """Analyse SPEC: a spec string, a YAML file, a preset name (or preset:NAME), or - for stdin."""
    import gc

    from cnncalc.engine import analyze

    # A short-lived run that makes no reference cycles worth collecting: the
    # cyclic collector would only rescan a large network's objects again and
    # again (a third of the time on 100,000 layers).
    gc.disable()
    if max_depth > MAX_DEPTH:
        # Nested blocks are parsed and walked recursively, a few frames a level:
        # make room for a raised --max-depth whatever stack the caller has used.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    fmt = emit or ("json" if as_json else fmt)
    keys = _column_keys(column_keys, wide, fmt)
    try:
        model = sources.load(spec, max_layers, max_bytes, max_depth)
        report = analyze(model, parse_input(input_), strict=strict, max_layers=max_layers)
    except SpecError as exc:
        fail(exc)
    from cnncalc.render import Options, render

    if sys.stdout is None:  # say so before drawing anything
        cannot_write("stdout is closed")
    if svg_path or png_path:
        from cnncalc import pictures

        try:
            inputs = _input_files(spec)
            pictures.save(render(report, "svg", model=model), svg_path, png_path, inputs)
        except SpecError as exc:
            fail(exc)
    options = Options(compare, rf, depth, sys.stdout.isatty(), batch, dtype, optimizer, explain)
    options = options.replace(wide=wide, columns=keys)  # by name: Options grows
    write(render(report, fmt, options, model))


def _column_keys(text: str | None, wide: bool, fmt: str) -> tuple[str, ...] | None:
    """``--columns`` checked against the registry and the format; ``--wide``
    against the format: neither is ever silently ignored."""
    if wide and fmt != "table":
        fail(SpecError(f"--wide is for the table; --format {fmt} is not one"))
    if text is None:
        return None
    from cnncalc.render.columns import SHARES, parse_keys

    if fmt not in ("table", "csv", "markdown"):
        fail(SpecError(f"--columns picks the columns of the table, CSV or Markdown, not {fmt}"))
    try:
        keys = parse_keys(text)
    except ValueError as exc:
        fail(SpecError(str(exc)))
    bars = [c.key for c in SHARES if c.key in keys]
    if bars and fmt != "table":
        fail(SpecError(f"--columns {bars[0]}: the share bars are in the table only, not {fmt}"))
    return keys


def _input_files(spec: str) -> list[os.stat_result]:
    """The files the model was read from (a spec file, a preset, stdin), to keep
    --svg and --png off them."""
    found = []
    source = sources.resolve(spec)
    try:
        if source.path is not None:
            found.append(os.stat(source.path))
        if source.kind == "stdin" and sys.stdin is not None:
            found.append(os.fstat(sys.stdin.fileno()))
    except (OSError, ValueError):  # stdin without a descriptor (an embedding caller's)
        pass
    return found


@cli.command("solve")
@click.option("--in", "size_in", type=click.IntRange(min=1), required=True, help="Input size.")
@click.option("--out", "size_out", type=click.IntRange(min=1), required=True, help="Output size.")
@click.option("--kernel", type=click.IntRange(min=1), help="Pin the kernel size.")
@click.option("--stride", type=click.IntRange(min=1), help="Pin the stride.")
@click.option("--padding", type=click.IntRange(min=0), help="Pin the padding.")
@click.option("--dilation", type=click.IntRange(min=1), help="Pin the dilation (default 1).")
@click.option("--max-kernel", type=click.IntRange(min=1), default=11, show_default=True)
@click.option("--max-stride", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--transposed", is_flag=True, help="Solve for a transposed convolution.")
@click.option("--exact", is_flag=True, help="Only windows that tile the input exactly.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the solutions as JSON.")
@help_option
def solve_command(
    size_in: int,
    size_out: int,
    kernel: int | None,
    stride: int | None,
    padding: int | None,
    dilation: int | None,
    max_kernel: int,
    max_stride: int,
    transposed: bool,
    exact: bool,
    limit: int,
    as_json: bool,
) -> None:
    """Which kernel, stride, padding and dilation take --in to --out, smallest first.

    \b
      cnncalc solve --in 224 --out 112
      cnncalc solve --in 224 --out 112 --kernel 7
      cnncalc solve --in 7 --out 14 --transposed
    """
    import json
    from dataclasses import asdict
    from itertools import islice

    from cnncalc.solve import Bounds, SearchTooWide, solve

    def pin(value: int | None, default: range) -> range:
        return range(value, value + 1) if value is not None else default

    bounds = Bounds(
        kernels=pin(kernel, range(1, max_kernel + 1)),
        strides=pin(stride, range(1, max_stride + 1)),
        paddings=pin(padding, range(0)) if padding is not None else None,
        dilations=pin(dilation, range(1, 2)),
    )
    try:
        solutions = list(islice(solve(size_in, size_out, bounds, transposed, exact), limit + 1))
    except SearchTooWide as stop:
        fail(
            SpecError(
                f"the search for {size_in} → {size_out} is too wide: nothing more up to kernel "
                f"{stop.kernel:,}; pin --kernel or --stride, or lower --max-kernel/--max-stride"
            )
        )
    if not solutions:
        what = "transposed convolution" if transposed else "window"
        grow = size_out > size_in and not transposed
        fail(
            SpecError(
                f"no {what} takes {size_in} to {size_out} with kernel ≤ {bounds.kernels[-1]} "
                f"and stride ≤ {bounds.strides[-1]}; "
                + ("to make a size larger, try --transposed, or " if grow else "")
                + "widen --max-kernel/--max-stride or unpin a value"
            )
        )
    more = len(solutions) > limit
    solutions = solutions[:limit]
    if as_json:
        write(json.dumps([asdict(s) for s in solutions], indent=2) + "\n")
        return
    head = f"{'kernel':>6} {'stride':>6} {'padding':>7} {'dilation':>8}"
    head += f" {'output_padding':>14}" if transposed else "  tiles exactly"
    lines = [f"{size_in} → {size_out}", head]
    for s in solutions:
        row = f"{s.kernel:>6} {s.stride:>6} {s.padding:>7} {s.dilation:>8}"
        row += f" {s.output_padding:>14}" if transposed else f"  {'yes' if s.exact else 'no'}"
        lines.append(row)
    if more:
        lines.append(f"… more: pin --kernel/--stride or raise --limit ({limit})")
    write("\n".join(lines) + "\n")


@cli.command("presets")
@help_option
def list_presets() -> None:
    """List the presets shipped with cnncalc."""
    from cnncalc import presets

    lines = [f"{name:<16} {presets.load(name).description}\n" for name in presets.names()]
    write("".join(lines))


def write(text: str) -> None:
    """Write the whole document at once so a reader never sees half of it.

    Every line cnncalc prints to stdout goes through here: a reader that went
    away is a quiet exit 0, any other failure (a full disk, a closed stdout)
    one line and exit 2.
    """
    if sys.stdout is None:  # started with stdout closed (`cnncalc ... >&-`)
        cannot_write("stdout is closed")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_pipe()
    except OSError as exc:
        cannot_write(exc.strerror or str(exc))


def cannot_write(reason: str) -> NoReturn:
    click.echo(f"error: cannot write output: {reason}", err=True)
    _silence_stdout()  # what is still buffered must not fail again at exit
    sys.exit(2)


def quiet_pipe() -> NoReturn:
    """The reader went away (``cnncalc vgg16 | head -3``): stop without a word."""
    _silence_stdout()
    sys.exit(0)


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null so that the flush at exit succeeds."""
    try:
        fileno = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # none, or not a real file (tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def main() -> None:
    """The console script: click's own usage errors become one line too."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except _NO_ARGS as exc:  # plain `cnncalc`: the help, as asked for
        write(exc.format_message() + "\n")
        sys.exit(0)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "cnncalc"
        click.echo(f"error: {exc.format_message()} (see {command} --help)", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.Abort):  # Ctrl-C: no traceback
        click.echo("interrupted", err=True)
        sys.exit(130)
