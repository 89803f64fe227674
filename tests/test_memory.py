"""Memory: the rules by hand, against torch's autograd on the CPU, and against the
shared H100 measurements (tests/data, see its README)."""

from __future__ import annotations

import importlib.util
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc import sources
from cnncalc.cli import cli
from cnncalc.engine import analyze
from cnncalc.memory import estimate, torchinfo_bytes
from cnncalc.memory.rules import CUBLAS_WORKSPACE, allocated
from cnncalc.report import Report

from conftest import kept_by_autograd, need_torch, run

DATA = Path(__file__).parent / "data"
NET = "conv 4x3x3 p1 nobias | bn | relu | pool 2 | flatten | fc 10"
"""On 3x8x8 at batch 2: the conv→bn→relu→pool net of the hand-worked figures."""


def test_allocator_rounding() -> None:
    # blocks of 512 bytes: 1 byte takes a whole block, 513 two
    assert (allocated(0), allocated(1), allocated(512), allocated(513)) == (0, 512, 512, 1024)


def test_kept_by_hand() -> None:
    memory = estimate(run(NET, 3, 8, 8), batch=2)
    # x 2·3·8·8·4 = 1536 (the conv keeps its input); the conv's output 2·4·8·8·4 = 2048
    # (bn keeps its input) and bn's mean and inverse std 2·4·4 = 32; relu works in place
    # on bn's output and keeps that result (2048); pool keeps its input (the same storage)
    # and int64 indices 2·4·4·4·8 = 1024; flatten is a view; fc keeps its input, the pool's
    # output 2·4·4·4·4 = 512
    assert memory.kept_by_layer == {1: 1536, 2: 2048 + 32, 3: 2048, 4: 1024, 5: 0, 6: 512}
    assert memory.kept_bytes == 7200


def test_inference_peak_by_hand() -> None:
    memory = estimate(run(NET, 3, 8, 8), batch=2)
    # parameters in 512-byte blocks: conv 108·4 → 512, bn γ β 512 + 512, fc 640·4 = 2560
    # and 10·4 → 512; buffers: running mean, var and num_batches_tracked 3·512; input 1536
    base = 4608 + 1536 + 1536 + CUBLAS_WORKSPACE
    # the peak is the conv: its output 2048 + cuDNN's layout workspace (input 1536 +
    # output 2048); bn's moment is 2048 + 2048, the pool's 2048 + 512 + 1024
    assert memory.inference_peak_bytes == base + 2048 + 3584
    assert memory.inference_peak_at == {"phase": "forward", "layer": "0", "index": 1}


def test_training_peak_by_hand() -> None:
    memory = estimate(run(NET, 3, 8, 8), batch=2)
    # base: parameters 4608 + buffers 1536 + Adam's two moments 2·4608 + input 1536 +
    # two cuBLAS workspaces (the caller's thread and autograd's)
    base = 4608 + 1536 + 9216 + 1536 + 2 * CUBLAS_WORKSPACE
    # forward, kept: conv out 2048, bn out 2048, stats 2·512, indices 1024, pool out 512,
    # fc out 512, the loss 512 = 7680. Backward: the loss's gradient 512 (8192); fc makes
    # the pool's gradient 512 and its weight's 2560 + bias's 512 (11776), drops its incoming
    # gradient and the pool output it kept (10752); pool makes 2048 (12800), drops 512
    # and its indices (11264); relu makes 2048: 13312, the peak
    assert memory.training_bytes == base + 13_312
    assert memory.training_peak_at == {"phase": "backward", "layer": "2", "index": 3}


def test_relus_not_in_place() -> None:
    inplace = estimate(run(NET, 3, 8, 8), batch=2)
    apart = estimate(run(NET, 3, 8, 8), batch=2, inplace_relu=False)
    # a relu keeps its result either way; out of place, bn's output is dropped at once,
    # so the same bytes are kept, but relu's moment in a no-grad forward holds both
    assert apart.kept_bytes == inplace.kept_bytes
    six = "conv 4x3x3 p1 nobias | bn | relu6 | pool 2 | flatten | fc 10"
    # relu6's backward reads its input: in place, autograd keeps a clone (2048 more)
    assert estimate(run(six, 3, 8, 8), batch=2).kept_bytes == 7200 + 2048


CPU_NETS = [
    NET,
    "conv 4x3x3 p1 nobias | bn | relu6 | pool 2 | flatten | fc 10",
    "conv 8x3x3 p1 | relu | res[conv 8x3x3 p1 nobias | bn | relu | conv 8x3x3 p1 nobias | bn]"
    " | relu | gap | flatten | fc 5",
    "conv 8x1x1 | relu | cat[conv 4x1x1 | relu; pool 3 s1 p1 | conv 4x1x1 | relu] | avgpool 2"
    " | flatten | fc 3",
    "cat[ ; bn | relu | conv 4x3x3 p1 nobias] | cat[ ; bn | relu | conv 4x3x3 p1 nobias]"
    " | bn | relu | gap | flatten | fc 2",
]


@pytest.mark.parametrize("spec", CPU_NETS)
@pytest.mark.parametrize("inplace", [True, False])
def test_kept_against_autograd(spec: str, inplace: bool) -> None:
    """torch's own saved tensors, counted as the shared method counts them (distinct
    storages that are not parameters or buffers), on the emitted module."""
    predicted, saved = kept_by_autograd(spec, inplace)
    assert predicted == saved


def test_batch_dtype_and_optimizer() -> None:
    report = analyze(sources.load("lenet5-modern"))
    half = estimate(report, batch=8, dtype="float16", optimizer="sgd")
    assert half.param_bytes == 61_706 * 2
    assert half.activation_bytes == 15_002 * 8 * 2
    assert half.optimizer_bytes == 0 and half.gradient_bytes == 61_706 * 2
    assert estimate(report, optimizer="momentum").optimizer_bytes == 61_706 * 4
    # without Adam's temporaries and moments the step needs less
    assert half.training_bytes < estimate(report, batch=8, dtype="float16").training_bytes


def test_memory_options_reach_the_json() -> None:
    result = CliRunner().invoke(
        cli,
        ["lenet5-modern", "--json", "--batch", "4", "--dtype", "bfloat16", "--optimizer", "sgd"],
    )
    data = json.loads(result.stdout)
    memory = data["total"]["memory"]
    assert (memory["batch"], memory["dtype"], memory["optimizer"]) == (4, "bfloat16", "sgd")
    assert data["layers"][0]["activation_bytes"] == 6 * 28 * 28 * 4 * 2
    # the first conv keeps the input, 4·1·32·32 values of 2 bytes
    assert data["layers"][0]["kept_bytes"] == 4 * 32 * 32 * 2
    assert sum(layer["kept_bytes"] for layer in data["layers"]) == memory["kept_bytes"]
    assert set(memory["training_peak_at"]) == {"phase", "layer", "index"}


def _points(name: str) -> list[dict[str, Any]]:
    points: list[dict[str, Any]] = json.loads((DATA / name).read_text())["points"]
    return points


_REPORTS: dict[str, Report] = {}


def _predict(point: dict[str, Any]) -> tuple[dict[str, float], dict[str, int]]:
    """Relative errors of one point, and the figures."""
    name = point["model"]
    report = _REPORTS.get(name) or _REPORTS.setdefault(name, analyze(sources.load(name)))
    memory = estimate(report, batch=point["batch"], amp=point.get("autocast"))
    # the measured inference base carries the script's leftovers (the previous training
    # step's gradients, the backward thread's workspace): compare what the forward adds
    base = memory.param_bytes + memory.buffer_bytes + memory.input_bytes + CUBLAS_WORKSPACE
    infer = point["infer_peak_bytes"] - point["infer_base_bytes"] + base
    figures = {
        "train": memory.training_bytes,
        "kept": memory.kept_bytes,
        "infer": memory.inference_peak_bytes,
    }
    measured = {
        "train": point["train_peak_bytes"],
        "kept": point["saved_for_backward_bytes"],
        "infer": infer,
    }
    return {k: abs(figures[k] - measured[k]) / measured[k] for k in figures}, figures


def _check(points: list[dict[str, Any]], worst: dict[str, float], median: dict[str, float]) -> None:
    errors = [_predict(p)[0] for p in points]
    for point, err in zip(points, errors, strict=True):
        for key, bound in worst.items():
            assert err[key] <= bound, (point["model"], point["batch"], key, err[key])
    for key, bound in median.items():
        assert statistics.median(e[key] for e in errors) <= bound, key


def test_against_h100_float32() -> None:
    points = _points("h100-torchvision-memory.json")
    assert len(points) == 44
    _check(
        points,
        worst={"train": 0.15, "kept": 0.03, "infer": 0.30},
        median={"train": 0.05, "kept": 0.03, "infer": 0.10},
    )


def test_against_h100_autocast() -> None:
    _check(
        _points("h100-torchvision-autocast.json"),
        worst={"train": 0.20},
        median={"train": 0.07},
    )


def test_peak_moves_to_the_backward_pass() -> None:
    # VGG-16 at batch 1 peaks in Adam's step (2 x its 138M parameters), at batch 64 in
    # the backward pass with the first convolutions' tensors still kept
    report = analyze(sources.load("vgg16"))
    assert estimate(report, batch=1).training_peak_at["phase"] == "step"
    assert estimate(report, batch=64).training_peak_at["phase"] == "backward"


@pytest.mark.skipif(importlib.util.find_spec("torchinfo") is None, reason="needs torchinfo")
@pytest.mark.parametrize("name", ["lenet5-modern", "alexnet", "resnet18"])
def test_against_torchinfo(name: str) -> None:
    """torchinfo's "Estimated Total Size" is input + 2 x the outputs of layers that
    have parameters (their gradients) + parameters: :func:`torchinfo_bytes` gives the
    same figure, but for the input: torchinfo measures it with sys.getsizeof on the
    storage, which adds the Python object's own bytes."""
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
    assert torchinfo_bytes(analyze(sources.load(name))) + overhead == theirs


def test_views_of_the_input_get_no_gradient() -> None:
    """Issue 20, item 6: the network's input needs no gradient, nor does a view of
    it (nn.Identity returns its input, flatten is a view) or an op without
    parameters on it (a ReLU: autograd records nothing). ``fc 10`` on 3x8x8 at
    batch 2 with SGD: parameters 10·192·4 = 7680 and the bias 40 → 512, the input
    2·3·8·8·4 = 1536; the peak is fc's backward: the output y, the loss, its
    gradient (512 each) and the parameters' gradients 8192, no gradient for the
    input. Before, the identity, flatten or relu in front added one, 1536."""
    torch = need_torch()
    x = torch.randn(2, 3, 8, 8)
    assert not torch.nn.Identity()(x).requires_grad and not x.flatten(1).requires_grad
    base = 8192 + 1536 + 2 * CUBLAS_WORKSPACE
    for spec in ("fc 10", "identity | fc 10", "flatten | fc 10", "relu | fc 10"):
        memory = estimate(run(spec, 3, 8, 8), batch=2, optimizer="sgd")
        assert memory.training_bytes == base + 512 * 3 + 8192, spec
        assert memory.kept_bytes == 1536, spec  # fc keeps the input


@pytest.mark.parametrize(
    ("plain", "noop"),
    [
        ("conv 64x3x3 p1 | fc 10", "identity | conv 64x3x3 p1 | fc 10"),
        ("fc 10", "flatten | fc 10"),
        ("cat[ ; conv 64x3x3 p1 ]", "cat[ ; conv 64x3x3 p1 ] | identity"),
        ("conv 64x3x3 p1 | relu", "conv 64x3x3 p1 | relu | identity | flatten"),
    ],
)
def test_a_no_op_changes_no_figure(plain: str, noop: str) -> None:
    """Each pair is one graph in torch (identity returns its input, flatten and a
    trailing view share its storage: the output stays alive for the loss)."""
    a = estimate(run(plain, 128, 56, 56), batch=32)
    b = estimate(run(noop, 128, 56, 56), batch=32)
    assert (a.training_bytes, a.inference_peak_bytes, a.kept_bytes) == (
        b.training_bytes,
        b.inference_peak_bytes,
        b.kept_bytes,
    )


def test_layernorm_under_autocast_keeps_its_float32_copy() -> None:
    """CUDA's autocast runs layer_norm in float32: it casts the bf16 input to a
    float32 copy, which layer_norm keeps: 2·6·10·9·4 = 4320 (not 2 bytes a value),
    and a float32 mean and inverse std per position, 2 · 2·10·9·4 = 1440. The conv
    before keeps its input's bf16 copy 2·6·10·9·2 = 2160 and its bf16 weight 36·2 = 72."""
    memory = estimate(run("conv 6x1x1 | layernorm", 6, 10, 9), batch=2, amp="bfloat16")
    assert memory.kept_by_layer == {1: 2160 + 72, 2: 4320 + 1440}


def test_token_ids_are_int64() -> None:
    """An embedding's input is int64 token ids (the emitted module's Tokens): 8
    bytes a value, whatever --dtype says; the embedding keeps them (that storage)."""
    torch = need_torch()
    tokens = torch.zeros((2, 12), dtype=torch.long)  # batch 2 of the --input 12
    for dtype in ("float32", "float16"):
        memory = estimate(run("embed 20x4", 12), batch=2, dtype=dtype)
        assert memory.input_bytes == memory.kept_bytes == tokens.nbytes == 2 * 12 * 8
    # a no-grad forward at batch 128: the weight 20·4·4 = 320 → 512, the ids
    # 128·12·8 = 12288, one cuBLAS workspace, and the output 128·4·12·4 = 24576
    memory = estimate(run("embed 20x4", 12), batch=128)
    assert memory.inference_peak_bytes == 512 + 12288 + CUBLAS_WORKSPACE + 24576
