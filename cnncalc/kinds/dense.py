"""Dense layers: fully connected (``fc``), LeNet-5's Euclidean RBF output
(``rbf``) and the embedding lookup (``embed``)."""

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
    Reads,
    connection_lines,
)
from cnncalc.layer import LayerSpec, Shape, features_last, positions, shape_text, with_features
from cnncalc.memory.rules import Behaviour, Saved

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def fc_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Fully connected (torch.nn.Linear after a flatten); on a features-last
    input, torch.nn.Linear on its last axis: each position (token) on its own,
    the same weights for all, so the field does not grow."""
    units = layer.units or 0
    if features_last(shape):
        weights, bias = shape[-1] * units, units if layer.bias else 0
        count = math.prod(positions(shape))
        return Outcome(
            layer=layer,
            shape=with_features(shape, units),
            params=weights + bias,
            macs=count * weights,
            bias_units=count * bias,
        )
    weights = math.prod(shape) * units
    bias = units if layer.bias else 0
    return Outcome(
        layer=layer,
        shape=(units,),
        params=weights + bias,
        macs=weights,
        bias_units=bias,
        reach=WHOLE,
    )


def rbf_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """LeNet-5's Euclidean RBF output: y_i = Σ_j (x_j − w_ij)², no bias."""
    units = layer.units or 0
    weights = math.prod(shape) * units
    return Outcome(layer=layer, shape=(units,), params=weights, macs=weights, reach=WHOLE)


def fc_explain(layer: LayerReport) -> list[str]:
    spec, costs = layer.layer, layer.costs
    assert spec is not None
    bias = f" + {spec.units}" if spec.bias else ""
    if features_last(layer.input_shape):
        features = layer.input_shape[-1]
        where = shape_text(positions(layer.input_shape), "·")
        return [
            f"params: {features:,} × {spec.units}{bias} = {costs.params:,} (each position alike)",
            f"MACs: {where} positions × {features:,} × {spec.units} = {costs.macs:,}",
            *connection_lines(layer),
        ]
    inputs = math.prod(layer.input_shape)
    return [
        f"params: {inputs:,} × {spec.units}{bias} = {costs.params:,}",
        f"MACs: {inputs:,} × {spec.units} = {costs.macs:,}",
        *connection_lines(layer),
    ]


def fc_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    shape = layer.input_shape
    if features_last(shape):  # torch's Linear acts on the last axis
        return Module(f"nn.Linear({shape[-1]}, {spec.units}, bias={spec.bias})")
    linear = f"nn.Linear({math.prod(shape)}, {spec.units}, bias={spec.bias})"
    return Module(linear if len(shape) == 1 else f"nn.Sequential(nn.Flatten(), {linear})")


def rbf_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    assert spec is not None
    inputs = math.prod(layer.input_shape)
    return [f"params: {inputs:,} × {spec.units} = {layer.costs.params:,}"]


RBF = Helper(
    "RBF",
    '''
class RBF(nn.Module):
    """Euclidean radial basis units: y_i = sum_j (x_j - w_ij)^2 (LeNet-5's output)."""

    def __init__(self, inputs, units):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(units, inputs))

    def forward(self, x):
        return ((x.flatten(1)[:, None, :] - self.weight) ** 2).sum(-1)
''',
)


def rbf_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    return Module(f"RBF({math.prod(layer.input_shape)}, {spec.units})", (RBF,))


def embed_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """A lookup table of V vectors of size D: tokens L → D×L (channels first)."""
    if len(shape) != 1:
        raise LayerError(f"needs a token sequence (--input L), got {shape_text(shape, 'x')}")
    dim, vocab = layer.dim or 0, layer.vocab or 0
    return Outcome(layer=layer, shape=(dim, shape[0]), params=vocab * dim)


def embed_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    assert spec is not None
    return [f"params: {spec.vocab} × {spec.dim} = {layer.costs.params:,}"]


TOKENS = Helper(
    "Tokens",
    '''
class Tokens(nn.Module):
    """An embedding whose output is channels first: (N, L) tokens -> (N, D, L)."""

    def __init__(self, vocab, dim):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)

    def forward(self, x):
        return self.embed(x).transpose(1, 2)
''',
)


def embed_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    return Module(f"Tokens({spec.vocab}, {spec.dim})", (TOKENS,), tokens=True)


def _rbf_saved(layer: LayerReport) -> Saved:
    """(x − w)² keeps its base, the differences (units × inputs), not the input."""
    return Saved(((layer.output_shape[0] * math.prod(layer.input_shape), 0),), input=False)


KINDS = (
    Kind(
        "fc",
        Arg.UNITS,
        fc_rule,
        "fully connected",
        fc_explain,
        fc_torch,
        ("dense", "linear"),
        frozenset({"bias", "trainable"}),
        memory=Behaviour(saves_input=True, autocast="half", weights="bias", flattens=True),
        sets_rank=True,
        reads=Reads.EITHER,
    ),
    Kind(
        "rbf",
        Arg.UNITS,
        rbf_rule,
        "Euclidean RBF units (LeNet-5 output)",
        rbf_explain,
        rbf_torch,
        options=frozenset({"trainable"}),
        # (x − w)² keeps its base, the differences: units × inputs values
        memory=Behaviour(saved=_rbf_saved),
        sets_rank=True,
    ),
    Kind(
        "embed",
        Arg.VOCAB_DIM,
        embed_rule,
        "embedding lookup: tokens → vectors",
        embed_explain,
        embed_torch,
        ("embedding",),
        frozenset({"trainable"}),
        takes_tokens=True,
        # the backward reads the int64 indices (the input) to scatter the gradient
        memory=Behaviour(saves_input=True, grads_input=False),
    ),
)
