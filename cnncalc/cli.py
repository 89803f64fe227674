"""The command line: parse options, load a model, analyse it, render it.

Library errors (:class:`SpecError`) become one message on stderr and exit 2;
anything else is a bug, reported as such with exit 1.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from cnncalc import collector, sources
from cnncalc.errors import SpecError
from cnncalc.layer import DEFAULT_MAX_LAYERS, DEPTH_CEILING, MAX_DEPTH
from cnncalc.memory.model import AMP, DTYPES, OPTIMIZERS
from cnncalc.shapes import parse_input

FORMATS = ("table", "json", "csv", "markdown")
F = TypeVar("F", bound=Callable[..., Any])


def complain(text: str) -> None:
    """A message on stderr. One that cannot be written (stderr closed or full)
    is dropped: the exit code still says what happened."""
    with contextlib.suppress(OSError, ValueError):
        click.echo(text, err=True)


def fail(error: SpecError) -> NoReturn:
    complain(error.render())
    sys.exit(2)


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


class Finite(click.FloatRange):
    """A float range that refuses NaN, which every comparison lets through."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if number != number:  # NaN
            self.fail(f"{value} is not in the range {self._describe_range()}.", param, ctx)
        return number


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a command, is a spec for ``show``.

    It is also the one place where an unexpected exception (a bug) becomes a
    short report and exit 1, and a closed pipe a quiet exit.
    """

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The group's help, then what ``cnncalc SPEC`` takes: the analysis
        options are the ones people come for, and ``show`` is implied."""
        super().format_help(ctx, formatter)
        show = self.commands["show"]
        with click.Context(show, info_name="cnncalc", parent=None) as sub:
            formatter.write_paragraph()
            formatter.write_text("cnncalc SPEC [OPTIONS] (the show command, implied):")
            show.format_options(sub, formatter)

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
            from cnncalc.escape import printable

            args = printable(" ".join(sys.argv[1:])[:2000])
            complain(
                f"internal error: {type(exc).__name__}: {printable(str(exc)[:500])}. This is a "
                f"bug in cnncalc; please report it with the input that caused it: cnncalc {args}"
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
      cnncalc examples/net.yaml --format json
      cnncalc presets
    """


def _options(*options: Callable[[F], F]) -> Callable[[F], F]:
    """Click options as one decorator (sqlite-utils' ``output_options``): the
    groups below are shared by the commands that take them, in this order."""

    def apply(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


report_options = _options(
    click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table"),
    click.option("--json", "as_json", is_flag=True, help="Same as --format json."),
    click.option(
        "--emit",
        type=click.Choice(["torch"]),
        help="Print source code for the network instead: a PyTorch nn.Module.",
    ),
    click.option("--compare", is_flag=True, help="Add dense / local / shared weight columns."),
    click.option("--rf", is_flag=True, help="Add a receptive field column."),
    click.option(
        "--columns",
        "column_keys",
        metavar="KEYS",
        help="Table, CSV, Markdown: these columns, in this order (e.g. layer,params,macs).",
    ),
    click.option("--wide", is_flag=True, help="Table: as wide as it needs, whatever the terminal."),
    click.option("--explain", is_flag=True, help="Show each layer's arithmetic with its numbers."),
)
"""What the report is and shows: its format, columns and explanations."""


picture_options = _options(
    click.option(
        "--svg",
        "svg_path",
        metavar="FILE",  # not click.Path: gettext again; a bad path fails on writing
        help="Also draw the network into this SVG file.",
    ),
    click.option(
        "--png",
        "png_path",
        metavar="FILE",
        help="Also draw it into a PNG (needs a rasteriser).",
    ),
    click.option(
        "--layout",
        type=click.Choice(["auto", "rows", "strip"]),
        default=None,
        help="--svg/--png: rows at a slide's aspect, one strip, or auto (rows when the strip "
        "is over 1600 px wide; the default).",
    ),
    click.option(
        "--scale",
        type=Finite(0.25, 8.0),
        default=None,
        metavar="X",
        help="--png: pixels per SVG unit (default 2).",
    ),
    click.option(
        "--html",
        "html_path",
        metavar="FILE",
        help="Also write a self-contained page: diagram, table, arithmetic, plots.",
    ),
)
"""The picture and the page written beside the report."""


memory_options = _options(
    click.option(
        "--batch",
        type=Count(),
        default=1,
        show_default=True,
        help="Batch size for memory.",
    ),
    click.option("--dtype", type=click.Choice(list(DTYPES)), default="float32", show_default=True),
    click.option(
        "--optimizer",
        type=click.Choice(list(OPTIMIZERS)),
        default="adam",
        show_default=True,
        help="Optimiser state counted in the training memory estimate.",
    ),
    click.option(
        "--amp",
        type=click.Choice(list(AMP)),
        help="Memory under autocast (mixed precision): float32 weights, half activations.",
    ),
    click.option(
        "--inplace/--no-inplace",
        "inplace_relu",
        default=True,
        show_default=True,
        help="ReLUs work in place, as torchvision builds them; --no-inplace if not.",
    ),
    click.option(
        "--attention",
        type=click.Choice(["auto", "math", "flash", "efficient"]),
        default="auto",
        show_default=True,
        help="The attention kernel memory assumes; auto: flash for 2-byte types, "
        "memory-efficient for float32, as PyTorch picks on a CUDA GPU.",
    ),
    click.option(
        "--memory",
        "kept",
        is_flag=True,
        help="Add a column of what each layer keeps for backward (bytes).",
    ),
    click.option(
        "--fit",
        "fit_size",
        metavar="SIZE",
        help="Print the largest batch whose memory fits in SIZE (24GiB, 24G, 24GB, bytes).",
    ),
)
"""The memory estimate: batch, dtypes, optimiser, --fit."""


check_options = _options(
    click.option(
        "--strict",
        is_flag=True,
        help="Every warning is an error (a window that does not tile its input...).",
    ),
    click.option(
        "--strict-notes",
        is_flag=True,
        help="Every warning and every note is an error (unused padding, strided 1x1...).",
    ),
    click.option(
        "--depth", type=click.IntRange(min=1), help="Table: hide rows nested deeper than this."
    ),
)
"""How strictly the spec is read, how deep the table goes."""


limit_options = _options(
    click.option(
        "--max-layers",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_LAYERS,
        show_default=True,
        help="Refuse networks with more layers than this (repeats unrolled).",
    ),
    click.option(
        "--max-depth",
        type=click.IntRange(min=1, max=DEPTH_CEILING),
        default=MAX_DEPTH,
        show_default=True,
        help="Refuse blocks nested deeper than this.",
    ),
    click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=sources.DEFAULT_MAX_BYTES,
        show_default=True,
        help="Refuse spec text or YAML longer than this.",
    ),
)
"""The bounds on what is read: layers, nesting, bytes."""


@cli.command(short_help="Analyse SPEC (implied: cnncalc SPEC is cnncalc show SPEC).")
@click.argument("spec")
@click.option("--input", "-i", "input_", metavar="CxHxW", help="Input shape, batch excluded.")
@report_options
@picture_options
@memory_options
@check_options
@limit_options
@help_option
def show(spec: str, input_: str | None, **given: Any) -> None:
    """Analyse SPEC: a spec string, a YAML file, a preset name (or preset:NAME), or - for stdin."""
    from cnncalc.engine import analyze

    collector.off()  # a short run that makes no reference cycles worth collecting
    if given["max_depth"] > MAX_DEPTH:
        # Nested blocks are parsed and walked recursively, a few frames a level:
        # make room for a raised --max-depth whatever stack the caller has used.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    ctx = click.get_current_context()
    fmt, as_json, emit = given["fmt"], given["as_json"], given["emit"]
    svg_path, png_path, html_path = given["svg_path"], given["png_path"], given["html_path"]
    fit_size, amp, dtype = given["fit_size"], given["amp"], given["dtype"]
    shown = emit or ("json" if as_json else fmt)  # the document written
    from cnncalc.render import Options, render

    chosen = {field: given[param] for param, field in OPTION_FIELDS.items() if field != "columns"}
    options = Options(
        **chosen,
        amp=AMP[amp] if amp else None,
        tty=sys.stdout is not None and sys.stdout.isatty(),
        given=frozenset(field for param, field in OPTION_FIELDS.items() if _typed(ctx, param))
        | ({"amp"} if amp else set()),
    )
    try:
        options.check(shown)
        options = options.replace(columns=_column_keys(given["column_keys"], shown))
        _check_options(fmt, as_json, emit, svg_path, png_path)
        _check_picture_options(given["layout"], given["scale"], svg_path, png_path)
        _check_ignored(ctx, fit_size, fmt)
        limit = _memory_options(fit_size, emit, amp, dtype)
        max_layers = given["max_layers"]
        model = sources.load(spec, max_layers, given["max_bytes"], given["max_depth"])
        report = analyze(
            model,
            parse_input(input_),
            strict=given["strict"],
            max_layers=max_layers,
            strict_notes=given["strict_notes"],
        )
    except SpecError as exc:
        fail(exc)
    if limit is not None:
        from cnncalc.memory.fit import fit
        from cnncalc.render import fit as fit_render

        found = fit(
            report,
            limit,
            dtype,
            options.optimizer,
            options.amp,
            options.inplace_relu,
            options.attention,
        )
        json_out = as_json or fmt == "json"
        write((fit_render.render_json if json_out else fit_render.render_text)(report, found))
        return
    if sys.stdout is None:  # say so before drawing anything
        cannot_write("stdout is closed")
    if svg_path or png_path or html_path:
        from cnncalc import pictures

        note = None
        try:
            inputs = _input_files(spec)
            # every target before any is written (save checks its two again, for the library)
            targets = {"--html": html_path, "--svg": svg_path, "--png": png_path}
            pictures.check_targets(targets, inputs)
            files: list[tuple[str, bytes]] = []
            if svg_path or png_path:
                from cnncalc.render import svg

                drawn = svg.render(report, given["layout"] or "auto")
                scale = given["scale"]
                made, note = pictures.drawings(
                    drawn, svg_path, png_path, 2.0 if scale is None else scale
                )
                files += made
            if html_path:
                files.append((html_path, render(report, "html", options).encode("utf-8")))
            for path, data in files:  # each made before any is written
                pictures.write_file(path, data)
        except SpecError as exc:
            fail(exc)
        if note is not None:
            complain(note)
    write(render(report, shown, options))


PICTURES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".pdf", ".webp")
"""Names that say which picture a file holds: ``--png`` into one of the others is refused."""


def _check_options(
    fmt: str,
    as_json: bool,
    emit: str | None,
    svg_path: str | None,
    png_path: str | None,
) -> None:
    """Options that would be silently ignored together are an error instead (the
    ones a document ignores: :meth:`cnncalc.render.Options.check`)."""
    if emit and (as_json or fmt != "table"):
        given = "--json" if as_json else f"--format {fmt}"
        raise SpecError(f"--emit {emit} prints source code, {given} a report: give one of them")
    for path, option, suffix in ((png_path, "--png", ".png"), (svg_path, "--svg", ".svg")):
        other = os.path.splitext(path or "")[1].lower()
        # a picture of another kind by its name (one file for both: refused below)
        same = svg_path and png_path and os.path.abspath(svg_path) == os.path.abspath(png_path)
        if other in PICTURES and other != suffix and not same:
            kind = suffix[1:].upper()
            raise SpecError(f"{option} writes {kind}; name the file {suffix} (got {path})")


FIT_IGNORES = (
    "batch",
    "explain",
    "depth",
    "rf",
    "compare",
    "kept",
    "column_keys",
    "wide",
    "svg_path",
    "png_path",
    "html_path",
)
"""What ``--fit`` has no use for: it prints batch sizes and nothing else."""


OPTION_FIELDS = {
    "compare": "compare",
    "rf": "rf",
    "depth": "depth",
    "batch": "batch",
    "dtype": "dtype",
    "optimizer": "optimizer",
    "explain": "explain",
    "inplace_relu": "inplace_relu",
    "attention": "attention",
    "kept": "kept",
    "wide": "wide",
    "column_keys": "columns",
}
"""The CLI's parameters that are :class:`~cnncalc.render.Options` fields, by name
(--amp, whose choice names a dtype there, is set apart)."""


def _typed(ctx: click.Context, name: str) -> bool:
    """Whether the user gave the option ``name`` (not its default)."""
    from click.core import ParameterSource

    source = ctx.get_parameter_source(name)
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def _check_ignored(ctx: click.Context, fit_size: str | None, fmt: str) -> None:
    """An option ``--fit`` would ignore is an error naming the pair, as for
    ``--layout`` without a picture."""
    if fit_size is None:
        return
    if fmt in ("csv", "markdown"):
        raise SpecError(
            f"--fit prints the batch sizes that fit (as text, or JSON with --json); "
            f"--format {fmt} has no effect on it: leave one out"
        )
    for name in FIT_IGNORES:
        if _typed(ctx, name):
            param = next(p for p in ctx.command.params if p.name == name)
            raise SpecError(
                f"--fit prints the batch sizes that fit; {param.opts[0]} has no effect on it: "
                "leave one out"
            )


def _check_picture_options(
    layout: str | None, scale: float | None, svg_path: str | None, png_path: str | None
) -> None:
    """--layout draws a picture and --scale sizes a PNG: without one, an error."""
    if layout is not None and not (svg_path or png_path):
        raise SpecError("--layout arranges the picture of --svg or --png: give one of them")
    if scale is not None and not png_path:
        raise SpecError("--scale sets the size of the --png picture: give --png FILE")


def _memory_options(
    fit_size: str | None, emit: str | None, amp: str | None, dtype: str
) -> int | None:
    """Check the memory options that go together; ``--fit``'s size in bytes."""
    if amp and dtype != "float32":
        raise SpecError(f"--amp {amp} keeps float32 weights: it needs --dtype float32, not {dtype}")
    if fit_size is None:
        return None
    if emit:
        raise SpecError("--fit prints batch sizes, --emit source code: give one of them")
    from cnncalc.memory.fit import parse_size

    return parse_size(fit_size)


def _column_keys(text: str | None, fmt: str) -> tuple[str, ...] | None:
    """``--columns`` checked against the registry (the format's own check is
    :meth:`~cnncalc.render.Options.check`'s)."""
    if text is None:
        return None
    from cnncalc.render.columns import SHARES, parse_keys

    try:
        keys = parse_keys(text)
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    bars = [c.key for c in SHARES if c.key in keys]
    if bars and fmt != "table":
        raise SpecError(f"--columns {bars[0]}: the share bars are in the table only, not {fmt}")
    return keys


def _input_files(spec: str) -> list[os.stat_result]:
    """The files the model was read from (a spec file, a preset, stdin), to keep
    --svg and --png off them."""
    found = []
    source = sources.resolve(spec)
    paths = [source.path] if source.path is not None else []
    if source.kind == "preset" and source.path is not None:
        from cnncalc import presets

        paths = presets.files(source.path)  # its YAML or family file, its parsed form
    for path in paths:
        with contextlib.suppress(OSError):
            found.append(os.stat(path))
    try:
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
    from itertools import islice

    from cnncalc.solve import LISTED, Bounds, SearchTooWide, same, solve

    def pin(value: int | None, default: range) -> range:
        return range(value, value + 1) if value is not None else default

    bounds = Bounds(
        kernels=pin(kernel, range(1, max_kernel + 1)),
        strides=pin(stride, range(1, max_stride + 1)),
        paddings=pin(padding, range(0)) if padding is not None else None,
        dilations=pin(dilation, range(1, 2)),
    )
    listed = min(limit, LISTED)  # islice takes at most sys.maxsize
    try:
        solutions = list(islice(solve(size_in, size_out, bounds, transposed, exact), listed + 1))
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
        uneven = None if transposed or exact else same(size_in, size_out, bounds)
        if uneven is not None:  # psame pads unevenly: 10 wide at stride 1 is 4 + 5
            k, s, d, left, right = uneven
            options = (f" s{s}" if s > 1 else "") + (f" d{d}" if d > 1 else "")
            fail(
                SpecError(
                    f"no window with the same padding on both sides takes {size_in} to "
                    f"{size_out} with kernel ≤ {bounds.kernels[-1]} and stride ≤ "
                    f"{bounds.strides[-1]}; psame does: kernel {k}, stride {s}, padded "
                    f"{left} + {right} (Keras's 'same'; torch's padding='same' at stride 1), "
                    f"e.g. conv 64x{k}x{k}{options} psame"
                )
            )
        fail(
            SpecError(
                f"no {what} takes {size_in} to {size_out} with kernel ≤ {bounds.kernels[-1]} "
                f"and stride ≤ {bounds.strides[-1]}; "
                + ("to make a size larger, try --transposed, or " if grow else "")
                + "widen --max-kernel/--max-stride or unpin a value"
            )
        )
    from cnncalc.render import solutions as answer

    shown = solutions[:listed]
    if as_json:
        write(answer.render_json(shown))
        return
    more = answer.more(limit) if len(solutions) > listed else ""
    write(answer.render_text(size_in, size_out, shown, transposed, more))


@cli.command("presets")
@help_option
def list_presets() -> None:
    """List the presets shipped with cnncalc."""
    import math

    from cnncalc import presets
    from cnncalc.engine import analyze
    from cnncalc.escape import printable
    from cnncalc.layer import shape_text

    # a terminal (or COLUMNS) has a width: a description that would pass it goes on a
    # line of its own below, cut to fit; in a pipe every row is one line, in full
    width = None
    if os.environ.get("COLUMNS") or (sys.stdout is not None and sys.stdout.isatty()):
        from cnncalc.render.table import _columns

        width = _columns()
    groups = presets.families()
    name_width = max([24, *(len(n) for _, members in groups for n in members)])
    lines = []
    for family, members in groups:
        lines.append(f"{family}\n")
        for name in members:
            model = presets.load(name)
            report = analyze(model)
            gmacs = report.total.macs / 1e9
            # three decimals as torchvision publishes them; two significant digits below 0.1
            places = 3 if gmacs >= 0.1 or gmacs == 0 else max(3, 1 - math.floor(math.log10(gmacs)))
            figure = f"{gmacs:.{places}f}"
            row = (
                f"  {name:<{name_width}} {shape_text(report.input_shape):<12}"
                f" {report.total.params:>12,} {figure:>9} GMACs"
            )
            description = printable(model.description)
            if width is None or len(row) + 2 + len(description) <= width:
                lines.append(f"{row}  {description}\n")
                continue
            room = max(width - 4, 10)
            cut = description if len(description) <= room else description[: room - 1] + "…"
            lines.append(f"{row}\n    {cut}\n")
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
    complain(f"error: cannot write output: {reason}")
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
    except click.UsageError as exc:  # the message may quote the user's words: escaped
        from cnncalc.escape import printable

        command = exc.ctx.command_path if exc.ctx else "cnncalc"
        command = command.removesuffix(" show")  # show is implied: its options are in --help
        complain(f"error: {printable(exc.format_message())} (see {command} --help)")
        sys.exit(2)
    except click.ClickException as exc:
        from cnncalc.escape import printable

        complain(f"error: {printable(exc.format_message())}")
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.Abort):  # Ctrl-C: no traceback
        complain("interrupted")
        sys.exit(130)
