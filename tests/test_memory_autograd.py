"""What the memory model says autograd keeps, against what autograd keeps.

Every kind in the registry and every block construct is run as the module
``--emit torch`` writes, on the CPU, under ``saved_tensors_hooks``: the saved
tensors' distinct storages, parameters and buffers excluded (the shared GPU
method's count), against the model's ``kept_bytes``. Views (identity, flatten,
reshape) go before and after each kind; the kind also reads the network's input
directly, which needs no gradient (autograd keeps nothing for an op without
parameters there).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from cnncalc import SpecError, sources
from cnncalc.engine import analyze
from cnncalc.kinds import KINDS, Kind
from cnncalc.kinds.base import Reads
from cnncalc.memory import estimate
from cnncalc.report import Report

from conftest import invoke, need_torch, run, saved_bytes
from kind_examples import INPUTS, SEQUENCE, TO_SEQUENCE, TOKENS, example

torch = need_torch()

BATCH = 2


def saved(
    spec: str,
    dims: tuple[int, ...],
    inplace: bool = True,
    attention: str = "math",
    batch_size: int = BATCH,
) -> tuple[int, int]:
    """cnncalc's kept bytes for ``spec`` at batch 2, and the bytes autograd's
    saved tensors hold (distinct storages, not parameters or buffers), on the
    emitted module in training mode, less the CPU allowance (:func:`_cpu`).
    No ``dims``: ``spec`` is a preset, on its own input. ``inplace``: the ReLUs
    work in place (the model's default, as torchvision's) or not (``--no-inplace``).
    ``attention``: the SDPA kernel, forced on torch's side (``math``), or the
    CPU's own fused one for float32 (``flash``: it keeps what CUDA's flash keeps)."""
    shape = ("--input", "x".join(map(str, dims))) if dims else ()
    code, source, err = invoke(spec, *shape, "--emit", "torch")
    assert code == 0, err
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    net = namespace["Net"]()
    for module in net.modules():
        if isinstance(module, torch.nn.ReLU | torch.nn.ReLU6):
            module.inplace = inplace
    batch = (batch_size, *namespace["INPUT_SHAPE"])
    x = torch.randint(0, 5, batch) if "class Tokens" in source else torch.randn(batch)
    from torch.nn.attention import SDPBackend, sdpa_kernel

    backend = {"math": SDPBackend.MATH, "flash": SDPBackend.FLASH_ATTENTION}[attention]
    with sdpa_kernel(backend):
        saved = saved_bytes(net, x)
    report = run(spec, *dims) if dims else analyze(sources.load(spec))
    memory = estimate(report, batch=batch_size, inplace_relu=inplace, attention=attention)
    return memory.kept_bytes, saved - _cpu(report, memory.kept_by_layer)


def _cpu(report: Report, kept: dict[int, int]) -> int:
    """What the CPU kernels keep beyond the CUDA ones the model follows: dropout's
    mask is a float32 tensor of noise on the CPU (``at::native::dropout`` multiplies
    by it), a bool per value from CUDA's fused ``native_dropout``: 3 bytes more a
    value, where the model keeps a mask (not where the input needs no gradient)."""
    return sum(
        math.prod(layer.output_shape) * BATCH * 3
        for layer in report.layers
        if layer.kind == "dropout" and kept[layer.index]
    )


def _sequence_specs(kind: Kind) -> list[tuple[str, tuple[int, ...]]]:
    """The kind on a 10×6 token sequence, where it reads one, in the same places."""
    body = example(kind, SEQUENCE).removeprefix(TO_SEQUENCE)
    try:
        run(TO_SEQUENCE + body, *INPUTS[SEQUENCE])
    except SpecError:
        return []
    shape = INPUTS[SEQUENCE]
    return [
        (f"conv 6x1 | {TO_SEQUENCE}{body}", shape),
        (f"conv 6x1 | {TO_SEQUENCE}relu | {body}", shape),
        (f"conv 6x1 | {TO_SEQUENCE}identity | {body} | identity", shape),
        (f"{TO_SEQUENCE}{body}", shape),
        (f"{TO_SEQUENCE}identity | {body} | flatten | fc 3", shape),
    ]


def _accepts(spec: str, shape: tuple[int, ...]) -> bool:
    try:
        run(spec, *shape)
    except SpecError:
        return False
    return True


def _specs() -> list[tuple[str, tuple[int, ...]]]:
    cases: list[tuple[str, tuple[int, ...]]] = []
    for kind in KINDS.values():
        cases += _sequence_specs(kind)
        if kind.reads is Reads.LAST or not _accepts(example(kind, 2), INPUTS[2]):
            continue
        if kind.takes_tokens:
            cases.append((example(kind, 1), TOKENS))
            cases.append((f"{example(kind, 1)} | identity | conv 4x3", TOKENS))
            continue
        shape = INPUTS[2]  # 6×10×9
        same = "x".join(map(str, shape))
        body = example(kind, 2)
        cases += [
            (f"conv 6x1x1 | {body}", shape),  # after a conv: the input needs a gradient
            (f"conv 6x1x1 | relu | {body}", shape),  # its input kept by the relu too
            (f"conv 6x1x1 | identity | {body} | identity", shape),
            (f"conv 6x1x1 | reshape {same} | {body} | flatten", shape),
            (body, shape),  # on the network's input, which needs none
            (f"identity | {body} | identity | fc 3", shape),
        ]
    return cases


@pytest.mark.parametrize("inplace", [True, False])
@pytest.mark.parametrize(("spec", "dims"), _specs())
def test_every_kind_keeps_what_autograd_keeps(
    spec: str, dims: tuple[int, ...], inplace: bool
) -> None:
    predicted, kept = saved(spec, dims, inplace)
    assert predicted == kept


BLOCKS = [
    "res[ conv 6x3x3 p1 | relu ]",
    "res[ conv 6x3x3 p1 nobias | bn ; conv 6x1x1 ]",
    "cat[ ; bn | relu | conv 4x3x3 p1 ]",
    "cat[ conv 4x1x1 | relu ; pool 3 s1 p1 ]",
    "mul[ gap | conv 6x1x1 | sigmoid ]",
    "mul[ conv 6x1x1 ; conv 6x1x1 | sigmoid ]",
    "split[ conv 3x1x1 | relu ; ]",
    "catcrop[ conv 4x3x3 ; identity ]",
    "side[ conv 2x1x1 | gap ] | conv 4x1x1",
    "[ conv 6x3x3 p1 | relu ]*2",
    "[ conv 6x3x3 p1 | relu ]*2 shared",
    "relu as a | conv 6x1x1 | add a",
    "relu as a | conv 6x1x1 | mul a",
    "relu as a | conv 6x1x1 | cat a",
    "relu as a | conv 6x3x3 | catcrop a",
    "relu as a | conv 6x1x1 as b | from a | add b",
    "identity as a | dropout 0.5 | mul a,a",
    # a side block's name is the tensor it hands on (issue 20, item 5)
    "identity as b | side[ fc 3 ] as c | mul c,b",
    "identity | side[ fc 3 ] as c | catcrop c",
    "identity | side[ fc 3 ] as c | from c | add c",
]
"""Every block construct, and the joins that read names."""


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize(
    "around",
    [
        "conv 6x1x1 | {}",  # the block's input needs a gradient
        "conv 6x1x1 | identity | {} | flatten",
        "conv 6x1x1 | reshape 6x10x9 | {} | identity",
        "{}",  # on the network's input, which needs none
        "identity | {} | flatten | fc 3",
    ],
)
def test_every_block_keeps_what_autograd_keeps(block: str, around: str) -> None:
    predicted, kept = saved(around.format(block), INPUTS[2])
    assert predicted == kept


OPTIONS = [
    "conv 4x4x4 psame",  # an uneven pad: the emitted ConstantPad's copy is kept
    "conv 4x3x3 s2 psame",
    "conv 4x3x3 table=0,1,2/1,2,3/3,4,5/0,5",  # TableConv: x[:, row] per map
    "conv 2x4x4 psame table=0,1/2,3,4,5",
    "sepconv 4x4x4 psame",
    "pool 2 psame",
    "pool 3 s2 psame",
    "avgpool 2 psame",
    "droppath 0",  # the emitted module returns x
    "droppath 1",
    "layernorm noaffine",
    "groupnorm 2 noaffine",
    "instancenorm affine",
    "lrn 4",
    "stochasticpool 3 s2",
    "local 4x3x3 s2 p1",
    "subsample 2 nobias",
    "dropout 0.5",
]
"""Kinds with the options that change what their emitted module runs."""


@pytest.mark.parametrize("body", OPTIONS)
@pytest.mark.parametrize("around", ["conv 6x1x1 | {}", "{}", "identity | {} | flatten | fc 3"])
def test_options_keep_what_autograd_keeps(body: str, around: str) -> None:
    predicted, kept = saved(around.format(body), INPUTS[2])
    assert predicted == kept


PRESETS = [
    "lenet5",  # subsample, table conv, rbf
    "slides",  # 'same' with an even kernel: an explicit pad
    "convnext_tiny",  # layernorm, layerscale, droppath (0 in the first block)
    "efficientnet_b0",
    "mobilenet_v3_small",
    "shufflenet_v2_x1_0",
    "squeezenet1_1",
    "googlenet",
    "densenet121",
    "kim2014",
    "charcnn",
    "dcgan_generator",
]


@pytest.mark.parametrize("name", PRESETS)
def test_presets_keep_what_autograd_keeps(name: str) -> None:
    predicted, kept = saved(name, ())
    assert predicted == kept


ATTENTION_CASES = [
    ("conv 6x1 | permute 1,0 | attention 3", BATCH),
    ("conv 6x1 | permute 1,0 | layernorm | attention 2 | fc 4", BATCH),
    (
        "permute 1,0 | fc 6 | res[ layernorm | attention 3 ] | res[ layernorm | fc 12 | gelu"
        " | fc 6 ] | token 0",
        BATCH,
    ),
    ("conv 6x1 | tokens | cls | posembed | attention 3 nobias | token", BATCH),
    # at batch 1 a reshape that merges the batch axis is a view, not a copy: the math
    # path keeps the in-projection's output whole (v is a view of it), and a Linear
    # reads a transposed sequence in place (red team, issue 22)
    ("conv 6x1 | permute 1,0 | attention 3", 1),
    ("conv 6x1 | tokens as t | fc 6 | mul t", 1),
    ("conv 6x1 | tokens | mul[ fc 1 | sigmoid ]", 1),
    ("conv 6x1 | permute 1,0 | relu | fc 5", 1),
]


@pytest.mark.parametrize("attention", ["math", "flash"])
@pytest.mark.parametrize(("spec", "batch"), ATTENTION_CASES)
def test_attention_kernels_keep_what_autograd_keeps(spec: str, batch: int, attention: str) -> None:
    """Each SDPA kernel the CPU has, forced on torch's side: the math path, and its
    fused flash kernel for float32 (what CUDA's flash keeps: q, k, v as views of the
    in-projection's output, the output, a float32 log-sum-exp per head and query)."""
    predicted, kept = saved(spec, INPUTS[SEQUENCE], attention=attention, batch_size=batch)
    assert predicted == kept
