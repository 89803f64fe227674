"""Token sequences and attention (issue 22): against torchvision's and torch's own
code, the errors a user meets, and the attention kernels' memory."""

from __future__ import annotations

import importlib.util
import json

import pytest

from cnncalc import analyze
from cnncalc.memory import estimate
from cnncalc.report import Report
from cnncalc.sources import load

from conftest import invoke, need_torch, run

torch = need_torch()
nn = torch.nn
FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode
needs_torchvision = pytest.mark.skipif(
    importlib.util.find_spec("torchvision") is None, reason="needs torchvision"
)


def _macs(module: object, shape: tuple[int, ...]) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(torch.zeros(1, *shape, device="meta"))  # type: ignore[operator]
    return int(counter.get_total_flops() // 2)


@needs_torchvision
def test_vit_h_14_at_518_is_torchvisions_swag_model() -> None:
    """vit_h_14's only weights are SWAG's, at 518: published 633,470,440 params and
    1016.717 GFLOPS (torchvision's _ops are MACs); the position embedding grows with
    the 37² + 1 tokens, which cnncalc works out from --input."""
    import torchvision  # type: ignore[import-not-found]

    report = _preset("vit_h_14", (3, 518, 518))
    with torch.device("meta"):
        model = torchvision.models.vit_h_14(image_size=518).eval()
    assert report.total.params == sum(p.numel() for p in model.parameters()) == 633_470_440
    assert report.total.macs == _macs(model, (3, 518, 518))
    assert round(report.total.macs / 1e9, 3) == 1016.717


def _preset(name: str, shape: tuple[int, ...]) -> Report:
    return analyze(load(name), shape)


@needs_torchvision
def test_convnext_block_as_torchvision_writes_it() -> None:
    """torchvision's CNBlock: a depthwise conv, Permute([0, 2, 3, 1]), LayerNorm and
    two Linear layers on the channels-last map, Permute([0, 3, 1, 2]), layer scale
    (C, 1, 1), stochastic depth; written the same way, it counts the same."""
    from torchvision.models.convnext import CNBlock  # type: ignore[import-not-found]

    spec = (
        "res[ conv 96x7x7 p3 dw | permute 0,2,3,1 | layernorm | fc 384 | gelu | fc 96 "
        "| permute 0,3,1,2 | layerscale | droppath 0.1 ]"
    )
    report = run(spec, 96, 56, 56)
    with torch.device("meta"):
        block = CNBlock(96, 1e-6, 0.1).eval()
    assert report.total.params == sum(p.numel() for p in block.parameters())
    assert report.total.macs == _macs(block, (96, 56, 56))
    assert report.output_shape == (96, 56, 56)
    # the same block written channels first, with 1x1 convs (the preset's way): equal
    flat = run("res[ conv 96x7x7 p3 dw | layernorm | conv 384x1x1 | gelu | conv 96x1x1 "
               "| layerscale | droppath 0.1 ]", 96, 56, 56)  # fmt: skip
    assert (flat.total.params, flat.total.macs) == (report.total.params, report.total.macs)


def test_a_sequence_input_is_read_as_tokens() -> None:
    """A spec that starts with a layer that reads a sequence takes --input N×D as
    one: BERT-base's attention on 128 tokens of 768 (4·N·D² + 2·N²·D MACs by hand)."""
    report = run("attention 12 | layernorm", 128, 768)
    assert report.output_shape == (128, 768)
    assert report.total.macs == 4 * 128 * 768**2 + 2 * 128**2 * 768
    assert report.total.params == 4 * 768 * 768 + 4 * 768 + 2 * 768


@pytest.mark.parametrize(
    ("spec", "dims", "message"),
    [
        ("conv 8x3x3 | tokens | conv 8x3", "3x8x8", "conv reads channels first"),
        ("conv 8x3x3 | tokens | conv 8x3", "3x8x8", "'untokens 6x6' turns it back"),
        ("conv 8x3x3 | attention 2", "3x8x8", "'tokens' makes one"),
        ("conv 8x3x3 | tokens | attention 3", "3x8x8", "3 heads must divide the 8 features"),
        ("conv 8x3x3 | tokens | untokens 5x7", "3x8x8", "cannot lay 36 tokens on a 5x7 grid"),
        ("conv 8x3x3 | permute 2,1,0", "3x8x8", "permute moves the features"),
        ("conv 8x3x3 | permute 1,1,0", "3x8x8", "each once"),
        ("conv 8x3x3 | tokens | cat[ fc 4 ; fc 4 ]", "3x8x8", "joins channels-first maps"),
        ("conv 8x3x3 | tokens | token 40", "3x8x8", "the sequence has 36 tokens"),
        ("conv 8x3x3 | tokens | bn", "3x8x8", "bn reads channels first"),
    ],
)
def test_layout_mistakes_are_one_line_errors(spec: str, dims: str, message: str) -> None:
    code, out, err = invoke(spec, "--input", dims)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert "^" in err  # the caret under the layer


def test_attention_kernel_memory_by_hand() -> None:
    """The math path keeps each head's N×N probabilities, the fused kernels a
    float32 log-sum-exp per head and query instead: at float32, per layer and
    sample, 4·H·N² − 4·H·N bytes more at batch ≥ 2 (ViT-B/16: 12 layers, 12 heads, 197 tokens).
    ``auto`` is memory-efficient for float32 and flash for 2-byte types, as PyTorch
    picks on a CUDA GPU; the efficient kernel pads the log-sum-exp to 32 queries."""
    report = _preset("vit_b_16", (3, 224, 224))
    math_ = estimate(report, batch=2, attention="math")
    flash = estimate(report, batch=2, attention="flash")
    efficient = estimate(report, batch=2, attention="efficient")
    assert math_.kept_bytes - flash.kept_bytes == 2 * 12 * (4 * 12 * 197**2 - 4 * 12 * 197)
    assert efficient.kept_bytes - flash.kept_bytes == 2 * 12 * 4 * 12 * (224 - 197)
    # at batch 1 the math path keeps the in-projection's output whole (v is a view of
    # it) instead of a copy of v: 2·N·D float32 values more a layer
    one = (
        estimate(report, attention="math").kept_bytes
        - estimate(report, attention="flash").kept_bytes
    )
    assert one == 12 * (4 * 12 * 197**2 - 4 * 12 * 197 + 2 * 197 * 768 * 4)
    assert estimate(report).attention == "efficient"
    assert estimate(report, amp="bfloat16").attention == "flash"
    assert estimate(_preset("resnet18", (3, 224, 224))).attention is None


def test_attention_option_in_the_cli_and_json() -> None:
    code, out, _ = invoke("vit_b_16", "--json", "--attention", "math")
    assert code == 0
    memory = json.loads(out)["total"]["memory"]
    assert memory["attention"] == "math"
    code, out, _ = invoke("vit_b_16", "--json")
    assert json.loads(out)["total"]["memory"]["attention"] == "efficient"
    code, _, err = invoke("vit_b_16", "--emit", "torch", "--attention", "math")
    assert code == 2 and "--attention" in err


@pytest.mark.skipif(importlib.util.find_spec("transformers") is None, reason="needs transformers")
def test_bert_base_is_transformers_bert_model() -> None:
    """Hugging Face's BertModel(BertConfig()) on the meta device at 128 tokens: the
    same params, MACs and pooler output; its only buffers are two int64 index
    tables (position_ids, token_type_ids), which cnncalc does not count."""
    from transformers import BertConfig, BertModel  # type: ignore[import-not-found]

    report = _preset("bert_base", (128,))
    with torch.device("meta"):
        model = BertModel(BertConfig()).eval()
    assert report.total.params == sum(p.numel() for p in model.parameters()) == 109_482_240
    assert {name for name, _ in model.named_buffers()} == {
        "embeddings.position_ids",
        "embeddings.token_type_ids",
    }
    assert report.total.buffers == 0
    ids = torch.zeros(1, 128, dtype=torch.long, device="meta")
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(ids)
    assert report.total.macs == counter.get_total_flops() // 2
    assert report.output_shape == tuple(out.pooler_output.shape[1:])
    # the encoder's output, last_hidden_state, is the last layer norm's
    last = [layer for layer in report.layers if layer.kind == "layernorm"][-1]
    assert last.output_shape == tuple(out.last_hidden_state.shape[1:])
