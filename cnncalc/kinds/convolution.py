"""Convolutions: shared-weight (``conv``), locally connected (``local``) and
transposed (``deconv``), in 1, 2 or 3 spatial dimensions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cnncalc import arith
from cnncalc.errors import LayerError
from cnncalc.kinds import window
from cnncalc.kinds.base import (
    Arg,
    Compare,
    Count,
    Helper,
    Kind,
    Module,
    Outcome,
    Reach,
    axis_names,
    connection_lines,
    counted,
    ratio,
    windows,
)
from cnncalc.kinds.window import expand, kernel_for, slide, spatial_of
from cnncalc.layer import LayerSpec, Shape, shape_text
from cnncalc.memory.rules import CONV, Behaviour, Saved

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


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


# --- conv ------------------------------------------------------------------------


def conv_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Shared-weight convolution (torch.nn.Conv1d/2d/3d), optionally grouped or
    with a partial connection table (LeNet-5's C3)."""
    channels, spatial = spatial_of(shape)
    filters = layer.filters or 0
    kernel, stride, dilation, pads = window.geometry(layer, spatial)
    out, warnings = slide(spatial, kernel, stride, pads, dilation)
    if layer.table is not None:
        groups = 1
        weights = table_links(layer, channels, filters) * math.prod(kernel)
    else:
        groups = groups_for(layer, channels, filters)
        weights = filters * (channels // groups) * math.prod(kernel)
    positions = math.prod(out)
    resolved = layer.replace(kernel=kernel, stride=stride, dilation=dilation, groups=groups)
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


def _bias(layer: LayerReport) -> str:
    spec = layer.layer
    return f" + {layer.output_shape[0]}" if spec is not None and spec.bias else ""


def compare_lines(layer: LayerReport) -> list[str]:
    """The slides' comparison with its numbers: dense, local, shared."""
    cmp = layer.compare
    if cmp is None:
        return []
    inputs = shape_text(layer.input_shape, "·")
    outputs = shape_text(layer.output_shape, "·")
    positions = shape_text(layer.output_shape[1:], "·")
    dense, local, shared = cmp.dense, cmp.local, cmp.shared
    return [
        f"as dense:  ({inputs}) × ({outputs}) = {counted(dense.weights, 'weight')} "
        f"+ {counted(dense.biases, 'bias')}",
        f"as local:  {positions} positions × {shared.weights:,} = "
        f"{counted(local.weights, 'weight')} + {counted(local.biases, 'bias')}",
        f"as shared: {counted(shared.weights, 'weight')} + {counted(shared.biases, 'bias')}",
    ]


def conv_explain(layer: LayerReport) -> list[str]:
    spec, costs = layer.layer, layer.costs
    assert spec is not None and spec.kernel is not None
    c, n, k = layer.input_shape[0], layer.output_shape[0], shape_text(spec.kernel, "·")
    positions = shape_text(layer.output_shape[1:], "·")
    if spec.table is not None:
        links = sum(len(row) for row in spec.table)
        counts = [
            f"params: {links} table links × ({k}){_bias(layer)} = {costs.params:,}",
            f"MACs: {positions} positions × {links} × ({k}) = {costs.macs:,}",
        ]
    else:
        g = spec.groups or 1
        per = f"{c}/{g}" if g > 1 else str(c)
        counts = [
            f"params: {n} × ({per}·{k}){_bias(layer)} = {costs.params:,}",
            f"MACs: {n}·{positions} outputs × ({per}·{k}) = {costs.macs:,}",
        ]
    return [*window.size_lines(layer), *counts, *connection_lines(layer), *compare_lines(layer)]


TABLE_CONV = Helper(
    "TableConv",
    '''
class TableConv(nn.Module):
    """A convolution whose output maps each read only some input maps (LeNet-5 C3)."""

    def __init__(self, table, kernel, stride, padding, dilation, bias, rank):
        super().__init__()
        conv = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[rank]
        self.table = [list(row) for row in table]
        self.maps = nn.ModuleList(
            conv(len(row), 1, kernel, stride, padding, dilation, bias=bias) for row in table
        )

    def forward(self, x):
        return torch.cat([m(x[:, row]) for m, row in zip(self.maps, self.table)], dim=1)
''',
)


def conv_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    pads, kernel, stride, dilation = window.torch_padding(layer)
    rank = len(kernel)
    padding = tuple(left for left, _ in pads) if window.symmetric(pads) else (0,) * rank
    if spec.table is not None:
        table = [list(row) for row in spec.table]
        code = (
            f"TableConv({table!r}, {kernel}, {stride}, {padding}, {dilation}, {spec.bias}, {rank})"
        )
        return Module(window.padded(pads, code), (TABLE_CONV,))
    cin, filters = layer.input_shape[0], layer.output_shape[0]
    code = (
        f"nn.Conv{rank}d({cin}, {filters}, {kernel}, stride={stride}, padding={padding}, "
        f"dilation={dilation}, groups={spec.groups or 1}, bias={spec.bias})"
    )
    return Module(window.padded(pads, code))


# --- sepconv ---------------------------------------------------------------------


def sepconv_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """A depthwise-separable convolution as one layer (Keras SeparableConv*D,
    Xception, MobileNet): a depthwise F×F convolution (one filter per input
    channel, the stride, padding and dilation, no bias), then a pointwise 1×1
    convolution to N filters, which alone adds the bias."""
    channels, spatial = spatial_of(shape)
    filters = layer.filters or 0
    kernel, stride, dilation, pads = window.geometry(layer, spatial)
    out, warnings = slide(spatial, kernel, stride, pads, dilation)
    positions = math.prod(out)
    depthwise = channels * math.prod(kernel)
    pointwise = channels * filters
    return Outcome(
        layer=layer.replace(kernel=kernel, stride=stride, dilation=dilation),
        shape=(filters, *out),
        params=depthwise + pointwise + (filters if layer.bias else 0),
        macs=positions * (depthwise + pointwise),
        bias_units=filters * positions if layer.bias else 0,
        warnings=warnings,
        reach=windows(kernel, stride, dilation, pads),
    )


def sepconv_explain(layer: LayerReport) -> list[str]:
    spec, costs = layer.layer, layer.costs
    assert spec is not None and spec.kernel is not None
    c, n, k = layer.input_shape[0], layer.output_shape[0], shape_text(spec.kernel, "·")
    positions = shape_text(layer.output_shape[1:], "·")
    return [
        *window.size_lines(layer),
        f"depthwise params: {c} × ({k}) = {c * math.prod(spec.kernel):,}",
        f"pointwise params: {n} × {c}{_bias(layer)} = {n * c + (n if spec.bias else 0):,}",
        f"params: {c} × ({k}) + {n} × {c}{_bias(layer)} = {costs.params:,}",
        f"MACs: {positions} positions × ({c}·{k} + {c}·{n}) = {costs.macs:,}",
        *connection_lines(layer),
    ]


def sepconv_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    pads, kernel, stride, dilation = window.torch_padding(layer)
    rank = len(kernel)
    padding = tuple(left for left, _ in pads) if window.symmetric(pads) else (0,) * rank
    cin, filters = layer.input_shape[0], layer.output_shape[0]
    depthwise = (
        f"nn.Conv{rank}d({cin}, {cin}, {kernel}, stride={stride}, padding={padding}, "
        f"dilation={dilation}, groups={cin}, bias=False)"
    )
    pointwise = f"nn.Conv{rank}d({cin}, {filters}, 1, bias={spec.bias})"
    return Module(f"nn.Sequential({window.padded(pads, depthwise)}, {pointwise})")


# --- local -----------------------------------------------------------------------


def local_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Locally connected: a convolution whose filters are not shared, so every
    output position has its own weights and every output unit its own bias."""
    channels, spatial = spatial_of(shape)
    filters = layer.filters or 0
    kernel, stride, dilation, pads = window.geometry(layer, spatial)
    out, warnings = slide(spatial, kernel, stride, pads, dilation)
    positions = math.prod(out)
    shared = filters * channels * math.prod(kernel)
    units = filters * positions
    return Outcome(
        layer=layer.replace(kernel=kernel, stride=stride, dilation=dilation),
        shape=(filters, *out),
        params=positions * shared + (units if layer.bias else 0),
        macs=positions * shared,
        bias_units=units if layer.bias else 0,
        compare=compare(math.prod(shape), units, positions, shared, filters, layer.bias),
        warnings=warnings,
        reach=windows(kernel, stride, dilation, pads),
    )


def local_explain(layer: LayerReport) -> list[str]:
    spec, costs = layer.layer, layer.costs
    assert spec is not None and spec.kernel is not None
    c, n, k = layer.input_shape[0], layer.output_shape[0], shape_text(spec.kernel, "·")
    positions = math.prod(layer.output_shape[1:])
    unit_bias = f" + {math.prod(layer.output_shape)}" if spec.bias else ""
    return [
        *window.size_lines(layer),
        f"params: {positions:,} positions × {n} × ({c}·{k}){unit_bias} = {costs.params:,}",
        f"MACs: {positions:,} positions × {n} × ({c}·{k}) = {costs.macs:,}",
        *connection_lines(layer),
        *compare_lines(layer),
    ]


LOCAL = Helper(
    "Local",
    '''
class Local(nn.Module):
    """A locally connected layer: a convolution whose filters are not shared.
    Any number of spatial axes: each is unfolded into its windows in turn."""

    def __init__(self, cin, filters, kernel, stride, pads, dilation, out, bias):
        super().__init__()
        self.kernel, self.stride, self.dilation, self.out = kernel, stride, dilation, out
        self.pads = [x for left, right in reversed(pads) for x in (left, right)]
        positions = math.prod(out)
        self.weight = nn.Parameter(torch.zeros(positions, cin * math.prod(kernel), filters))
        self.bias = nn.Parameter(torch.zeros(filters, *out)) if bias else None

    def forward(self, x):
        rank = len(self.kernel)
        x = nn.functional.pad(x, self.pads)
        for axis, (k, s, d) in enumerate(zip(self.kernel, self.stride, self.dilation)):
            x = x.unfold(2 + axis, d * (k - 1) + 1, s)[..., ::d]
        # (N, C, *out, *kernel) -> (N, positions, C * kernel)
        order = (0, *range(2, 2 + rank), 1, *range(2 + rank, 2 + 2 * rank))
        cols = x.permute(order).reshape(x.shape[0], math.prod(self.out), -1)
        y = torch.einsum("blk,lko->bol", cols, self.weight).reshape(x.shape[0], -1, *self.out)
        return y + self.bias if self.bias is not None else y
''',
)


def local_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    pads, kernel, stride, dilation = window.torch_padding(layer)
    cin, filters = layer.input_shape[0], layer.output_shape[0]
    out = layer.output_shape[1:]
    return Module(
        f"Local({cin}, {filters}, {kernel}, {stride}, {pads}, {dilation}, {out}, {spec.bias})",
        (LOCAL,),
    )


# --- deconv ----------------------------------------------------------------------


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
    if layer.padding == "causal":
        raise LayerError("pcausal pads forward convolutions only, not deconv", field="padding")
    if layer.padding == "same":
        out = [w * s for w, s in zip(spatial, stride, strict=True)]
        pairs = [
            arith.same_transposed_padding(k, s, d)
            for k, s, d in zip(kernel, stride, dilation, strict=True)
        ]
        for axis, (_, op), k, s, d in zip(
            axis_names(rank), pairs, kernel, stride, dilation, strict=True
        ):
            if op >= s and op >= d:  # torch refuses the output padding it would need
                raise LayerError(
                    f"{axis}: psame with kernel {k} at stride {s} needs an output padding of "
                    f"{op}, which torch allows only below the stride or the dilation: use an "
                    "odd kernel, or a stride above 1",
                    field="padding",
                )
        pad = tuple(p for p, _ in pairs)
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
        kernel=kernel, stride=stride, dilation=dilation, groups=groups, output_padding=extra
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
        reach=Reach(spans, tuple(ratio(1, s) for s in stride), starts),
    )


def deconv_explain(layer: LayerReport) -> list[str]:
    spec, costs = layer.layer, layer.costs
    assert spec is not None and spec.kernel is not None
    spatial, out = layer.input_shape[1:], layer.output_shape[1:]
    stride = spec.stride or (1,) * len(spatial)
    dilation = spec.dilation or (1,) * len(spatial)
    pads = expand(spec.padding if isinstance(spec.padding, tuple) else None, len(spatial), 0, "")
    extra = spec.output_padding or (0,) * len(spatial)
    lines = []
    for axis, w, k, s, d, p, op, o in zip(
        axis_names(len(spatial)), spatial, spec.kernel, stride, dilation, pads, extra, out,
        strict=True,
    ):  # fmt: skip
        if spec.padding == "same":
            lines.append(f"{axis}: {w} × {s} = {o}   (same padding)")
        else:
            lines.append(f"{axis}: ({w} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {o}")
    c, n, k = layer.input_shape[0], layer.output_shape[0], shape_text(spec.kernel, "·")
    g = spec.groups or 1
    per = f"{n}/{g}" if g > 1 else str(n)
    return [
        *lines,
        f"params: {c} × ({per}·{k}){_bias(layer)} = {costs.params:,}",
        f"MACs: {shape_text(layer.input_shape, '·')} inputs × ({per}·{k}) = {costs.macs:,}",
        *connection_lines(layer),
    ]


def _same_transposed(kernel: Shape, stride: Shape, dilation: Shape) -> tuple[Shape, Shape]:
    """Padding and output padding that make a transposed conv give W·S (Keras 'same')."""
    pairs = [
        arith.same_transposed_padding(k, s, d)
        for k, s, d in zip(kernel, stride, dilation, strict=True)
    ]
    return tuple(p for p, _ in pairs), tuple(op for _, op in pairs)


def deconv_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    rank = len(layer.input_shape) - 1
    kernel, stride, dilation = window.resolved(layer)
    if spec.padding == "same":
        padding, extra = _same_transposed(kernel, stride, dilation)
    else:
        padding = expand(spec.padding if isinstance(spec.padding, tuple) else None, rank, 0, "")
        extra = spec.output_padding or (0,) * rank
    cin, filters = layer.input_shape[0], layer.output_shape[0]
    return Module(
        f"nn.ConvTranspose{rank}d({cin}, {filters}, {kernel}, stride={stride}, "
        f"padding={padding}, output_padding={extra}, groups={spec.groups or 1}, "
        f"bias={spec.bias}, dilation={dilation})"
    )


_WINDOW = frozenset({"stride", "padding", "dilation", "bias", "trainable"})


def _local_saved(layer: LayerReport) -> Saved:
    """The emitted module's einsum keeps the unfolded patches (C·k values per output
    position), not the input."""
    kernel = window.resolved(layer)[0]
    patches = layer.input_shape[0] * math.prod(kernel) * math.prod(layer.output_shape[1:])
    return Saved(((patches, 0),), input=False)


def _depthwise_saved(layer: LayerReport) -> Saved:
    """The depthwise conv keeps its input (or its padded copy, behind an uneven
    pad), the pointwise one the depthwise output."""
    depthwise = (layer.input_shape[0] * math.prod(layer.output_shape[1:]), 0)
    padded = window.padded_input(layer)
    return Saved(((padded, 0), depthwise), input=False) if padded else Saved((depthwise,))


def _conv_saved(layer: LayerReport) -> Saved:
    """Behind an uneven pad the conv keeps the padded copy, not its input. A
    connection table's emitted TableConv runs one conv per output map on
    ``x[:, row]``: each keeps that copy of its maps, and the indexing keeps its
    int64 index list; the input itself is not kept."""
    spec = layer.layer
    if spec is None or spec.table is None:
        return window.padded_saved(layer)
    padded = window.padded_input(layer) or math.prod(layer.input_shape)
    spatial = padded // layer.input_shape[0]
    return Saved(
        tuple((len(row) * spatial, 0) for row in spec.table),
        tuple(len(row) * 8 for row in spec.table),
        input=False,
    )


KINDS = (
    Kind(
        "conv",
        Arg.FILTERS_KERNEL,
        conv_rule,
        "convolution with shared weights",
        conv_explain,
        conv_torch,
        ("convolution",),
        _WINDOW | {"groups", "depthwise", "table"},
        memory=CONV.replace(saved=_conv_saved),
    ),
    Kind(
        "sepconv",
        Arg.FILTERS_KERNEL,
        sepconv_rule,
        "depthwise-separable convolution: depthwise F×F, then pointwise 1×1",
        sepconv_explain,
        sepconv_torch,
        ("separableconv",),
        _WINDOW,
        # the depthwise conv keeps its input, the pointwise one the depthwise output
        memory=Behaviour(
            saves_input=True,
            autocast="half",
            saved=_depthwise_saved,
        ),
    ),
    Kind(
        "local",
        Arg.FILTERS_KERNEL,
        local_rule,
        "locally connected (unshared)",
        local_explain,
        local_torch,
        options=_WINDOW,
        # the emitted einsum keeps the unfolded patches: C·k values per output position
        memory=Behaviour(autocast="half", weights="bias", saved=_local_saved),
    ),
    Kind(
        "deconv",
        Arg.FILTERS_KERNEL,
        deconv_rule,
        "transposed convolution",
        deconv_explain,
        deconv_torch,
        ("convt",),
        _WINDOW | {"groups", "depthwise", "output_padding"},
        memory=CONV,
    ),
)
