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
from cnncalc.cli import cli
from cnncalc.kinds import KINDS, NAMES, Arg, Kind
from cnncalc.render import explain, svg

from conftest import need_torch, run

torch = need_torch()
nn = torch.nn
FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode

ROOT = Path(__file__).resolve().parent.parent

INPUTS = {0: (6,), 1: (6, 10), 2: (6, 10, 9), 3: (6, 6, 7, 5)}
"""An input of each spatial rank (0: a vector of 6 features), 6 channels."""
TOKENS = (12,)


def example(kind: Kind, rank: int) -> str:
    """A spec of ``kind`` in the string syntax, from its argument grammar."""
    arg = {
        Arg.NONE: "",
        Arg.FILTERS_KERNEL: "4x" + "x".join("3" * max(rank, 1)),
        Arg.WINDOW: "2",
        Arg.OUTPUT_SIZE: "2",
        Arg.UNITS: "5",
        Arg.VOCAB_DIM: "20x4",
        Arg.RATE: "0.25",
        Arg.SLOPE: "0.25",
        Arg.NEIGHBOURS: "3",
        Arg.GROUPS: "3",  # of the 6 channels
        Arg.FACTOR: "2",
        # the input's values as (count/2)×2: 3x2 for a vector of 6, 30x2 for 6×10…
        Arg.PADS: "0:1",
        Arg.SHAPE: f"{math.prod(INPUTS.get(rank, TOKENS)) // 2}x2",
        Arg.REF: "x",  # the output named x by the relu before it (see READS)
    }[kind.arg]
    return (READS if kind.arg is Arg.REF else "") + f"{kind.name} {arg}".strip()


READS = "relu as x | "
"""What a kind that reads a named output (``add x``) reads: a relu's output, named x."""


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


def torch_figures(module: Any, shape: tuple[int, ...]) -> dict[str, Any]:
    module = module.eval()
    x = torch.rand((2, *shape))
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    buffers = sum(
        b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked")
    )
    return {
        "shape": tuple(y.shape[1:]),
        "params": sum(p.numel() for p in module.parameters()),
        "buffers": buffers,
        "macs": counter.get_total_flops() // 2 // 2,  # 2 FLOPs a MAC, a batch of 2
    }


def accepted_ranks(kind: Kind) -> list[int]:
    ranks = []
    for rank, shape in INPUTS.items():
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
        assert name in REFERENCE or kind.takes_tokens, f"{name}: no torch reference in this test"
        assert re.search(rf"^\|.*`{name}[ `]", readme, re.M), f"{name}: no README table row"
        if not kind.takes_tokens:
            assert accepted_ranks(kind), f"{name}: the example spec is accepted at no rank"


@pytest.mark.parametrize(("name", "rank"), CASES)
def test_kind_agrees_with_torch(name: str, rank: int) -> None:
    """Shape, parameters, buffers and MACs against torch.nn, in every rank the
    kind accepts; where torch refuses the configuration, cnncalc must too."""
    shape = INPUTS[rank]
    report = run(example(KINDS[name], rank), *shape)
    expected = torch_figures(REFERENCE[name](rank, shape), shape)
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
    if rank < 0:
        return f"{example(kind, 1)} | conv 3x3", "x".join(map(str, TOKENS))
    return example(kind, rank), "x".join(map(str, INPUTS[rank]))


@pytest.mark.parametrize(("name", "rank"), ALL)
def test_kind_through_every_output(name: str, rank: int) -> None:
    spec, dims = _spec_and_input(name, rank)
    data = json.loads(_cli(spec, "--input", dims, "--json"))
    assert data["layers"][-1 if name in READING else 0]["kind"] == name
    layer = data["layers"][-1 if name in READING else 0]
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
