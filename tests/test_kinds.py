"""The registry of layer kinds: every kind has every facet and goes through every output.

A kind is declared once (cnncalc/kinds/); this file loops over the registry,
so a kind added there without its PyTorch reference below, its README row, or
an --explain that adds up fails here, whichever output it breaks.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc import SpecError
from cnncalc.canonical import format_layer
from cnncalc.cli import cli
from cnncalc.kinds import KINDS, NAMES, Arg, Kind
from cnncalc.kinds.base import Reads
from cnncalc.layer import LayerSpec
from cnncalc.readers.spec import parse
from cnncalc.readers.yamlspec import load
from cnncalc.render import explain, svg

from conftest import error, invoke, need_torch, run
from kind_examples import INPUTS, SEQUENCE, TOKENS, example
from oracles import torch_figures

torch = need_torch()
nn = torch.nn
FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode

ROOT = Path(__file__).resolve().parent.parent


class LocalReference(nn.Module):  # type: ignore[misc]
    """A locally connected layer as torch has it: one full convolution per output
    position, each applied to the window that position reads (stride 1, no padding)."""

    def __init__(self, channels: int, filters: int, kernel: int, inputs: tuple[int, ...]):
        super().__init__()
        rank = len(inputs)
        conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[rank - 1]
        self.kernel = kernel
        self.out = tuple(w - kernel + 1 for w in inputs)
        self.convs = nn.ModuleList(
            conv(channels, filters, kernel) for _ in range(math.prod(self.out))
        )

    def forward(self, x: Any) -> Any:
        import itertools

        ys = []
        for conv, at in zip(self.convs, itertools.product(*map(range, self.out)), strict=True):
            window = x[(slice(None), slice(None), *(slice(i, i + self.kernel) for i in at))]
            ys.append(conv(window).flatten(1))
        return torch.stack(ys, -1).reshape(x.shape[0], -1, *self.out)


class SubsampleReference(nn.Module):  # type: ignore[misc]
    """LeNet-5's subsampling: a 2×… window sum (a depthwise convolution whose
    weights are tied to one coefficient per map), plus a bias per map."""

    def __init__(self, channels: int, rank: int):
        super().__init__()
        self.rank = rank
        self.coefficient = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Any) -> Any:
        conv = (nn.functional.conv1d, nn.functional.conv2d, nn.functional.conv3d)[self.rank - 1]
        c = x.shape[1]
        shape = (c, 1, *(2,) * self.rank)
        weight = self.coefficient.view(c, *(1,) * (self.rank + 1)).expand(shape)
        return conv(x, weight, self.bias, stride=2, groups=c)


def _by_rank(*modules: Any) -> Callable[[int, tuple[int, ...]], Any]:
    return lambda rank, shape: modules[rank - 1]


ACTIVATION = {
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "hardswish": nn.Hardswish,
    "hardsigmoid": nn.Hardsigmoid,
    "elu": nn.ELU,
}


class ChannelLayerNorm(nn.Module):  # type: ignore[misc]
    """ConvNeXt's LayerNorm2d, as torchvision writes it: channels moved last,
    torch.nn.LayerNorm over them, moved back."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: Any) -> Any:
        if x.dim() == 2:
            return self.norm(x)
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)


class LayerScaleReference(nn.Module):  # type: ignore[misc]
    """torchvision's ConvNeXt CNBlock: ``layer_scale * x``, a (C, 1, 1) parameter."""

    def __init__(self, channels: int, rank: int):
        super().__init__()
        self.layer_scale = nn.Parameter(torch.ones(channels, *(1,) * rank) * 1e-6)

    def forward(self, x: Any) -> Any:
        return self.layer_scale * x


class StochasticDepthReference(nn.Module):  # type: ignore[misc]
    """torchvision.ops.stochastic_depth(x, p, "row", training): a per-sample
    Bernoulli(1 − p) mask scaled by 1/(1 − p); in eval the identity."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: Any) -> Any:
        if not self.training:
            return x
        noise = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(1 - self.p)
        return x * noise / (1 - self.p)


def _unflatten(shape: tuple[int, ...]) -> Any:
    target = (math.prod(shape) // 2, 2)
    return nn.Sequential(nn.Flatten(), nn.Unflatten(1, target))


class JoinReference(nn.Module):  # type: ignore[misc]
    """``relu as x | <join> x``: the join of relu(x) with itself, by torch's own op."""

    def __init__(self, op: Callable[[Any, Any], Any]):
        super().__init__()
        self.op = op

    def forward(self, x: Any) -> Any:
        y = torch.relu(x)
        return self.op(y, y)


REFERENCE: dict[str, Callable[[int, tuple[int, ...]], Any]] = {
    "add": lambda r, s: JoinReference(torch.add),
    "mul": lambda r, s: JoinReference(torch.mul),
    "cat": lambda r, s: JoinReference(lambda a, b: torch.cat([a, b], dim=1)),
    # equal sizes: nothing to crop
    "catcrop": lambda r, s: JoinReference(lambda a, b: torch.cat([a, b], dim=1)),
    "from": lambda r, s: JoinReference(lambda a, b: b),
    "conv": lambda r, s: (nn.Conv1d, nn.Conv2d, nn.Conv3d)[r - 1](6, 4, 3),
    "local": lambda r, s: LocalReference(6, 4, 3, s[1:]),
    "deconv": lambda r, s: (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[r - 1](
        6, 4, 3
    ),
    "pool": lambda r, s: (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[r - 1](2),
    "avgpool": lambda r, s: (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[r - 1](2),
    "subsample": lambda r, s: SubsampleReference(6, r),
    "gap": lambda r, s: (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)[r - 1](
        1
    ),
    "gmp": lambda r, s: (nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)[r - 1](
        1
    ),
    "adaptivepool": lambda r, s: (
        nn.AdaptiveAvgPool1d,
        nn.AdaptiveAvgPool2d,
        nn.AdaptiveAvgPool3d,
    )[r - 1](2),
    "fc": lambda r, s: nn.Sequential(nn.Flatten(), nn.Linear(math.prod(s), 5)),
    # y_i = Σ_j (x_j − w_ij)²: the weights and multiply-adds of a bias-free Linear
    "rbf": lambda r, s: nn.Sequential(nn.Flatten(), nn.Linear(math.prod(s), 5, bias=False)),
    "flatten": lambda r, s: nn.Flatten(),
    # zero padding of (0, 1) on every axis: torch's pad tuple lists (before, after) per axis
    "pad": lambda r, s: (nn.ConstantPad1d, nn.ConstantPad2d, nn.ConstantPad3d)[r - 1](
        (0, 1) * r, 0.0
    ),
    "bn": lambda r, s: (nn.BatchNorm1d, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[r](6),
    "lrn": lambda r, s: nn.LocalResponseNorm(3),
    "dropout": lambda r, s: nn.Dropout(0.25),
    "leakyrelu": lambda r, s: nn.LeakyReLU(0.25),
    "softmax": lambda r, s: nn.Softmax(dim=1),
    # the shape of max pooling's, no parameters: what cnncalc counts of it
    "stochasticpool": lambda r, s: (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[r - 1](2),
    "sepconv": lambda r, s: nn.Sequential(
        (nn.Conv1d, nn.Conv2d, nn.Conv3d)[r - 1](6, 6, 3, groups=6, bias=False),
        (nn.Conv1d, nn.Conv2d, nn.Conv3d)[r - 1](6, 4, 1),
    ),
    "layernorm": lambda r, s: ChannelLayerNorm(6),
    "groupnorm": lambda r, s: nn.GroupNorm(3, 6),
    "instancenorm": lambda r, s: (nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)[r - 1](
        6
    ),
    "layerscale": lambda r, s: LayerScaleReference(6, r),
    "droppath": lambda r, s: StochasticDepthReference(0.25),
    "upsample": lambda r, s: nn.Upsample(scale_factor=2),
    "reshape": lambda r, s: _unflatten(s),
    "shuffle": lambda r, s: nn.ChannelShuffle(3),
    "identity": lambda r, s: nn.Identity(),
    **{name: (lambda module: lambda r, s: module())(m) for name, m in ACTIVATION.items()},
}
"""Each kind built independently from torch.nn (not from cnncalc's emitted code)."""


class Lambda(nn.Module):  # type: ignore[misc]
    def __init__(self, f: Callable[[Any], Any]):
        super().__init__()
        self.f = f

    def forward(self, x: Any) -> Any:
        return self.f(x)


class ClassTokenReference(nn.Module):  # type: ignore[misc]
    """torchvision's VisionTransformer: ``torch.cat([class_token.expand(n, -1, -1), x], 1)``."""

    def __init__(self, dim: int):
        super().__init__()
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x: Any) -> Any:
        return torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)


class PositionReference(nn.Module):  # type: ignore[misc]
    """torchvision's ViT Encoder: ``input + self.pos_embedding``, a (1, N, D) parameter."""

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.zeros(1, *shape))

    def forward(self, x: Any) -> Any:
        return x + self.pos_embedding


class AttentionReference(nn.Module):  # type: ignore[misc]
    """torch.nn.MultiheadAttention on (x, x, x), as torchvision's ViT EncoderBlock
    calls it, on SDPA's math path: FlopCounterMode counts its matrix products
    (the CPU's fused flash kernel it does not count)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)

    def forward(self, x: Any) -> Any:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel(SDPBackend.MATH):
            return self.attention(x, x, x, need_weights=False)[0]


class WindowReference(nn.Module):  # type: ignore[misc]
    """torchvision's Swin ShiftedWindowAttention on a sequence as a map of one row:
    windows of 1 × w tokens (the example's w2), unshifted."""

    def __init__(self, dim: int, heads: int, window: int):
        super().__init__()
        from torchvision.models.swin_transformer import (  # type: ignore[import-not-found]
            ShiftedWindowAttention,
        )

        self.attention = ShiftedWindowAttention(dim, [1, window], [0, 0], heads)

    def forward(self, x: Any) -> Any:
        return self.attention(x.unsqueeze(1)).squeeze(1)


class TableReference(nn.Module):  # type: ignore[misc]
    """Hugging Face's BertEmbeddings: ``position_embeddings(position_ids[:, :N])``
    and ``token_type_embeddings(zeros)``, each an nn.Embedding looked up and added."""

    def __init__(self, rows: int, dim: int, positions: bool):
        super().__init__()
        self.table = nn.Embedding(rows, dim)
        self.positions = positions

    def forward(self, x: Any) -> Any:
        n = x.shape[1]
        ids = torch.arange(n) if self.positions else torch.zeros(n, dtype=torch.long)
        return x + self.table(ids)


def _permute_reference(rank: int) -> Any:
    """cnncalc's example ``permute 1,2,…,0``: the channels moved last."""
    return Lambda(lambda x: x.permute(0, *range(2, rank + 2), 1))


REFERENCE["padchannels"] = lambda r, s: Lambda(
    lambda x: nn.functional.pad(x, (0, 0) * r + (0, 1))  # the example's 0:1
)
REFERENCE["slice"] = lambda r, s: Lambda(lambda x: x[:, 0:1])
REFERENCE["groupsum"] = lambda r, s: Lambda(lambda x: x.unflatten(1, (3, -1)).sum(1))
REFERENCE["tokens"] = lambda r, s: Lambda(lambda x: x.flatten(2).transpose(1, 2))
REFERENCE["permute"] = lambda r, s: _permute_reference(r)
REFERENCE["posembed"] = lambda r, s: PositionReference(s)

SEQUENCE_REFERENCE: dict[str, Callable[[tuple[int, ...]], Any]] = {
    "fc": lambda s: nn.Linear(s[-1], 5),  # on the last axis: each token alike
    "layernorm": lambda s: nn.LayerNorm(s[-1]),
    "layerscale": lambda s: LayerScaleReference(s[-1], 0),
    "permute": lambda s: Lambda(lambda x: x.transpose(1, 2)),
    "untokens": lambda s: Lambda(lambda x: x.transpose(1, 2).unflatten(2, (2, 5))),
    "cls": lambda s: ClassTokenReference(s[-1]),
    "token": lambda s: Lambda(lambda x: x[:, 1]),
    "attention": lambda s: AttentionReference(s[-1], 3),
    "posembed": lambda s: TableReference(12, s[-1], positions=True),
    "segments": lambda s: TableReference(12, s[-1], positions=False),
    "windowattention": lambda s: WindowReference(s[-1], 3, 2),
    "merge": lambda s: Lambda(lambda x: torch.cat([x[:, 0::2], x[:, 1::2]], -1)),
}
"""The kinds whose torch module on a token sequence (N×D, features last) differs
from :data:`REFERENCE`'s; the others (element-wise, the joins) are the same."""


def reference(name: str, rank: int, shape: tuple[int, ...]) -> Any:
    """The torch module of kind ``name``'s example at ``rank`` on ``shape``; at
    SEQUENCE, after the transpose that makes the (6, 10) input a 10×6 sequence."""
    if rank != SEQUENCE:
        return REFERENCE[name](rank, shape)
    tokens = (shape[1], shape[0])
    inner = SEQUENCE_REFERENCE.get(name)
    module = inner(tokens) if inner else REFERENCE[name](1, tokens)
    return nn.Sequential(Lambda(lambda x: x.transpose(1, 2)), module)


def accepted_ranks(kind: Kind) -> list[int]:
    ranks = []
    for rank, shape in INPUTS.items():
        if kind.reads is Reads.LAST and rank != SEQUENCE:
            continue  # a channels-first input would be read as a sequence: --input N×D
        if rank == 0 and kind.arg is Arg.FILTERS_KERNEL:
            continue  # a 1-D kernel reads --input 6 as one channel of 6: a rank-1 case
        try:
            run(example(kind, rank), *shape)
        except SpecError:
            continue
        ranks.append(rank)
    return ranks


CASES = [
    (name, rank)
    for name, kind in KINDS.items()
    if not kind.takes_tokens
    for rank in accepted_ranks(kind)
]


def test_every_kind_has_every_facet() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, kind in KINDS.items():
        assert kind.summary and callable(kind.rule), name
        assert callable(kind.explain) and callable(kind.torch), name
        assert NAMES[name] == name and all(NAMES[a] == name for a in kind.aliases)
        assert name in REFERENCE or name in SEQUENCE_REFERENCE or kind.takes_tokens, (
            f"{name}: no torch reference in this test"
        )
        assert re.search(rf"^\|.*`{name}[ `]", readme, re.M), f"{name}: no README table row"
        if not kind.takes_tokens:
            assert accepted_ranks(kind), f"{name}: the example spec is accepted at no rank"


@pytest.mark.parametrize(("name", "rank"), CASES)
def test_kind_agrees_with_torch(name: str, rank: int) -> None:
    """Shape, parameters, buffers and MACs against torch.nn, in every rank the
    kind accepts; where torch refuses the configuration, cnncalc must too."""
    shape = INPUTS[rank]
    report = run(example(KINDS[name], rank), *shape)
    expected = torch_figures(reference(name, rank, shape), shape)
    ours = {
        "shape": report.output_shape,
        "params": report.total.params,
        "buffers": report.total.buffers,
        "macs": report.total.macs,
    }
    if name == "subsample":  # the window sum's 2^rank adds per output are LeCun's connections
        expected["macs"] = math.prod(report.output_shape) * 2**rank
    assert ours == expected


def test_lrn_is_refused_where_torch_refuses_it() -> None:
    """torch's LocalResponseNorm needs a channel and at least one spatial axis."""
    with pytest.raises(ValueError, match="3D or higher"):
        nn.LocalResponseNorm(3)(torch.rand(2, 6))
    with pytest.raises(SpecError, match="spatial axes"):
        run("lrn 3", *INPUTS[0])


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


ALL = [(name, rank) for name, rank in CASES] + [
    (name, -1) for name, kind in KINDS.items() if kind.takes_tokens
]


def _spec_and_input(name: str, rank: int) -> tuple[str, str]:
    kind = KINDS[name]
    if rank == -1:  # the kinds that read token ids (embed)
        return f"{example(kind, 1)} | conv 3x3", "x".join(map(str, TOKENS))
    return example(kind, rank), "x".join(map(str, INPUTS[rank]))


@pytest.mark.parametrize(("name", "rank"), ALL)
def test_kind_through_every_output(name: str, rank: int) -> None:
    spec, dims = _spec_and_input(name, rank)
    data = json.loads(_cli(spec, "--input", dims, "--json"))
    layer = [layer for layer in data["layers"] if layer["kind"] == name][-1]
    table = _cli(spec, "--input", dims)
    assert layer["spec"] in table
    for fmt in ("csv", "markdown"):
        assert layer["spec"].split()[0] in _cli(spec, "--input", dims, "-f", fmt)
    report = run(spec, *map(int, dims.split("x")))
    assert "<svg" in svg.render(report)
    _check_explained(explain.render(report))
    _check_emitted(_cli(spec, "--input", dims, "--emit", "torch"), data)


READING = frozenset(name for name, kind in KINDS.items() if kind.arg is Arg.REF)


def _check_explained(text: str) -> None:
    """Every ``… = N`` line of --explain adds up: its left side, evaluated, is N."""
    for line in text.splitlines():
        for part in line.split(";"):
            left, sep, right = part.partition(" = ")
            body = left.split(":", 1)[-1]
            if not sep or not re.fullmatch(r"[\d\s×·+−\-/(),.]+", body) or "→" in right:
                continue
            expr = body.replace("×", "*").replace("·", "*").replace("−", "-").replace(",", "")
            value = right.split()[0].replace(",", "")
            if re.fullmatch(r"\d+", value):
                assert eval(expr) == int(value), line


def _check_emitted(source: str, data: dict[str, Any]) -> None:
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    net = namespace["Net"]().eval()
    dtype = torch.long if "class Tokens" in source else torch.float32
    x = torch.zeros((2, *namespace["INPUT_SHAPE"]), dtype=dtype)
    assert list(net(x).shape[1:]) == data["output_shape"]
    assert sum(p.numel() for p in net.parameters()) == data["total"]["params"]


# --- the model zoo's kinds against torch --------------------------------------
# Issue 13's layer kinds: both spec forms, their errors, the emitted helpers'
# arithmetic, receptive fields, and the YAML template arithmetic.
#
# Figures come from torch (the modules run here) or by hand in a comment.


SAME = [
    (
        "sepconv 16x3x3 s2 p1 nobias",
        "sepconv: {filters: 16, kernel: [3, 3], stride: 2, padding: 1, bias: false}",
    ),
    ("stochasticpool 3 s2", "stochasticpool: {size: 3, stride: 2}"),
    ("layernorm noaffine", "layernorm: {affine: false}"),
    ("groupnorm 4", "groupnorm: {groups: 4}"),
    ("groupnorm 4 noaffine", "groupnorm: {size: 4, affine: false}"),
    ("instancenorm affine", "instancenorm: {affine: true}"),
    ("bn noaffine", "bn: {affine: false}"),
    ("layerscale frozen", "layerscale: {trainable: false}"),
    ("droppath 0.2", "droppath: {p: 0.2}"),
    ("upsample 2x1 bilinear", "upsample: {factor: [2, 1], mode: bilinear}"),
    ("upsample size=56x40", "upsample: {size: [56, 40]}"),
    ("reshape 64x4x4", "reshape: {shape: [64, 4, 4]}"),
    ("conv 8x3 pcausal d2", "conv: {filters: 8, kernel: [3], dilation: 2, padding: causal}"),
    ("permute 1,2,0", "permute: {order: [1, 2, 0]}"),
    ("permute 0,2,3,1", "permute: {order: '0,2,3,1'}"),
    ("attention 12 nobias", "attention: {heads: 12, bias: false}"),
    ("posembed 512", "posembed: {positions: 512}"),
    ("segments 2", "segments: {segments: 2}"),
    ("untokens 14x14", "untokens: {size: [14, 14]}"),
    ("token 0", "token: {index: 0}"),
    ("slice 0:2", "slice: {pads: [0, 2]}"),
    ("padchannels 1:2", "padchannels: {pads: '1:2'}"),
    ("groupsum 2", "groupsum: {groups: 2}"),
]


@pytest.mark.parametrize(("text", "mapping"), SAME)
def test_string_and_yaml_forms_agree_and_print_back(text: str, mapping: str) -> None:
    from_text = parse(text).layers[0]
    from_yaml = load(f"layers:\n  - {mapping}\n").layers[0]
    assert from_text == from_yaml
    assert isinstance(from_text, LayerSpec)
    assert format_layer(from_text) == text  # the canonical form is the one written
    assert parse(format_layer(from_text)).layers[0] == from_text


def test_hardswish_and_silu_exist_beside_hardsigmoid() -> None:
    for word in ("hardsigmoid", "hardswish", "silu"):
        assert run(f"conv 4x3x3 | {word}", 3, 8, 8).output_shape == (4, 6, 6)


@pytest.mark.parametrize(
    ("spec", "dims", "message", "caret"),
    [
        ("groupnorm 5", (6, 4, 4), "5 groups must divide the 6 input channels", "5"),
        ("reshape 7x7", (6, 4, 4), "cannot reshape 6x4x4 (96 values) to 7x7 (49 values)", "7x7"),
        ("upsample 2 trilinear", (3, 8, 8), "trilinear interpolates a 3-D input", "trilinear"),
        ("upsample", (3, 8, 8), "upsample takes a factor or a size", "upsample"),
        ("upsample 2 size=4", (3, 8, 8), "one of them", "2"),
        ("conv 8x3x3 pcausal", (3, 8, 8), "pcausal pads a 1-D input", "pcausal"),
        ("pool 2 pcausal", (3, 8), "pcausal pads convolutions only", "pcausal"),
        ("deconv 8x3 pcausal", (3, 8), "not deconv", "pcausal"),
        ("droppath 1.5", (3, 8), "droppath probability must be between 0 and 1", "1.5"),
        ("layerscale 2", (3, 8), "unexpected number '2'", "2"),
        ("instancenorm", (6,), "needs an input with spatial axes", "instancenorm"),
        ("relu nearest", (3, 8), "relu does not take mode", "nearest"),
    ],
)
def test_bad_input_names_the_layer_and_the_spot(
    spec: str, dims: tuple[int, ...], message: str, caret: str
) -> None:
    exc = error(spec, *dims)
    assert message in exc.message
    assert exc.location is not None
    assert exc.location.line[exc.location.start : exc.location.end].startswith(caret)
    code, _, err = invoke(spec, "--input", "x".join(map(str, dims)))
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err


def _field(spec: str, dims: str) -> dict[str, Any]:
    code, out, _ = invoke(spec, "--input", dims, "--json")
    assert code == 0
    return json.loads(out)["layers"][-1]["receptive_field"]  # type: ignore[no-any-return]


def _support(module: Any, shape: tuple[int, ...], at: int) -> list[int]:
    """Input positions (1-D) the output unit ``at`` depends on, from torch's gradient."""
    x = torch.rand((1, *shape), requires_grad=True)
    module(x)[0, :, at].sum().backward()
    return [int(i) for i in torch.nonzero(x.grad[0].abs().sum(0)).flatten()]


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_upsample_field_covers_what_torch_reads(mode: str) -> None:
    """A 3-wide conv then upsampling ×2: cnncalc's field (the widest unit's) holds
    every unit's inputs as torch's gradient finds them (from the position its
    fractional start falls in), and some unit needs it all."""
    field = _field(f"conv 1x1x3 | upsample 1x2 {mode}", "1x1x12")
    size, jump, begin = field["size"][1], field["jump"][1], field["start"][1]
    torch_mode = "nearest" if mode == "nearest" else "bilinear"
    conv = nn.Conv2d(1, 1, (1, 3))
    up = nn.Upsample(scale_factor=(1, 2), mode=torch_mode)
    net = nn.Sequential(conv, up, nn.Flatten(2))  # (N, 1, 1, W) -> (N, 1, W)
    widths = []
    for at in range(2, 18):  # away from the clamped borders
        seen = _support(lambda x: net(x.unsqueeze(2)), (1, 12), at)
        low, high = begin + at * jump, begin + at * jump + size
        # a fractional start is where the unit's window begins between positions
        assert math.floor(low) <= seen[0] and seen[-1] + 1 <= high, (at, seen, low, high)
        widths.append(len(seen))
    assert max(widths) == size  # nearest: the conv's 3; bilinear: 3 + 1 input apart


def test_causal_conv_reads_no_future() -> None:
    """WaveNet's property: output t of a causal dilated conv reads inputs ≤ t only,
    and the field reaches D·(F−1) back, as torch's gradient shows."""
    code, out, _ = invoke("conv 1x2 d4 pcausal", "--input", "1x20", "--emit", "torch")
    assert code == 0
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(out, "<emitted>", "exec"), namespace)
    net = namespace["Net"]()
    assert _support(net, (1, 20), 10) == [6, 10]
    assert _support(net, (1, 20), 0) == [0]
    assert _field("conv 1x2 d4 pcausal", "1x20") == {"size": [5], "jump": [1], "start": [-4]}


def _emitted(spec: str, dims: str) -> Any:
    code, out, _ = invoke(spec, "--input", dims, "--emit", "torch")
    assert code == 0, out
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(out, "<emitted>", "exec"), namespace)
    return namespace["Net"]()


def test_stochastic_pool_samples_in_training_and_averages_in_eval() -> None:
    net = _emitted("stochasticpool 2", "1x2x4")
    x = torch.tensor([[[[1.0, 3.0, 0.0, 0.0], [0.0, 4.0, 2.0, 2.0]]]])
    # eval: Σa²/Σa per window: (1 + 9 + 16)/8 = 3.25; (4 + 4)/4 = 2 (Zeiler & Fergus, eq. 4)
    assert net.eval()(x).flatten().tolist() == [3.25, 2.0]
    net.train()
    torch.manual_seed(0)
    draws = [tuple(net(x).flatten().tolist()) for _ in range(200)]
    assert {d[0] for d in draws} == {1.0, 3.0, 4.0}  # never the 0: its probability is 0
    assert {d[1] for d in draws} == {2.0}
    ones = sum(d[0] == 4.0 for d in draws)
    assert 70 < ones < 130  # p = 4/8 = 0.5 of 200


def test_drop_path_drops_whole_samples() -> None:
    net = _emitted("droppath 0.5", "3x4")
    x = torch.ones((64, 3, 4))
    assert torch.equal(net.eval()(x), x)
    torch.manual_seed(0)
    y = net.train()(x)
    per_sample = {tuple(set(sample.flatten().tolist())) for sample in y}
    assert per_sample == {(0.0,), (2.0,)}  # all dropped, or all kept and scaled by 1/(1−p)


def test_layernorm_normalises_channels_at_each_position() -> None:
    net = _emitted("layernorm", "5x3x2").eval()
    x = torch.rand((2, 5, 3, 2)) * 10
    y = net(x)
    assert torch.allclose(y.mean(1), torch.zeros(2, 3, 2), atol=1e-5)
    assert torch.allclose(y.var(1, unbiased=False), torch.ones(2, 3, 2), atol=1e-3)
    assert sum(p.numel() for p in net.parameters()) == 2 * 5


def test_sepconv_equals_keras_separable_counts() -> None:
    """Keras SeparableConv2D(64, 3) on 32 channels: depthwise 32·9 = 288, pointwise
    32·64 = 2,048, bias 64: 2,400 (the Keras summary's figure for this layer)."""
    report = run("sepconv 64x3x3", 32, 10, 10)
    assert report.total.params == 288 + 2048 + 64
    assert report.output_shape == (64, 8, 8)
    # MACs: 8·8 positions × (32·9 + 32·64)
    assert report.total.macs == 64 * (288 + 2048)


def test_reshape_after_fc_is_dcgan_first_step() -> None:
    """DCGAN (Radford et al. 2016): a 100-long z projected to 4·4·1024 and reshaped."""
    report = run("fc 16384 nobias | reshape 1024x4x4 | deconv 512x4x4 s2 p1 nobias", 100, 1, 1)
    assert report.output_shape == (512, 8, 8)
    assert report.total.params == 100 * 16384 + 1024 * 512 * 16


def _filters(template: str, params: str) -> list[int]:
    doc = f"""
input: [3, 32, 32]
blocks:
  b:
    params: {{{params}}}
    layers: ["conv {template}x1x1"]
layers:
  - b: {{}}
"""
    return [layer.output_shape[0] for layer in _analyse(doc)]


def _analyse(doc: str) -> Any:
    from cnncalc.engine import analyze

    return analyze(load(doc)).layers


@pytest.mark.parametrize(
    ("template", "params", "filters"),
    [
        ("{width*0.75}", "width: 32", 24),
        ("{(width+8)/2}", "width: 32", 20),
        ("{width*mult}", "width: 64, mult: 0.25", 16),
        # torchvision MobileNetV2, width 0.75: 16·0.75 = 12 → (12 + 4)//8·8 = 16
        ("{make_divisible(16*mult, 8)}", "mult: 0.75", 16),
        # 24·0.75 = 18 → (18 + 4)//8·8 = 16 < 0.9·18 = 16.2, so 16 + 8 = 24
        ("{make_divisible(24*mult, 8)}", "mult: 0.75", 24),
        # 320·0.35 = 112 → (112 + 4)//8·8 = 112
        ("{make_divisible(320*mult, 8)}", "mult: 0.35", 112),
        # 3·0.5 = 1.5 → max(8, (1.5 + 4)//8·8 = 0) = 8, the least value
        ("{make_divisible(3*mult, 8)}", "mult: 0.5", 8),
        ("{make_divisible(3*mult, 8, 16)}", "mult: 0.5", 16),
    ],
)
def test_template_arithmetic(template: str, params: str, filters: int) -> None:
    assert _filters(template, params) == [filters]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{width/3}", "filters must be a whole number"),
        ("{width**2}", "unexpected '*'"),
        ("{make_divisible(width)}", "make_divisible takes (value, divisor[, least])"),
        ("{width/(width-width)}", "division by zero"),
        ("{width*" + "9" * 31 + "}", "at most 30 digits"),
        ("{" + "width*" * 40 + "1}", "more than 200 characters"),
        ("{__import__}", "unknown parameter"),
        ("{(width}", "')' is missing"),
    ],
)
def test_template_errors(template: str, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        _filters(template, "width: 32")


def test_pad_is_kerass_zero_padding() -> None:
    """Keras's ZeroPadding2D(((0, 1), (0, 1))) before a 3×3, stride-2, valid conv
    (as MobileNet's Keras code pads before a strided conv): 8 + 0 + 1 = 9 per axis,
    then ⌊(9 − 3)/2⌋ + 1 = 4; zeros only, so 0 params and 0 MACs for the pad."""
    report = run("pad 0:1x0:1 | conv 8x3x3 s2", 3, 8, 8)
    pad, conv = report.layers
    assert (pad.output_shape, pad.costs.params, pad.costs.macs) == ((3, 9, 9), 0, 0)
    assert conv.output_shape == (8, 4, 4) and not conv.warnings
    assert run("pad 1x2", 3, 8, 8).output_shape == (3, 10, 12)  # 8 + 2·1, 8 + 2·2
    with pytest.raises(SpecError, match="pad gives 3 axes but the input has 2"):
        run("pad 1x1x1", 3, 8, 8)


def test_option_a_shortcut_of_the_cifar_resnet() -> None:
    """He et al. 2016's CIFAR ResNets widen the identity shortcut with zero channels
    (option A): a stride-2 slice x[:, :, ::2, ::2] and 8 zero maps either side, as
    torch computes it; the block's params by hand: 3x3 convs 16→32 and 32→32, no
    bias, and two batch norms: 16·32·9 + 32·32·9 + 2·2·32 = 13,952."""
    spec = (
        "res[ conv 32x3x3 s2 p1 nobias | bn | relu | conv 32x3x3 p1 nobias | bn ; "
        "pool 1 s2 | padchannels 8 ]"
    )
    report = run(spec, 16, 32, 32)
    x = torch.rand(2, 16, 32, 32)
    shortcut = nn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 8, 8))
    assert report.output_shape == tuple(shortcut.shape[1:]) == (32, 16, 16)
    assert report.total.params == 13_952
