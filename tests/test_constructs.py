"""The registry of block constructs: every construct has every facet and goes
through every output, in every rank, against a torch module written by hand.

A construct is declared once (cnncalc/constructs/); this file loops over the
registry, so a construct added there without a case below, its README entry,
or one output that breaks on it fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc.cli import cli
from cnncalc.constructs import BY_WORD, BY_YAML_KEY, CONSTRUCTS
from cnncalc.layer import BlockKind

from conftest import kept_by_autograd, need_torch
from oracles import emitted_net, torch_figures

torch = need_torch()
nn = torch.nn

ROOT = Path(__file__).resolve().parent.parent
CHANNELS, SIZE = 4, 6
"""Every case's input: 4 channels of 6 (1-D), 6×6 (2-D) or 6×6×6 (3-D)."""


def k(size: int, rank: int) -> str:
    """A kernel of ``size`` on every axis, as the spec writes it (``3x3``)."""
    return "x".join([str(size)] * rank)


def conv(rank: int, cin: int, cout: int, kernel: int, padding: int = 0) -> Any:
    return (nn.Conv1d, nn.Conv2d, nn.Conv3d)[rank - 1](cin, cout, kernel, padding=padding)


class Lambda(nn.Module):  # type: ignore[misc]
    """A reference written as a function of its input and its submodules."""

    def __init__(self, run: Callable[..., Any], **parts: Any) -> None:
        super().__init__()
        self.parts = nn.ModuleDict(parts)
        self.run = run

    def forward(self, x: Any) -> Any:
        return self.run(x, self.parts)


def res(rank: int) -> tuple[str, Any]:
    spec = f"res[conv 4x{k(3, rank)} p1 ; conv 4x{k(1, rank)}]"
    ref = Lambda(
        lambda x, m: m["a"](x) + m["b"](x), a=conv(rank, 4, 4, 3, 1), b=conv(rank, 4, 4, 1)
    )
    return spec, ref


def res_identity(rank: int) -> tuple[str, Any]:
    return f"res[conv 4x{k(3, rank)} p1]", Lambda(
        lambda x, m: m["a"](x) + x, a=conv(rank, 4, 4, 3, 1)
    )


def cat(rank: int) -> tuple[str, Any]:
    pool = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[rank - 1](3, 1, 1)
    spec = f"cat[conv 2x{k(1, rank)} ; ; pool 3 s1 p1]"
    ref = Lambda(
        lambda x, m: torch.cat([m["a"](x), x, m["p"](x)], 1), a=conv(rank, 4, 2, 1), p=pool
    )
    return spec, ref


def gap(rank: int) -> Any:
    return (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)[rank - 1](1)


def mul(rank: int) -> tuple[str, Any]:
    spec = f"mul[gap | conv 4x{k(1, rank)}]"
    ref = Lambda(lambda x, m: x * m["g"](m["p"](x)), p=gap(rank), g=conv(rank, 4, 4, 1))
    return spec, ref


def mul_spatial(rank: int) -> tuple[str, Any]:
    # a 1×H×W gate broadcast over the channels (CBAM's spatial attention): torch's rule
    spec = f"mul[conv 1x{k(3, rank)} p1]"
    return spec, Lambda(lambda x, m: x * m["g"](x), g=conv(rank, 4, 1, 3, 1))


def mul_two(rank: int) -> tuple[str, Any]:
    spec = f"mul[conv 4x{k(1, rank)} ; gap | conv 4x{k(1, rank)}]"
    ref = Lambda(
        lambda x, m: m["a"](x) * m["g"](m["p"](x)),
        a=conv(rank, 4, 4, 1),
        p=gap(rank),
        g=conv(rank, 4, 4, 1),
    )
    return spec, ref


def split(rank: int) -> tuple[str, Any]:
    def run(x: Any, m: Any) -> Any:
        a, b = x.chunk(2, 1)
        return torch.cat([a, m["b"](b)], 1)

    return f"split[ ; conv 2x{k(3, rank)} p1]", Lambda(run, b=conv(rank, 2, 2, 3, 1))


def catcrop(rank: int) -> tuple[str, Any]:
    def run(x: Any, m: Any) -> Any:
        y = m["a"](x)  # 6 → 4 on every axis: x cut by ⌊(6 − 4)/2⌋ = 1 before, 1 after
        window = (slice(None), slice(None), *[slice(1, 5)] * rank)
        return torch.cat([y, x[window]], 1)

    return f"catcrop[conv 2x{k(3, rank)} ; ]", Lambda(run, a=conv(rank, 4, 2, 3))


def side(rank: int) -> tuple[str, Any]:
    def run(x: Any, m: Any) -> Any:
        m["fc"](m["p"](x).flatten(1))  # the side output runs: its work counts
        return m["c"](x)

    spec = f"side[gap | flatten | fc 3] | conv 2x{k(1, rank)}"
    return spec, Lambda(run, p=gap(rank), fc=nn.Linear(4, 3), c=conv(rank, 4, 2, 1))


def sum_(rank: int) -> tuple[str, Any]:
    # RepVGG's training-time block: a 3x3 and a 1x1 conv, each with batch norm, and a bn
    spec = f"sum[conv 4x{k(3, rank)} p1 nobias | bn ; conv 4x{k(1, rank)} nobias | bn ; bn]"
    norm = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[rank - 1]
    three = nn.Sequential(conv(rank, 4, 4, 3, 1), norm(4))
    three[0].bias = None
    one = nn.Sequential(conv(rank, 4, 4, 1), norm(4))
    one[0].bias = None
    ref = Lambda(lambda x, m: m["a"](x) + m["b"](x) + m["c"](x), a=three, b=one, c=norm(4))
    return spec, ref


def sum_identity(rank: int) -> tuple[str, Any]:
    spec = f"sum[conv 4x{k(3, rank)} p1 ; ; conv 4x{k(1, rank)}]"
    ref = Lambda(
        lambda x, m: m["a"](x) + x + m["b"](x), a=conv(rank, 4, 4, 3, 1), b=conv(rank, 4, 4, 1)
    )
    return spec, ref


def repeat(rank: int) -> tuple[str, Any]:
    spec = f"[conv 4x{k(3, rank)} p1 | relu]*2"
    ref = nn.Sequential(conv(rank, 4, 4, 3, 1), nn.ReLU(), conv(rank, 4, 4, 3, 1), nn.ReLU())
    return spec, ref


def shared(rank: int) -> tuple[str, Any]:
    one = nn.Sequential(conv(rank, 4, 4, 3, 1), nn.ReLU())  # one module, three times
    return f"[conv 4x{k(3, rank)} p1 | relu]*3 shared", Lambda(
        lambda x, m: m["c"](m["c"](m["c"](x))), c=one
    )


def group(rank: int) -> tuple[str, Any]:
    yaml = f"layers:\n  - group:\n      name: stem\n      layers: [conv 4x{k(3, rank)} p1, relu]\n"
    return yaml, nn.Sequential(conv(rank, 4, 4, 3, 1), nn.ReLU())


CASES: dict[BlockKind, list[Callable[[int], tuple[str, Any]]]] = {
    BlockKind.RES: [res, res_identity],
    BlockKind.CAT: [cat],
    BlockKind.MUL: [mul, mul_spatial, mul_two],
    BlockKind.SPLIT: [split],
    BlockKind.CROP: [catcrop],
    BlockKind.SUM: [sum_, sum_identity],
    BlockKind.SIDE: [side],
    BlockKind.REPEAT: [repeat, shared],
    BlockKind.SEQ: [group],
}
"""Each construct's examples: its spec (a string, or YAML) and a torch module
that computes the same function, written by hand."""

PARAMS = [
    pytest.param(kind, case, rank, id=f"{case.__name__}-{rank}d")
    for kind, cases in CASES.items()
    for case in cases
    for rank in (1, 2, 3)
]


def test_every_construct_has_every_facet() -> None:
    readme = (ROOT / "README.md").read_text()
    assert set(CASES) == set(CONSTRUCTS), "a construct without a case in this test"
    for kind, construct in CONSTRUCTS.items():
        assert construct.kind is kind and construct.label and construct.yaml_keys
        assert construct.yaml_help.split(":")[0] in construct.yaml_keys
        assert all(BY_YAML_KEY[key] is construct for key in construct.yaml_keys)
        assert any(f"`{key}:" in readme or f"{key}:" in readme for key in construct.yaml_keys)
        if construct.word is not None:
            assert BY_WORD[construct.word] is construct
            assert f"`{construct.word}[" in readme, f"{construct.word}: not in the README"
        if not construct.serial:
            assert construct.helper is not None and construct.sign[0], kind
            assert f"class {construct.helper[0]}(nn.Module)" in construct.helper[1]


def _cli(*args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def _args(spec: str, rank: int) -> tuple[list[str], str | None]:
    dims = "x".join([str(CHANNELS)] + [str(SIZE)] * rank)
    if "\n" in spec:  # YAML on stdin
        return ["-", "--input", dims], spec
    return [spec, "--input", dims], None


@pytest.mark.parametrize(("kind", "case", "rank"), PARAMS)
def test_construct_agrees_with_torch(
    kind: BlockKind, case: Callable[[int], tuple[str, Any]], rank: int, tmp_path: Path
) -> None:
    """Shape, parameters, buffers and MACs against the hand-written module, and
    the same of the module cnncalc emits; then every output renders it."""
    spec, reference = case(rank)
    args, stdin = _args(spec, rank)
    data = json.loads(_cli(*args, "--json", stdin=stdin))
    shape = (CHANNELS, *[SIZE] * rank)
    ours = {
        "shape": tuple(data["output_shape"]),
        "params": data["total"]["params"],
        "buffers": data["total"]["buffers"],
        "macs": data["total"]["macs"],
    }
    assert ours == torch_figures(reference, shape)
    emitted = emitted_net(_cli(*args, "--emit", "torch", stdin=stdin))
    assert torch_figures(emitted, shape) == ours
    # every output, and what each shows of the construct
    table = _cli(*args, "--wide", stdin=stdin)
    construct = CONSTRUCTS[kind]
    if construct.title:
        assert construct.title in table
    for fmt in ("csv", "markdown"):
        assert _cli(*args, "-f", fmt, stdin=stdin).count("\n") >= 2
    explained = _cli(*args, "--explain", stdin=stdin)
    assert "params:" in explained or "MACs" in explained
    page, picture = tmp_path / "page.html", tmp_path / "net.svg"
    _cli(*args, "--html", str(page), "--svg", str(picture), stdin=stdin)
    drawn = picture.read_text()
    if not construct.serial:
        assert f">{construct.sign[0]}<" in drawn, construct.sign
    assert "<script" in page.read_text()


@pytest.mark.parametrize("inplace", [True, False])
@pytest.mark.parametrize(
    "case", [case for cases in CASES.values() for case in cases], ids=lambda c: c.__name__
)
def test_kept_bytes_are_what_autograd_saves(
    case: Callable[[int], tuple[str, Any]], inplace: bool
) -> None:
    """What the memory model says each construct keeps for backward, batch 2,
    equals the storages autograd saves on the emitted module (after a conv, so
    that autograd records from the input on)."""
    spec = case(2)[0]
    if "\n" in spec:  # a group: its layers in a string
        spec = "[conv 4x3x3 p1 | relu]*1"
    predicted, saved = kept_by_autograd(f"conv 4x1x1 | {spec}", inplace)
    assert predicted == saved


def test_the_string_form_round_trips() -> None:
    """Each construct prints itself back as it reads (the canonical spec)."""
    from cnncalc.canonical import format_nodes
    from cnncalc.readers.spec import parse

    for cases in CASES.values():
        for case in cases:
            spec = case(2)[0]
            if "\n" in spec:
                continue
            printed = format_nodes(parse(spec).layers)
            assert re.sub(r"\s+", "", printed) == re.sub(r"\s+", "", spec), spec
