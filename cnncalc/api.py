"""The Python API: :func:`summary`, for a notebook or a script.

``summary(model, input=None, batch=1, ...)`` takes what the CLI's SPEC takes (a
spec string, a YAML path, a preset name) or a parsed :class:`~cnncalc.layer.Model`,
an input shape as a tuple, a list or a string, and the CLI's options as keywords;
it returns a :class:`Summary`: the report, the memory estimate and every document
the CLI writes. Bad input of any kind raises :class:`~cnncalc.errors.SpecError`
with the CLI's one-line message. :func:`analyze` and :func:`load` are the two
steps it takes, for a caller who wants only the plain data. The CLI never
imports this module: what they share lives where each reads it
(:mod:`cnncalc.shapes`, :mod:`cnncalc.sources`, :mod:`cnncalc.render`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from cnncalc.errors import SpecError
from cnncalc.layer import DEFAULT_MAX_LAYERS, DEPTH_CEILING, MAX_DEPTH, Model, Shape
from cnncalc.record import Record
from cnncalc.shapes import ShapeLike, quoted, read_shape

if TYPE_CHECKING:
    from cnncalc.memory import Memory
    from cnncalc.memory.fit import Fit
    from cnncalc.render import Options
    from cnncalc.report import Costs, LayerReport, Report

ModelLike: TypeAlias = "str | os.PathLike[str] | Model"
"""What names a network: a spec string, a YAML path, a preset name, a parsed model."""

ATTENTION = ("auto", "math", "flash", "efficient")
"""``--attention``'s choices."""


def load(
    model: ModelLike,
    *,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_bytes: int | None = None,
    max_depth: int = MAX_DEPTH,
) -> Model:
    """The network ``model`` names: a spec string, a YAML file (a path, a
    ``pathlib.Path``), a preset name (``"resnet18"`` or ``"preset:resnet18"``),
    read as ``cnncalc SPEC`` reads it; a :class:`~cnncalc.layer.Model` as it is.

    >>> import cnncalc
    >>> model = cnncalc.load("lenet5")
    >>> model.name, model.input_shape
    ('lenet5', (1, 32, 32))
    """
    from cnncalc import sources

    if isinstance(model, Model):
        return model
    limit = sources.DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    _counts(max_layers=max_layers, max_bytes=limit, max_depth=max_depth)
    if max_depth > DEPTH_CEILING:
        raise SpecError(f"max_depth={max_depth} is over the ceiling of {DEPTH_CEILING}")
    if max_depth > MAX_DEPTH:  # the CLI's room for a raised --max-depth
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    if isinstance(model, str):
        return sources.load(model, max_layers, limit, max_depth)
    if isinstance(model, os.PathLike):
        path = os.fspath(model)
        if isinstance(path, str):
            return sources.load_file(path, max_layers, limit, max_depth)
    raise SpecError(
        "model: expected a spec string, a YAML path, a preset name or a parsed Model, "
        f"got {type(model).__name__}"
    )


def analyze(
    model: ModelLike,
    input_shape: ShapeLike | None = None,
    strict: bool = False,
    max_layers: int = DEFAULT_MAX_LAYERS,
    strict_notes: bool = False,
) -> Report:
    """The plain-data :class:`~cnncalc.report.Report` of ``model`` (anything
    :func:`load` takes) run on ``input_shape`` (anything :func:`summary`'s
    ``input`` takes; None: the model's own).

    >>> from cnncalc import analyze, parse
    >>> analyze(parse("conv 6x5x5 | pool 2 | fc 10"), [1, 32, 32]).output_shape
    (10,)
    """
    from cnncalc import engine

    _flags(strict=strict, strict_notes=strict_notes)
    _counts(max_layers=max_layers)
    network = load(model, max_layers=max_layers)
    return engine.analyze(
        network, read_shape(input_shape), strict, max_layers, strict_notes=strict_notes
    )


def summary(
    model: ModelLike,
    input: ShapeLike | None = None,  # the CLI's --input
    batch: int = 1,
    *,
    dtype: str = "float32",
    optimizer: str = "adam",
    amp: str | None = None,
    inplace: bool = True,
    attention: str = "auto",
    memory: bool = False,
    compare: bool = False,
    rf: bool = False,
    columns: str | Sequence[str] | None = None,
    depth: int | None = None,
    wide: bool = False,
    explain: bool = False,
    strict: bool = False,
    strict_notes: bool = False,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_depth: int = MAX_DEPTH,
    max_bytes: int | None = None,
) -> Summary:
    """Analyse ``model`` as ``cnncalc SPEC`` does; the keywords are its options.

    ``model``: a spec string, a YAML path, a preset name or a parsed model.
    ``input``: the input shape, batch excluded (``--input``), as a tuple, a list
    or a string; None takes the model's own. ``batch``, ``dtype``,
    ``optimizer``, ``amp`` (``"bf16"``, ``"fp16"``), ``inplace``
    (``--no-inplace`` is ``inplace=False``) and ``attention`` set the memory
    estimate; ``memory`` (``--memory``), ``compare``, ``rf``, ``columns``,
    ``depth``, ``wide`` and ``explain`` what the table shows; ``strict``
    (warnings are errors), ``strict_notes`` (notes too), ``max_layers``,
    ``max_depth`` and ``max_bytes`` how the spec is read.

    >>> import cnncalc
    >>> s = cnncalc.summary("conv 6x5x5 | pool 2 | fc 10", input=(1, 32, 32))
    >>> s.output_shape, s.params, s.macs
    ((10,), 11926, 129360)
    """
    from cnncalc.engine import analyze as run
    from cnncalc.memory import estimate
    from cnncalc.memory.model import AMP, DTYPES, OPTIMIZERS
    from cnncalc.render import Options

    _flags(inplace=inplace, memory=memory, compare=compare, rf=rf, wide=wide)
    _flags(explain=explain, strict=strict, strict_notes=strict_notes)
    _counts(batch=batch, max_layers=max_layers, max_depth=max_depth)
    if depth is not None:
        _counts(depth=depth)
    _choice("dtype", dtype, DTYPES)
    _choice("optimizer", optimizer, OPTIMIZERS)
    _choice("attention", attention, ATTENTION)
    if amp is not None:
        _choice("amp", amp, AMP)
        if dtype != "float32":
            raise SpecError(
                f"amp={amp!r} keeps float32 weights: it needs dtype='float32', not {dtype!r}"
            )
    options = Options(
        compare=compare,
        rf=rf,
        depth=depth,
        batch=batch,
        dtype=dtype,
        optimizer=optimizer,
        explain=explain,
        amp=AMP[amp] if amp is not None else None,
        inplace_relu=inplace,
        attention=attention,
        kept=memory,
        wide=wide,
        columns=_columns(columns),
    )
    shape = read_shape(input)
    network = load(model, max_layers=max_layers, max_bytes=max_bytes, max_depth=max_depth)
    report = run(network, shape, strict=strict, max_layers=max_layers, strict_notes=strict_notes)
    seen = estimate(
        report,
        batch,
        dtype,
        optimizer,
        options.amp,
        inplace,
        attention,
    )
    return Summary(report=report, options=options, memory=seen)


def _flags(**given: object) -> None:
    for name, value in given.items():
        if not isinstance(value, bool):
            raise SpecError(f"{name}={quoted(value)}: expected True or False")


def _counts(**given: object) -> None:
    """Whole numbers of at least 1 (``batch``, ``depth``, the limits)."""
    from cnncalc.number import LIMIT

    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{name}={quoted(value)}: expected a whole number")
        if value < 1:
            raise SpecError(f"{name}={value}: must be at least 1")
        if value >= LIMIT:
            raise SpecError(f"{name}: numbers are at most 30 digits")


def _choice(name: str, value: object, choices: Sequence[str] | dict[str, Any]) -> None:
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise SpecError(f"{name}={quoted(value)} is not one of {listed}")


def _columns(given: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``columns="layer,params"`` or ``columns=["layer", "params"]``: ``--columns``."""
    if given is None:
        return None
    from cnncalc.render.columns import parse_keys

    if not isinstance(given, str):
        if not isinstance(given, Sequence) or not all(isinstance(k, str) for k in given):
            raise SpecError(f"columns={quoted(given)}: expected a string or a list of strings")
        given = ",".join(given)
    try:
        return parse_keys(given)
    except ValueError as exc:
        raise SpecError(str(exc).replace("--columns", "columns", 1)) from None


class Summary(Record):
    """What :func:`summary` returns: plain data (the ``report``, the ``options``
    it was made with, the ``memory`` estimate), and each document the CLI writes
    from them. ``str()`` and ``repr()`` are the table as ``cnncalc SPEC`` prints
    it into a pipe; Jupyter shows the ``--html`` page."""

    report: Report
    options: Options
    memory: Memory

    def render(self, fmt: str = "table") -> str:
        """The document ``cnncalc SPEC --format FMT`` writes: ``table``,
        ``json``, ``csv``, ``markdown``, or ``svg``, ``html`` (the page),
        ``torch`` (the ``--emit torch`` source). An option ``fmt`` would ignore is
        a :class:`SpecError`, as on the command line."""
        from cnncalc import render
        from cnncalc.render.columns import SHARES

        self.options.check(fmt)
        bars = [c.key for c in SHARES if c.key in (self.options.columns or ())]
        if bars and fmt != "table":
            raise SpecError(f"columns {bars[0]}: the share bars are in the table only, not {fmt}")
        return render.render(self.report, fmt, self.options)

    def table(self) -> str:
        """The table, its totals and memory lines (what ``print(summary)`` shows)."""
        return self.render("table")

    def to_json(self) -> str:
        """The ``--format json`` document, as text."""
        return self.render("json")

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document as a dict (README "JSON output")."""
        import json

        document: dict[str, Any] = json.loads(self.to_json())
        return document

    def fit(self, size: str | int) -> Fit:
        """``--fit SIZE``: the largest batch whose predicted peak fits in ``size``
        (``"24GiB"``, ``"24GB"``, or bytes), for training and for inference, with
        this summary's dtype, optimiser, autocast and attention."""
        from cnncalc.memory.fit import fit, parse_size

        if isinstance(size, bool) or not isinstance(size, (str, int)):
            raise SpecError(f"fit: expected a size such as '24GiB' or bytes, got {quoted(size)}")
        limit = parse_size(str(size))
        options = self.options
        return fit(
            self.report,
            limit,
            options.dtype,
            options.optimizer,
            options.amp,
            options.inplace_relu,
            options.attention,
        )

    @property
    def name(self) -> str:
        return self.report.name

    @property
    def input_shape(self) -> Shape:
        return self.report.input_shape

    @property
    def output_shape(self) -> Shape:
        return self.report.output_shape

    @property
    def layers(self) -> tuple[LayerReport, ...]:
        return self.report.layers

    @property
    def total(self) -> Costs:
        return self.report.total

    @property
    def params(self) -> int:
        return self.report.total.params

    @property
    def trainable_params(self) -> int:
        return self.report.total.trainable_params

    @property
    def macs(self) -> int:
        return self.report.total.macs

    @property
    def flops(self) -> int:
        return self.report.total.flops

    @property
    def warnings(self) -> list[tuple[int, str]]:
        """What matters, by layer index (0: the input's)."""
        return self.report.warnings

    def __str__(self) -> str:
        return self.table().rstrip("\n")

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        """Jupyter's view: the ``--html`` page, with this summary's memory options."""
        from cnncalc.render import html

        return html.notebook(self.report, memory=self.memory)
