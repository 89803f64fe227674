"""Memory estimates, by hand and against torchinfo's own estimate."""

from __future__ import annotations

import importlib.util
import json
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc import sources
from cnncalc.cli import cli
from cnncalc.engine import analyze
from cnncalc.memory import estimate

from conftest import run


def test_lenet5_modern_by_hand() -> None:
    memory = estimate(analyze(sources.load("lenet5-modern")))
    # 61,706 params x 4 bytes
    assert memory.param_bytes == 246_824
    # outputs: 2·4704 (conv, relu) + 1176 + 2·1600 + 400 (pool) + 400 (flatten)
    #          + 2·120 + 2·84 + 10 = 15,002 values x 4 bytes
    assert memory.activation_bytes == 60_008
    # the widest moment: relu reading 4704 and writing 4704 values
    assert memory.inference_peak_bytes == 246_824 + 9_408 * 4
    # weights + gradients + Adam's two moments + the input (1·32·32) + all outputs
    assert memory.training_bytes == 4 * 246_824 + 1_024 * 4 + 60_008


def test_batch_dtype_and_optimizer() -> None:
    report = analyze(sources.load("lenet5-modern"))
    half = estimate(report, batch=8, dtype="float16", optimizer="sgd")
    assert half.param_bytes == 61_706 * 2
    assert half.activation_bytes == 15_002 * 8 * 2
    assert half.optimizer_bytes == 0 and half.gradient_bytes == 61_706 * 2
    assert estimate(report, optimizer="momentum").optimizer_bytes == 61_706 * 4


def test_residual_holds_its_input() -> None:
    # conv inside res on 8x16x16: its input (2048) + output (2048) + the block input kept
    # for the shortcut (2048) = 6144 values
    memory = estimate(run("res[conv 8x3x3 p1 | relu]", 8, 16, 16))
    assert memory.inference_peak_bytes == (8 * 72 + 8) * 4 + 6_144 * 4


def test_memory_options_reach_the_json() -> None:
    result = CliRunner().invoke(
        cli,
        ["lenet5-modern", "--json", "--batch", "4", "--dtype", "bfloat16", "--optimizer", "sgd"],
    )
    data = json.loads(result.stdout)
    memory = data["total"]["memory"]
    assert (memory["batch"], memory["dtype"], memory["optimizer"]) == (4, "bfloat16", "sgd")
    assert data["layers"][0]["activation_bytes"] == 6 * 28 * 28 * 4 * 2


@pytest.mark.skipif(importlib.util.find_spec("torchinfo") is None, reason="needs torchinfo")
@pytest.mark.parametrize("name", ["lenet5-modern", "alexnet", "resnet18"])
def test_against_torchinfo(name: str) -> None:
    """torchinfo's "Estimated Total Size" is input + 2 x the outputs of layers that
    have parameters (their gradients) + parameters. cnncalc gives the same figure
    from its JSON, but for the input: torchinfo measures it with sys.getsizeof on
    the storage, which adds the Python object's own bytes. cnncalc's training
    estimate is larger: it also keeps the outputs of parameter-free layers (ReLU,
    pooling), the optimiser state and the batch-norm buffers."""
    import torch
    import torchinfo  # type: ignore[import-not-found]

    runner = CliRunner()
    data = json.loads(runner.invoke(cli, [name, "--json"]).stdout)
    source = runner.invoke(cli, [name, "--emit", "torch"]).stdout
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    stats = torchinfo.summary(
        namespace["Net"](), input_size=(1, *data["input_shape"]), verbose=0, device="cpu"
    )
    theirs = stats.total_input + stats.total_output_bytes + stats.total_param_bytes
    x = torch.zeros(1, *data["input_shape"])
    overhead = sys.getsizeof(x.untyped_storage()) - x.nelement() * x.element_size()
    memory = data["total"]["memory"]
    with_params = sum(layer["activation_bytes"] for layer in data["layers"] if layer["params"])
    assert memory["input_bytes"] + overhead + 2 * with_params + memory["param_bytes"] == theirs
    assert memory["training_bytes"] > theirs
