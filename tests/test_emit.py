"""``--emit torch``: the emitted module, run by torch, has cnncalc's shapes and counts."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc.cli import cli
from cnncalc.presets import names

from conftest import need_torch

torch = need_torch()
FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode

# Helpers that do work FlopCounterMode does not see as MACs (elementwise, unfold+einsum)
CUSTOM_MACS = ("class Subsample", "class RBF", "class Local")


def emitted(args: list[str]) -> tuple[dict[str, Any], str]:
    runner = CliRunner()
    report = runner.invoke(cli, [*args, "--json"])
    source = runner.invoke(cli, [*args, "--emit", "torch"])
    assert report.exit_code == 0 and source.exit_code == 0, (report.output, source.output)
    return json.loads(report.stdout), source.stdout


def check(args: list[str]) -> None:
    data, source = emitted(args)
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    net = namespace["Net"]().to("meta").eval()
    dtype = torch.long if "class Tokens" in source else torch.float32
    x = torch.zeros((1, *namespace["INPUT_SHAPE"]), device="meta", dtype=dtype)
    with FlopCounterMode(display=False) as counter:
        y = net(x)
    assert list(y.shape[1:]) == data["output_shape"]
    assert sum(p.numel() for p in net.parameters()) == data["total"]["params"]
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    assert trainable == data["total"]["trainable_params"]
    if not any(helper in source for helper in CUSTOM_MACS):
        assert counter.get_total_flops() // 2 == data["total"]["macs"]


@pytest.mark.parametrize("name", names())
def test_every_preset(name: str) -> None:
    check([name])


SPECS = [
    "conv 8x3x3 s2 psame | bn | relu | res[conv 8x3x3 p1] | cat[ ; pool 3 s1 p1] | gap | fc 10",
    "conv 16x7 s3 psame | pool 3 s2 psame | avgpool 2 ceil | flatten | dropout 0.2 | fc 4 nobias",
    "deconv 4x4x4 s2 psame | deconv 2x3x3 s2 p1 op1 g2 | lrn 3 | leakyrelu 0.1 | softmax",
    "local 4x3x3 p1 | conv 8x3x3 dw p1 | conv 4x1x1 g4 | adaptivepool 2x3 | gmp",
    "conv 6x5x5 frozen | subsample 2 | conv 4x3x3 table=0,1/2,3/4,5/0,5 | flatten | rbf 3 frozen",
    "conv 4x3x3x3 p1 | pool 2 ceil | bn | relu6 | silu | hardswish | gelu | sigmoid | tanh",
]


@pytest.mark.parametrize("spec", SPECS)
def test_specs_with_every_layer_kind(spec: str) -> None:
    dims = "2x9x10x11" if "x3x3x3" in spec else ("2x50" if "conv 16x7" in spec else "8x12x12")
    check([spec, "--input", dims])


def test_embedding_network() -> None:
    check(["embed 100x10 | conv 50x5 p2 | gmp | flatten | fc 3", "--input", "20"])


@given(st.data())
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_specs(data: Any) -> None:
    from test_torch import sequence

    channels = data.draw(st.integers(1, 4))
    spec, _, _ = data.draw(sequence(channels, depth=2))
    check([spec, "--input", f"{channels}x9x9"])
