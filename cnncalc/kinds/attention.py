"""Attention: multi-head self-attention over a token sequence.

``attention H`` on N×D tokens is ``torch.nn.MultiheadAttention(D, H)`` on
``(x, x, x)`` (ViT's, BERT's, wav2vec 2.0's): one in-projection to queries, keys
and values (3·D² weights and 3·D biases), H heads of D/H features each, scaled
dot-product attention, an out-projection (D² + D). Its MACs are what torch's
``FlopCounterMode`` counts: the projections, N·D·3D and N·D·D, and the two
matrix products, QKᵀ and the probabilities times V, N²·D each (over all heads);
the scaling and the softmax count 0, as every element-wise op does.
``4·N·D² + 2·N²·D`` in all: ViT-B/16's 12 layers give torchvision's 17.564
GMACs with its MLPs, patch embedding and head.

What the backward keeps depends on the kernel PyTorch's
``scaled_dot_product_attention`` picks (:data:`BACKENDS`): the math path keeps
the N×N probabilities of every head; the flash and memory-efficient kernels
keep the queries, keys and values, the output and one log-sum-exp per head and
query, never the N² matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import LayerError
from cnncalc.kinds.base import WHOLE, Arg, Helper, Kind, Module, Outcome, Reads, connection_lines
from cnncalc.layer import LayerSpec, Shape, shape_text
from cnncalc.memory.rules import Behaviour, Saved

if TYPE_CHECKING:
    from cnncalc.report import LayerReport

BACKENDS = {
    "math": "the math path: softmax(QKᵀ/√d)·V as matrix products, the N×N probabilities kept",
    "flash": "FlashAttention (float16/bfloat16 on a CUDA GPU): Q, K, V, the output and a "
    "log-sum-exp kept",
    "efficient": "the memory-efficient kernel (float32 on a CUDA GPU): as flash, its "
    "log-sum-exp padded to 32 queries",
}
"""The kernels of ``torch.nn.functional.scaled_dot_product_attention`` the memory
model knows; ``auto`` picks as PyTorch does on a CUDA GPU (:func:`backend_for`)."""


def backend_for(dtype_bytes: int, amp: bool) -> str:
    """The kernel PyTorch picks on a CUDA GPU (H100, no mask, head size ≤ 256):
    flash for 2-byte types (bf16, fp16, autocast), memory-efficient for float32."""
    return "flash" if amp or dtype_bytes == 2 else "efficient"


def attention_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    heads = layer.heads or 1
    if len(shape) != 2:
        raise LayerError(
            f"attention reads a token sequence (N×D), not {shape_text(shape, 'x')}: "
            "'tokens' first, or 'untokens' a map back"
        )
    n, d = shape
    if d % heads:
        raise LayerError(
            f"{heads} heads must divide the {d} features (each head takes D/H of them)",
            field="heads",
        )
    bias = 4 * d if layer.bias else 0
    return Outcome(
        layer=layer,
        shape=shape,
        params=4 * d * d + bias,
        macs=4 * n * d * d + 2 * n * n * d,
        bias_units=4 * n * d if layer.bias else 0,
        reach=WHOLE,
    )


def attention_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    assert spec is not None
    n, d = layer.input_shape
    heads = spec.heads or 1
    bias = f" + {d}" if spec.bias else ""
    return [
        f"heads: {heads} × {d // heads} features = {d}",
        f"params: q, k, v 3 × ({d} × {d}{bias}) + out {d} × {d}{bias} = {layer.costs.params:,}",
        f"MACs: q, k, v {n:,} × {d} × {3 * d} + QKᵀ {n:,}² × {d} + AV {n:,}² × {d} "
        f"+ out {n:,} × {d} × {d} = {layer.costs.macs:,}",
        *connection_lines(layer),
        "field: every token attends to every token: the whole input",
    ]


SELF_ATTENTION = Helper(
    "SelfAttention",
    '''
class SelfAttention(nn.Module):
    """Multi-head self-attention on (B, N, D) tokens, as nn.MultiheadAttention
    computes it: an in-projection to q, k, v, scaled dot-product attention per
    head (PyTorch picks the kernel), an out-projection."""

    def __init__(self, dim, heads, bias=True):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=bias)
        self.proj = nn.Linear(dim, dim, bias=bias)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).view(b, n, 3, self.heads, d // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        x = nn.functional.scaled_dot_product_attention(q, k, v)
        return self.proj(x.transpose(1, 2).reshape(b, n, d))
''',
)


def attention_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    d = layer.input_shape[-1]
    return Module(f"SelfAttention({d}, {spec.heads}, bias={spec.bias})", (SELF_ATTENTION,))


def _saved(layer: LayerReport) -> Saved:
    """What the emitted SelfAttention keeps besides its input (the in-projection's),
    per sample, as autograd's saved tensors show it on the CPU (math path) and as
    the fused kernels' outputs are (flash, efficient). Math: the scaled queries,
    a copy each of the keys and the values, the H·N² probabilities (the softmax's
    output, which the second product reads) and the out-projection's input, a
    copy of the heads' outputs. Flash and efficient: the in-projection's output
    (q, k, v are views of it), the attention output (the out-projection reads a
    view of it) and a float32 log-sum-exp per head and query."""
    spec = layer.layer
    heads = (spec.heads or 1) if spec is not None else 1
    n, d = layer.input_shape
    padded = -(-n // 32) * 32
    return Saved(
        ((n * d, 0), (n * d, 0), (n * d, 0), (heads * n * n, 0), (n * d, 0)),
        backends={
            # at batch 1, v's (B·H, N, D/H) reshape is a view of the in-projection's
            # output, which is kept whole; q (scaled) and k are still copies
            "math@1": ((3 * n * d, 0), (n * d, 0), (n * d, 0), (heads * n * n, 0), (n * d, 0)),
            "flash": ((3 * n * d, 0), (n * d, 0), (heads * n, 4)),
            "efficient": ((3 * n * d, 0), (n * d, 0), (heads * padded, 4)),
        },
    )


KINDS = (
    Kind(
        "attention",
        Arg.HEADS,
        attention_rule,
        "multi-head self-attention over a token sequence (torch nn.MultiheadAttention)",
        attention_explain,
        attention_torch,
        ("mha", "selfattention"),
        frozenset({"bias", "trainable"}),
        memory=Behaviour(
            saves_input=True, autocast="half", weights="qkv", saved=_saved, flattens=True
        ),
        reads=Reads.LAST,
    ),
)
