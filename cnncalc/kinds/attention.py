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

import math
from typing import TYPE_CHECKING

from cnncalc.errors import LayerError
from cnncalc.kinds.base import (
    WHOLE,
    Arg,
    Helper,
    Kind,
    Module,
    Outcome,
    Reach,
    Reads,
    connection_lines,
)
from cnncalc.layer import LayerSpec, Shape, features_last, shape_text
from cnncalc.memory.rules import Behaviour, Saved
from cnncalc.record import Record

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


# --- windowed attention (Swin) -------------------------------------------------------

CPB_HIDDEN = 512
"""The width of Swin V2's continuous position bias MLP (torchvision's ``cpb_mlp``)."""


class Windows(Record):
    """Where windowed attention's windows fall on a features-last map: the
    ``window`` and ``shift`` as written (one per axis), those it runs with
    (``used``, ``shifted``), the map padded to whole windows (``padded``),
    ``count`` windows of ``tokens`` tokens each, ``features`` per token."""

    window: tuple[int, ...]
    used: tuple[int, ...]
    shifted: tuple[int, ...]
    padded: tuple[int, ...]
    count: int
    tokens: int
    features: int

    @property
    def positions(self) -> int:
        """The tokens attention runs on, padding included."""
        return self.count * self.tokens

    @property
    def table(self) -> int:
        """Relative offsets per head: ∏(2w − 1) over the window as written."""
        return math.prod(2 * w - 1 for w in self.window)


def _per_axis(values: tuple[int, ...], rank: int, what: str) -> tuple[int, ...]:
    if len(values) == 1:
        return values * rank
    if len(values) != rank:
        raise LayerError(
            f"{what} {'x'.join(map(str, values))} has {len(values)} sizes for "
            f"{rank} axes: give one, or one per axis",
            field=what,
        )
    return values


def windows_of(layer: LayerSpec, shape: Shape) -> Windows:
    """torchvision's rules: a 1-D or 2-D map is padded at its end to whole windows
    and not shifted along an axis one window covers (``swin_transformer.py``); a
    video's window is clipped to a shorter axis, with no shift there
    (``video/swin_transformer.py``, ``_get_window_and_shift_size``)."""
    sizes, features = shape[:-1], shape[-1]
    rank = len(sizes)
    if layer.window is None:
        raise LayerError(
            "windowattention needs its window: write w7 (7x7 windows), as Swin's", field="window"
        )
    window = _per_axis(layer.window, rank, "window")
    shift = _per_axis(layer.shift or (0,), rank, "shift")
    for w, s in zip(window, shift, strict=True):
        if s >= w:
            raise LayerError(f"a shift of {s} must be less than the window, {w}", field="shift")
    used, shifted = list(window), list(shift)
    if rank == 3:
        for axis, size in enumerate(sizes):
            if size <= used[axis]:
                used[axis], shifted[axis] = size, 0
    padded = tuple(-(-size // w) * w for size, w in zip(sizes, used, strict=True))
    for axis, (w, size) in enumerate(zip(used, padded, strict=True)):
        if w >= size:
            shifted[axis] = 0
    tokens = math.prod(used)
    return Windows(
        window=window,
        used=tuple(used),
        shifted=tuple(shifted),
        padded=padded,
        count=math.prod(padded) // tokens,
        tokens=tokens,
        features=features,
    )


def window_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    heads = layer.heads or 1
    if not features_last(shape) or not 2 <= len(shape) <= 4:
        raise LayerError(
            f"windowattention reads a features-last map (N×D, H×W×C or T×H×W×C), not "
            f"{shape_text(shape, 'x')}: 'permute' the channels last first"
        )
    at = windows_of(layer, shape)
    c = at.features
    if c % heads:
        raise LayerError(
            f"{heads} heads must divide the {c} features (each head takes C/H of them)",
            field="heads",
        )
    if layer.cosine and len(shape) != 3:
        raise LayerError(
            "cosine (Swin V2's attention) is written for 2-D maps, H×W×C", field="cosine"
        )
    n, t = at.positions, at.tokens
    bias = 4 * c if layer.bias else 0
    params = 4 * c * c + bias
    buffers = math.prod(at.window) ** 2  # relative_position_index: offset of every pair
    macs = 4 * n * c * c + 2 * at.count * t * t * c
    if layer.cosine:  # logit_scale; the MLP from 2 offsets to a bias per head
        params += heads + 2 * CPB_HIDDEN + CPB_HIDDEN + CPB_HIDDEN * heads
        buffers += at.table * 2  # relative_coords_table
        macs += at.table * (2 * CPB_HIDDEN + CPB_HIDDEN * heads)
    else:
        params += at.table * heads  # relative_position_bias_table
    shift = _per_axis(layer.shift or (0,), len(at.window), "shift")
    resolved = layer.replace(window=at.window, shift=shift)
    return Outcome(
        layer=resolved,
        shape=shape,
        params=params,
        buffers=buffers,
        macs=macs,
        bias_units=4 * n * c if layer.bias else 0,
        reach=Reach(at.used, (1,) * len(at.used), (0,) * len(at.used)),
    )


def window_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    assert spec is not None
    at = windows_of(spec, layer.input_shape)
    heads = spec.heads or 1
    c, n, t = at.features, at.positions, at.tokens
    sizes = layer.input_shape[:-1]
    grid = " × ".join(str(p // w) for p, w in zip(at.padded, at.used, strict=True))
    lines = [
        f"heads: {heads} × {c // heads} features = {c}",
        f"windows: {shape_text(sizes, ' × ')} positions"
        + (f", padded to {shape_text(at.padded, ' × ')}" if at.padded != sizes else "")
        + f", in {grid} = {at.count:,} windows of {shape_text(at.used, ' × ')} = {t:,} tokens",
    ]
    if any(at.shifted):
        lines.append(
            f"shift: the map rolled by {shape_text(at.shifted, ' × ')} first (and back after), "
            "the windows that wrap round masked"
        )
    bias = f" + {c}" if spec.bias else ""
    mlp = f" + the MLP {at.table:,} × ({2 * CPB_HIDDEN} + {CPB_HIDDEN * heads:,})"
    if spec.cosine:
        table = (
            f"position bias: an MLP 2 → {CPB_HIDDEN} → {heads} over {at.table:,} offsets, "
            f"{2 * CPB_HIDDEN + CPB_HIDDEN + CPB_HIDDEN * heads:,} params; "
            f"logit scale {heads}"
        )
    else:
        table = f"position bias: {at.table:,} offsets × {heads} heads = {at.table * heads:,} params"
    lines += [
        f"params: q, k, v 3 × ({c} × {c}{bias}) + out {c} × {c}{bias}; {table}"
        f" = {layer.costs.params:,}",
        f"MACs: q, k, v {n:,} × {c} × {3 * c} + QKᵀ and AV 2 × {at.count:,} × {t:,}² × {c} "
        f"+ out {n:,} × {c} × {c}" + (mlp if spec.cosine else "") + f" = {layer.costs.macs:,}",
        *connection_lines(layer),
        f"field: each token reads the tokens of its window, {shape_text(at.used, ' × ')}"
        + (" (shifted windows link neighbouring ones)" if any(at.shifted) else ""),
    ]
    return lines


WINDOW_ATTENTION = Helper(
    "WindowAttention",
    '''
class WindowAttention(nn.Module):
    """Multi-head self-attention within windows of a (B, *S, C) map, with a learned
    relative position bias, as torchvision's Swin computes it: the map padded at its
    end to whole windows (a video's window clipped to a shorter axis), rolled back by
    shift with the windows that wrap round masked, each window's tokens attending to
    each other, rolled forward again. cosine: Swin V2's scaled cosine attention, its
    bias from an MLP of log-spaced offsets."""

    def __init__(self, dim, heads, window, shift, bias=True, cosine=False):
        super().__init__()
        self.heads, self.window, self.shift, self.cosine = heads, window, shift, cosine
        self.qkv = nn.Linear(dim, 3 * dim, bias=bias)
        self.proj = nn.Linear(dim, dim, bias=bias)
        grid = torch.meshgrid(*[torch.arange(w) for w in window], indexing="ij")
        coords = torch.stack(grid).flatten(1)
        offsets = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
        index = torch.zeros(offsets.shape[:2], dtype=torch.long)
        for axis, w in enumerate(window):
            index = index * (2 * w - 1) + offsets[..., axis] + w - 1
        self.register_buffer("relative_position_index", index)
        if cosine:
            self.logit_scale = nn.Parameter(torch.log(10 * torch.ones((heads, 1, 1))))
            self.cpb_mlp = nn.Sequential(
                nn.Linear(len(window), 512),
                nn.ReLU(inplace=True),
                nn.Linear(512, heads, bias=False),
            )
            steps = [torch.arange(-(w - 1), w, dtype=torch.float32) / (w - 1) for w in window]
            table = torch.stack(torch.meshgrid(*steps, indexing="ij"), -1).unsqueeze(0) * 8
            table = torch.sign(table) * torch.log2(torch.abs(table) + 1.0) / 3.0
            self.register_buffer("relative_coords_table", table)
        else:
            size = math.prod(2 * w - 1 for w in window)
            self.relative_position_bias_table = nn.Parameter(torch.zeros(size, heads))

    def forward(self, x):
        b, *size, c = x.shape
        rank = len(size)
        window, shift = list(self.window), list(self.shift)
        if rank == 3:  # a video's window: clipped to a shorter axis, unshifted there
            for axis, s in enumerate(size):
                if s <= window[axis]:
                    window[axis], shift[axis] = s, 0
        pads = [(-s) % w for s, w in zip(size, window)]
        x = nn.functional.pad(x, [0, 0] + [p for pad in reversed(pads) for p in (0, pad)])
        padded = x.shape[1:-1]
        shift = [0 if w >= p else s for w, p, s in zip(window, padded, shift)]
        axes = tuple(range(1, rank + 1))
        if sum(shift) > 0:
            x = torch.roll(x, [-s for s in shift], axes)
        grid = [p // w for p, w in zip(padded, window)]
        n, t = math.prod(grid), math.prod(window)
        x = x.view(b, *[v for g, w in zip(grid, window) for v in (g, w)], c)
        x = x.permute(0, *range(1, 2 * rank, 2), *range(2, 2 * rank + 1, 2), 2 * rank + 1)
        x = x.reshape(b * n, t, c)
        qkv_bias = self.qkv.bias
        if self.cosine and qkv_bias is not None:
            qkv_bias = qkv_bias.clone()
            qkv_bias[c : 2 * c].zero_()
        qkv = nn.functional.linear(x, self.qkv.weight, qkv_bias)
        qkv = qkv.reshape(b * n, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if self.cosine:
            q, k = nn.functional.normalize(q, dim=-1), nn.functional.normalize(k, dim=-1)
            attn = q @ k.transpose(-2, -1)
            attn = attn * torch.clamp(self.logit_scale, max=math.log(100.0)).exp()
            table = self.cpb_mlp(self.relative_coords_table).view(-1, self.heads)
        else:
            q = q * (c // self.heads) ** -0.5
            attn = q.matmul(k.transpose(-2, -1))
            table = self.relative_position_bias_table
        index = self.relative_position_index[:t, :t].flatten()
        bias = table[index].view(t, t, -1).permute(2, 0, 1).contiguous().unsqueeze(0)
        if self.cosine:
            bias = 16 * torch.sigmoid(bias)
        attn = attn + bias
        if sum(shift) > 0:
            mask = x.new_zeros(padded)
            bands = [((0, -w), (-w, -s), (-s, None)) for w, s in zip(window, shift)]
            from itertools import product

            for count, cell in enumerate(product(*bands)):
                mask[tuple(slice(a, z) for a, z in cell)] = count
            mask = mask.view(*[v for g, w in zip(grid, window) for v in (g, w)])
            mask = mask.permute(*range(0, 2 * rank, 2), *range(1, 2 * rank, 2)).reshape(n, t)
            mask = mask.unsqueeze(1) - mask.unsqueeze(2)
            mask = mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)
            attn = attn.view(b, n, self.heads, t, t) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, t, t)
        attn = attn.softmax(dim=-1)
        x = attn.matmul(v).transpose(1, 2).reshape(b * n, t, c)
        x = self.proj(x)
        x = x.view(b, *grid, *window, c)
        x = x.permute(0, *[v for axis in range(rank) for v in (1 + axis, 1 + rank + axis)], -1)
        x = x.reshape(b, *padded, c)
        if sum(shift) > 0:
            x = torch.roll(x, shift, axes)
        return x[(slice(None), *[slice(0, s) for s in size])].contiguous()
''',
)


def window_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    at = windows_of(spec, layer.input_shape)
    shift = _per_axis(spec.shift or (0,), len(at.window), "shift")
    options = ", cosine=True" if spec.cosine else ""
    return Module(
        f"WindowAttention({at.features}, {spec.heads}, {list(at.window)}, {list(shift)}, "
        f"bias={spec.bias}{options})",
        (WINDOW_ATTENTION,),
    )


def _window_saved(layer: LayerReport) -> Saved:
    """What torchvision's window attention keeps, per sample, as autograd's saved
    tensors show it on the CPU (its softmax and products are written out: no SDPA
    kernel, whatever the dtype). The windows' copy of the input (the in-projection's
    input), the scaled queries, a copy each of the keys and the values, the H·T²
    probabilities of every window and the out-projection's input. Where one window
    covers the whole map at batch 1, the windows are a view of the input (it is
    kept itself) and the keys and values views of the in-projection's output (kept
    whole). A clipped video window keeps its int64 slice of the offsets' index.
    Cosine (V2): the in-projection's output (the normalised q and k read views of
    it), each one's norm and its clamp, the normalised q and k, the value copy, the
    logits before and after their scale, and, once whatever the batch, the MLP's
    hidden layer, the biases' sigmoid and the exponentiated logit scale."""
    spec = layer.layer
    assert spec is not None
    at = windows_of(spec, layer.input_shape)
    heads = spec.heads or 1
    n, c, t = at.positions, at.features, at.tokens
    probs = heads * at.count * t * t
    whole = at.count == 1 and at.padded == tuple(layer.input_shape[:-1])
    constant: tuple[tuple[int, int], ...] = ()
    if at.used != at.window:
        constant = ((t * t, 8),)
    if spec.cosine:
        norms = ((heads * n, 0),) * 4
        common = ((3 * n * c, 0), *norms, (n * c, 0), (n * c, 0))
        scores = ((probs, 0), (probs, 0), (n * c, 0))
        return Saved(
            ((n * c, 0), *common, (n * c, 0), *scores),
            input=False,
            constant=(
                (at.table * CPB_HIDDEN, 0),
                (heads * math.prod(at.window) ** 2, 0),
                (heads, 0),
            ),
            one=(*common, *scores) if whole else None,
            one_input=True if whole else None,
        )
    return Saved(
        ((n * c, 0), (n * c, 0), (n * c, 0), (probs, 0), (n * c, 0), (n * c, 0)),
        input=False,
        constant=constant,
        one=((n * c, 0), (3 * n * c, 0), (probs, 0), (n * c, 0)) if whole else None,
        one_input=True if whole else None,
    )


def _window_split(layer: LayerReport, size: int) -> tuple[list[int], list[int]]:
    """Its parameter tensors (the projections, then the bias table, or V2's logit
    scale and MLP) and buffers (the int64 index, V2's float table of offsets)."""
    spec = layer.layer
    assert spec is not None
    at = windows_of(spec, layer.input_shape)
    c, heads = at.features, spec.heads or 1
    params = [3 * c * c, 3 * c, c * c, c] if spec.bias else [3 * c * c, c * c]
    buffers = [math.prod(at.window) ** 2 * 8]
    if spec.cosine:
        params += [heads, 2 * CPB_HIDDEN, CPB_HIDDEN, CPB_HIDDEN * heads]
        buffers.append(at.table * 2 * size)
    else:
        params.append(at.table * heads)
    return [n * size for n in params], buffers


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
    Kind(
        "windowattention",
        Arg.HEADS,
        window_rule,
        "multi-head self-attention within (shifted) windows of a map (Swin)",
        window_explain,
        window_torch,
        ("wmsa", "swinattention"),
        frozenset({"bias", "trainable", "window", "shift", "cosine"}),
        memory=Behaviour(
            saves_input=True, autocast="half", saved=_window_saved, split=_window_split
        ),
        reads=Reads.LAST,
    ),
)
