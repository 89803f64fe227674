"""The table of layer kinds: each kind's syntax, shape rule, parameters and cost.

A rule takes a :class:`~cnncalc.layer.LayerSpec` and its input shape and returns
an :class:`Outcome`. Rules raise :class:`~cnncalc.errors.LayerError` for a layer
that cannot be applied; they know nothing of how anything is printed. Adding a
layer kind means writing one rule and adding one row to :data:`KINDS`.

Conventions (see the README for the full statement):

* MACs count multiply-accumulates of weights with inputs; bias adds, batch
  norm, activations and pooling count 0.
* ``bias_units`` counts output units that add a bias: LeCun's "connections"
  are MACs plus these.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from fractions import Fraction

from cnncalc import arith
from cnncalc.errors import LayerError
from cnncalc.layer import LayerSpec, Shape
from cnncalc.record import Record


class Arg(Enum):
    """The positional argument a kind takes, in the spec's string syntax."""

    NONE = ""
    FILTERS_KERNEL = "NxF[xF[xF]]"
    SIZE = "K[xK[xK]]"
    UNITS = "N"
    VOCAB_DIM = "VxD"
    RATE = "[P]"
    OPT_SIZE = "[N]"


class Count(Record):
    """Weights and biases of one way of joining two volumes."""

    _compared = ("weights", "biases")
    __slots__ = _compared

    def __init__(self, weights: int, biases: int) -> None:
        self.weights = weights
        self.biases = biases


class Compare(Record):
    """The course-slide comparison: the same input→output volumes joined densely,
    by unshared local filters, and by one shared convolution."""

    _compared = ("dense", "local", "shared")
    __slots__ = _compared

    def __init__(self, dense: Count, local: Count, shared: Count) -> None:
        self.dense = dense
        self.local = local
        self.shared = shared


class Outcome(Record):
    """What one layer does to its input. ``layer`` is the spec with every
    per-axis value resolved against the input, for the canonical spec string."""

    _compared = (
        "layer",
        "shape",
        "params",
        "buffers",
        "macs",
        "bias_units",
        "compare",
        "warnings",
        "reach",
    )
    __slots__ = _compared

    def __init__(
        self,
        layer: LayerSpec,
        shape: Shape,
        params: int = 0,
        buffers: int = 0,
        macs: int = 0,
        bias_units: int = 0,
        compare: Compare | None = None,
        warnings: tuple[str, ...] = (),
        reach: Reach | None = None,
    ) -> None:
        self.layer = layer
        self.shape = shape
        self.params = params
        self.buffers = buffers
        self.macs = macs
        self.bias_units = bias_units
        self.compare = compare
        self.warnings = warnings
        self.reach = reach


Rational = Union[int, "Fraction"]
"""A whole number of input positions, or a fraction of one (after upsampling)."""


class Reach(Record):
    """How far one output unit reaches into the layer's input, per spatial axis,
    for the receptive field (Araujo, Norris & Sim, Distill 2019).

    ``spans``: how many input positions the widest output unit reads (the
    dilated kernel, or ceil(F_eff/S) for a transposed conv); ``steps``: input
    positions between neighbouring output units (1/S when transposed);
    ``starts``: where output unit 0's window begins, in input positions.
    ``whole`` marks layers whose every output reads the whole input (fc).
    """

    _compared = ("spans", "steps", "starts", "whole")
    __slots__ = _compared

    def __init__(
        self,
        spans: tuple[int, ...] = (),
        steps: tuple[Rational, ...] = (),
        starts: tuple[Rational, ...] = (),
        whole: bool = False,
    ) -> None:
        self.spans = spans
        self.steps = steps
        self.starts = starts
        self.whole = whole


WHOLE = Reach(whole=True)


def windows(
    kernel: Shape, stride: Shape, dilation: Shape, pads: Sequence[tuple[int, int]]
) -> Reach:
    """A sliding window's reach: F_eff wide, S apart, starting P_left before 0."""
    return Reach(
        tuple(arith.effective(k, d) for k, d in zip(kernel, dilation, strict=True)),
        stride,
        tuple(-left for left, _ in pads),
    )


Rule = Callable[[LayerSpec, Shape], Outcome]

AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
NOUNS = {"L": ("position", "positions"), "H": ("row", "rows"), "W": ("column", "columns")}
NOUNS["D"] = ("slice", "slices")


def axis_names(rank: int) -> tuple[str, ...]:
    return AXES.get(rank, tuple(f"axis{i + 1}" for i in range(rank)))


def fmt_shape(shape: Shape) -> str:
    return "x".join(str(d) for d in shape)


# --- resolving per-axis values ----------------------------------------------


def spatial_of(shape: Shape) -> tuple[int, Shape]:
    """Split ``(C, *spatial)``; a layer that slides needs at least one spatial axis."""
    if len(shape) < 2:
        raise LayerError(f"needs an input with spatial axes (CxHxW...), got {fmt_shape(shape)}")
    return shape[0], shape[1:]


def expand(values: Sequence[int] | None, rank: int, default: int, name: str) -> tuple[int, ...]:
    """One value per spatial axis: a single value applies to every axis."""
    if values is None:
        return (default,) * rank
    if len(values) == 1:
        return tuple(values) * rank
    if len(values) != rank:
        raise LayerError(
            f"{name} has {len(values)} values but the input has {rank} spatial axes", field=name
        )
    return tuple(values)


def kernel_for(layer: LayerSpec, rank: int) -> tuple[int, ...]:
    assert layer.size is not None
    if layer.per_axis and len(layer.size) != rank:
        raise LayerError(
            f"a {len(layer.size)}-D kernel cannot slide over an input with {rank} spatial axes",
            field="size",
        )
    return expand(layer.size, rank, 1, "size")


def pads_for(
    layer: LayerSpec, spatial: Shape, kernel: Shape, stride: Shape, dilation: Shape
) -> tuple[tuple[int, int], ...]:
    """(left, right) padding per axis; 'same' follows Keras/TF."""
    if layer.padding == "same":
        return tuple(
            arith.same_padding(w, k, s, d)
            for w, k, s, d in zip(spatial, kernel, stride, dilation, strict=True)
        )
    assert not isinstance(layer.padding, str)
    pad = expand(layer.padding, len(spatial), 0, "padding")
    return tuple((p, p) for p in pad)


def slide(
    spatial: Shape,
    kernel: Shape,
    stride: Shape,
    pads: Sequence[tuple[int, int]],
    dilation: Shape,
    ceil: bool = False,
) -> tuple[Shape, tuple[str, ...]]:
    """Output size of a sliding window on every axis, and what it leaves unread."""
    out: list[int] = []
    warnings: list[str] = []
    for i, (w, k, s, (pl, pr), d) in enumerate(
        zip(spatial, kernel, stride, pads, dilation, strict=True)
    ):
        keff = arith.effective(k, d)
        n = arith.pool_out(w, k, s, pl, d, True) if ceil else arith.window_out(w, k, s, pl, pr, d)
        if n < 1:
            raise LayerError(
                f"{_arithmetic(spatial, i, keff, s, pl, pr)} < 1: the window ({keff}) is larger "
                f"than the padded input ({w + pl + pr})",
                field="size",
            )
        out.append(n)
        tail = None if ceil else arith.unread_tail(w, k, s, pl, pr, d, n)
        if tail is not None:
            axis = axis_names(len(spatial))[i]
            text = _arithmetic(spatial, i, keff, s, pl, pr)
            warnings.append(f"{text}, floored to {n}: {_unread(axis, tail)}")
    return tuple(out), tuple(warnings)


def _arithmetic(spatial: Shape, i: int, keff: int, s: int, pl: int, pr: int) -> str:
    """``H: (191 − 2 + 2·0)/2 + 1 = 95.5``: the course formula with its numbers."""
    w = spatial[i]
    pads = f"2·{pl}" if pl == pr else f"{pl} + {pr}"
    value = arith.exact_ratio(w + pl + pr - keff + s, s)
    return f"{axis_names(len(spatial))[i]}: ({w} − {keff} + {pads})/{s} + 1 = {value}"


def _unread(axis: str, tail: arith.Unread) -> str:
    one, many = NOUNS.get(axis, ("position", "positions"))
    if tail.first is None or tail.last is None:
        if tail.padding == 1:
            return f"the last padding {one} is never used"
        return f"the last {tail.padding} padding {many} are never used"
    if tail.first == tail.last:
        return f"input {one} {tail.first} is never read"
    return f"input {many} {tail.first}–{tail.last} are never read"


def check_groups(channels: int, filters: int, groups: int) -> None:
    if channels % groups:
        raise LayerError(
            f"groups={groups} must divide the {channels} input channels", field="groups"
        )
    if filters % groups:
        raise LayerError(f"groups={groups} must divide the {filters} filters", field="groups")


def groups_for(layer: LayerSpec, channels: int, filters: int) -> int:
    if layer.depthwise:
        if filters % channels:
            raise LayerError(
                f"depthwise needs filters a multiple of the {channels} input channels, "
                f"got {filters}",
                field="depthwise",
            )
        return channels
    groups = layer.groups or 1
    check_groups(channels, filters, groups)
    return groups


def table_links(layer: LayerSpec, channels: int, filters: int) -> int:
    """Input maps read, summed over output maps, for a partial connection table."""
    assert layer.table is not None
    if len(layer.table) != filters:
        raise LayerError(
            f"the connection table has {len(layer.table)} rows but there are {filters} filters",
            field="table",
        )
    for row in layer.table:
        for m in row:
            if not 0 <= m < channels:
                raise LayerError(
                    f"the connection table names input map {m}, but there are only "
                    f"{channels} (0–{channels - 1})",
                    field="table",
                )
        if len(set(row)) != len(row):
            raise LayerError(f"a connection table row repeats a map: {list(row)}", field="table")
    return sum(len(row) for row in layer.table)


def compare(
    in_units: int, out_units: int, positions: int, shared: int, filters: int, bias: bool
) -> Compare:
    """Dense joins every input to every output; local gives every output position
    its own copy of the filters; shared is the convolution itself."""
    return Compare(
        dense=Count(in_units * out_units, out_units if bias else 0),
        local=Count(positions * shared, out_units if bias else 0),
        shared=Count(shared, filters if bias else 0),
    )


# --- the rules ---------------------------------------------------------------


def _window_geometry(
    layer: LayerSpec, spatial: Shape
) -> tuple[Shape, Shape, Shape, tuple[tuple[int, int], ...]]:
    rank = len(spatial)
    kernel = kernel_for(layer, rank)
    stride = expand(layer.stride, rank, 1, "stride")
    dilation = expand(layer.dilation, rank, 1, "dilation")
    return kernel, stride, dilation, pads_for(layer, spatial, kernel, stride, dilation)


def conv_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Shared-weight convolution (torch.nn.Conv1d/2d/3d), optionally grouped or
    with a partial connection table (LeNet-5's C3)."""
    channels, spatial = spatial_of(shape)
    filters = layer.filters or 0
    kernel, stride, dilation, pads = _window_geometry(layer, spatial)
    out, warnings = slide(spatial, kernel, stride, pads, dilation)
    if layer.table is not None:
        groups = 1
        weights = table_links(layer, channels, filters) * math.prod(kernel)
    else:
        groups = groups_for(layer, channels, filters)
        weights = filters * (channels // groups) * math.prod(kernel)
    positions = math.prod(out)
    resolved = layer.replace(size=kernel, stride=stride, dilation=dilation, groups=groups)
    return Outcome(
        layer=resolved,
        shape=(filters, *out),
        params=weights + (filters if layer.bias else 0),
        macs=positions * weights,
        bias_units=filters * positions if layer.bias else 0,
        compare=compare(
            math.prod(shape), filters * positions, positions, weights, filters, layer.bias
        ),
        warnings=warnings,
        reach=windows(kernel, stride, dilation, pads),
    )


def local_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Locally connected: a convolution whose filters are not shared, so every
    output position has its own weights and every output unit its own bias."""
    channels, spatial = spatial_of(shape)
    filters = layer.filters or 0
    kernel, stride, dilation, pads = _window_geometry(layer, spatial)
    out, warnings = slide(spatial, kernel, stride, pads, dilation)
    positions = math.prod(out)
    shared = filters * channels * math.prod(kernel)
    units = filters * positions
    return Outcome(
        layer=layer.replace(size=kernel, stride=stride, dilation=dilation),
        shape=(filters, *out),
        params=positions * shared + (units if layer.bias else 0),
        macs=positions * shared,
        bias_units=units if layer.bias else 0,
        compare=compare(math.prod(shape), units, positions, shared, filters, layer.bias),
        warnings=warnings,
        reach=windows(kernel, stride, dilation, pads),
    )


def deconv_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Transposed convolution (torch.nn.ConvTranspose1d/2d/3d). Every input element
    meets a whole kernel, so MACs count input elements, not output ones."""
    channels, spatial = spatial_of(shape)
    rank = len(spatial)
    filters = layer.filters or 0
    kernel = kernel_for(layer, rank)
    stride = expand(layer.stride, rank, 1, "stride")
    dilation = expand(layer.dilation, rank, 1, "dilation")
    extra = expand(layer.output_padding, rank, 0, "output_padding")
    groups = groups_for(layer, channels, filters)
    for op, s, d in zip(extra, stride, dilation, strict=True):
        if op >= s and op >= d:
            raise LayerError(
                f"output padding {op} must be smaller than the stride ({s}) or the dilation ({d})",
                field="output_padding",
            )
    out: list[int] = []
    if layer.padding == "same":
        out = [w * s for w, s in zip(spatial, stride, strict=True)]
        pad = tuple(
            arith.same_transposed_padding(k, s, d)[0]
            for k, s, d in zip(kernel, stride, dilation, strict=True)
        )
    else:
        assert not isinstance(layer.padding, str)
        pad = expand(layer.padding, rank, 0, "padding")
        for axis, w, k, s, p, d, op in zip(
            axis_names(rank), spatial, kernel, stride, pad, dilation, extra, strict=True
        ):
            n = arith.transposed_out(w, k, s, p, d, op)
            if n < 1:
                raise LayerError(
                    f"{axis}: ({w} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {n} < 1: "
                    "the padding removes the whole output",
                    field="padding",
                )
            out.append(n)
    weights = channels * (filters // groups) * math.prod(kernel)
    resolved = layer.replace(
        size=kernel, stride=stride, dilation=dilation, groups=groups, output_padding=extra
    )
    spans = tuple(
        -(-arith.effective(k, d) // s) for k, s, d in zip(kernel, stride, dilation, strict=True)
    )
    starts = tuple(
        -(-(p - arith.effective(k, d) + 1) // s)
        for p, k, s, d in zip(pad, kernel, stride, dilation, strict=True)
    )
    return Outcome(
        layer=resolved,
        shape=(filters, *out),
        params=weights + (filters if layer.bias else 0),
        macs=math.prod(spatial) * weights,
        bias_units=filters * math.prod(out) if layer.bias else 0,
        reach=Reach(spans, tuple(_ratio(1, s) for s in stride), starts),
    )


def _pool_geometry(
    layer: LayerSpec, shape: Shape
) -> tuple[LayerSpec, Shape, tuple[str, ...], Reach]:
    channels, spatial = spatial_of(shape)
    rank = len(spatial)
    kernel = kernel_for(layer, rank)
    stride = expand(layer.stride, rank, 1, "stride") if layer.stride else kernel
    dilation = expand(layer.dilation, rank, 1, "dilation")
    pads = pads_for(layer, spatial, kernel, stride, dilation)
    if layer.ceil and layer.padding == "same":
        raise LayerError("ceil cannot be combined with psame", field="ceil")
    if layer.padding != "same":
        for (p, _), k in zip(pads, kernel, strict=True):
            if p > k // 2:
                raise LayerError(
                    f"padding {p} is more than half the window {k} (torch refuses it)",
                    field="padding",
                )
    out, warnings = slide(spatial, kernel, stride, pads, dilation, layer.ceil)
    resolved = layer.replace(size=kernel, stride=stride, dilation=dilation)
    return resolved, (channels, *out), warnings, windows(kernel, stride, dilation, pads)


def pool_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Max pooling (torch.nn.MaxPool*d): no weights."""
    resolved, out, warnings, reach = _pool_geometry(layer, shape)
    return Outcome(layer=resolved, shape=out, warnings=warnings, reach=reach)


def avgpool_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Average pooling (torch.nn.AvgPool*d). torch's 3-D version alone also
    refuses an unpadded input smaller than the window, so cnncalc does too."""
    outcome = pool_rule(layer, shape)
    window = outcome.layer.size or ()
    if len(shape) == 4 and any(w < k for w, k in zip(shape[1:], window, strict=True)):
        raise LayerError(
            f"the input {fmt_shape(shape[1:])} is smaller than the window {fmt_shape(window)}"
            " (torch's AvgPool3d refuses it)",
            field="size",
        )
    return outcome


def subsample_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """LeNet-5's subsampling: each map's window sum times a trainable coefficient,
    plus a trainable bias. LeCun counts every summed input as a connection."""
    resolved, out, warnings, reach = _pool_geometry(layer, shape)
    assert resolved.size is not None
    units = math.prod(out)
    return Outcome(
        layer=resolved,
        shape=out,
        params=shape[0] * (2 if layer.bias else 1),
        macs=units * math.prod(resolved.size),
        bias_units=units if layer.bias else 0,
        warnings=warnings,
        reach=reach,
    )


def gap_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Global average or max pooling: every spatial axis becomes 1."""
    channels, spatial = spatial_of(shape)
    whole = Reach(spatial, spatial, tuple(0 for _ in spatial))
    return Outcome(layer=layer, shape=(channels, *(1 for _ in spatial)), reach=whole)


def adaptive_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """torch.nn.AdaptiveAvgPool*d: the output size is given, the windows adapt."""
    channels, spatial = spatial_of(shape)
    size = kernel_for(layer, len(spatial))
    reach = Reach(
        tuple(_adaptive_span(w, n) for w, n in zip(spatial, size, strict=True)),
        tuple(_ratio(w, n) for w, n in zip(spatial, size, strict=True)),
        tuple(0 for _ in spatial),
    )
    return Outcome(layer=layer.replace(size=size), shape=(channels, *size), reach=reach)


def _ratio(a: int, b: int) -> Rational:
    if a % b == 0:
        return a // b
    from fractions import Fraction  # rarely needed: not imported at start-up

    return Fraction(a, b)


def _adaptive_span(size: int, out: int) -> int:
    """torch's adaptive windows run from floor(i·W/S) to ceil((i+1)·W/S): the widest.

    In closed form, so ``adaptivepool 1000000001`` costs nothing. With g = gcd(W, S),
    W = g·w and S = g·s, write i·w = q·s + r (0 ≤ r < s): window i spans
    ceil((q·s + r + w)/s) − q = ceil((r + w)/s). As w and s are coprime, i·w mod s
    takes every value 0 … s−1 over i = 0 … s−1 (and s ≤ S), so the widest window
    has r = s − 1: ceil((w + s − 1)/s).
    """
    g = math.gcd(size, out)
    w, s = size // g, out // g
    return -(-(w + s - 1) // s)


def fc_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Fully connected (torch.nn.Linear after a flatten)."""
    units = layer.units or 0
    weights = math.prod(shape) * units
    bias = units if layer.bias else 0
    return Outcome(
        layer=layer,
        shape=(units,),
        params=weights + bias,
        macs=weights,
        bias_units=bias,
        reach=WHOLE,
    )


def rbf_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """LeNet-5's Euclidean RBF output: y_i = Σ_j (x_j − w_ij)², no bias."""
    units = layer.units or 0
    weights = math.prod(shape) * units
    return Outcome(layer=layer, shape=(units,), params=weights, macs=weights, reach=WHOLE)


def flatten_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    return Outcome(layer=layer, shape=(math.prod(shape),), reach=WHOLE)


def same_shape_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Activations, dropout, LRN: shape in = shape out, nothing learned."""
    return Outcome(layer=layer, shape=shape)


def bn_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Batch norm over the channel (or feature) axis: γ and β are parameters,
    the running mean and variance are buffers."""
    return Outcome(layer=layer, shape=shape, params=2 * shape[0], buffers=2 * shape[0])


def embed_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """A lookup table of V vectors of size D: tokens L → D×L (channels first)."""
    if len(shape) != 1:
        raise LayerError(f"needs a token sequence (--input L), got {fmt_shape(shape)}")
    dim, vocab = layer.units or 0, layer.vocab or 0
    return Outcome(layer=layer, shape=(dim, shape[0]), params=vocab * dim)


# --- the table -----------------------------------------------------------------


class Kind(Record):
    """One layer kind: its keyword, the argument it takes, the options it accepts
    (by LayerSpec field name) and its rule."""

    name: str
    arg: Arg
    rule: Rule
    summary: str
    aliases: tuple[str, ...] = ()
    options: frozenset[str] = frozenset()
    takes_tokens: bool = False


_WINDOW = frozenset({"stride", "padding", "dilation", "bias", "trainable"})
_LEARN = frozenset({"bias", "trainable"})

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "conv",
            Arg.FILTERS_KERNEL,
            conv_rule,
            "convolution with shared weights",
            ("convolution",),
            _WINDOW | {"groups", "depthwise", "table"},
        ),
        Kind("local", Arg.FILTERS_KERNEL, local_rule, "locally connected (unshared)", (), _WINDOW),
        Kind(
            "deconv",
            Arg.FILTERS_KERNEL,
            deconv_rule,
            "transposed convolution",
            ("convt",),
            _WINDOW | {"groups", "depthwise", "output_padding"},
        ),
        Kind(
            "pool",
            Arg.SIZE,
            pool_rule,
            "max pooling",
            ("maxpool",),
            frozenset({"stride", "padding", "dilation", "ceil"}),
        ),
        Kind(
            "avgpool",
            Arg.SIZE,
            avgpool_rule,
            "average pooling",
            (),
            frozenset({"stride", "padding", "ceil"}),
        ),
        Kind(
            "subsample",
            Arg.SIZE,
            subsample_rule,
            "LeNet-5 subsampling: sum × trainable coefficient + bias",
            (),
            frozenset({"stride", "bias", "trainable"}),
        ),
        Kind("gap", Arg.NONE, gap_rule, "global average pooling"),
        Kind("gmp", Arg.NONE, gap_rule, "global max pooling (max over positions)"),
        Kind(
            "adaptivepool",
            Arg.SIZE,
            adaptive_rule,
            "adaptive average pooling to a fixed size",
            ("adaptiveavgpool",),
        ),
        Kind("fc", Arg.UNITS, fc_rule, "fully connected", ("dense", "linear"), _LEARN),
        Kind(
            "rbf",
            Arg.UNITS,
            rbf_rule,
            "Euclidean RBF units (LeNet-5 output)",
            (),
            frozenset({"trainable"}),
        ),
        Kind("flatten", Arg.NONE, flatten_rule, "flatten to a vector"),
        Kind(
            "bn", Arg.NONE, bn_rule, "batch normalisation", ("batchnorm",), frozenset({"trainable"})
        ),
        Kind(
            "embed",
            Arg.VOCAB_DIM,
            embed_rule,
            "embedding lookup: tokens → vectors",
            ("embedding",),
            frozenset({"trainable"}),
            takes_tokens=True,
        ),
        Kind("dropout", Arg.RATE, same_shape_rule, "dropout"),
        Kind("leakyrelu", Arg.RATE, same_shape_rule, "leaky ReLU"),
        Kind("lrn", Arg.OPT_SIZE, same_shape_rule, "local response normalisation"),
        *(
            Kind(name, Arg.NONE, same_shape_rule, f"{name} activation")
            for name in ("relu", "relu6", "sigmoid", "tanh", "gelu", "silu", "hardswish", "softmax")
        ),
    )
}

WINDOWED = frozenset(kind.name for kind in KINDS.values() if "stride" in kind.options)
"""Kinds that slide a window (a kernel with a stride) over their input."""

NAMES: dict[str, str] = {
    alias: kind.name for kind in KINDS.values() for alias in (kind.name, *kind.aliases)
}
"""Every keyword and alias, lower case, to its kind's canonical name."""


def lookup(word: str) -> Kind | None:
    name = NAMES.get(word.lower())
    return KINDS[name] if name else None
