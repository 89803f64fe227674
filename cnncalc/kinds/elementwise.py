"""Element-wise layers: activations, dropout, drop path (stochastic depth), layer
scale and the identity. Shape in = shape out, no MACs (torch's FlopCounterMode counts none
either); only layer scale learns anything (one factor per channel)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cnncalc.kinds.base import Arg, Helper, Kind, Module, Outcome, Reads, no_lines
from cnncalc.layer import LayerSpec, Shape, features, features_last
from cnncalc.memory.rules import Behaviour, Saved

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def same_shape_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Shape in = shape out, nothing learned."""
    return Outcome(layer=layer, shape=shape)


def _fixed(code: str) -> Callable[[LayerReport], Module]:
    def torch(_: LayerReport) -> Module:
        return Module(code)

    return torch


def _with_value(module: str, field: str, default: float) -> Callable[[LayerReport], Module]:
    """``nn.Dropout(0.2)``: the layer's number, or torch's default."""

    def torch(layer: LayerReport) -> Module:
        given = getattr(layer.layer, field, None)
        value = default if given is None else given
        return Module(f"nn.{module}({value!r})")

    return torch


DROP_PATH = Helper(
    "DropPath",
    '''
class DropPath(nn.Module):
    """Stochastic depth (Huang et al. 2016; torchvision's StochasticDepth(p, "row")):
    in training, each sample's whole input is zeroed with probability p and the
    others scaled by 1/(1-p); in eval, the identity."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        noise = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * noise.div_(keep) if keep > 0.0 else x * noise
''',
)


def droppath_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    rate = 0.0 if spec is None or spec.rate is None else spec.rate
    return Module(f"DropPath({rate!r})", (DROP_PATH,))


def layerscale_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """ConvNeXt's layer scale: y = γ·x with one learned γ per channel (per
    feature of a features-last input: timm's ViT LayerScale)."""
    return Outcome(layer=layer, shape=shape, params=features(shape))


def layerscale_explain(layer: LayerReport) -> list[str]:
    noun = "features" if features_last(layer.input_shape) else "channels"
    return [f"params: {features(layer.input_shape)} {noun} × 1 (γ) = {layer.costs.params:,}"]


LAYER_SCALE = Helper(
    "LayerScale",
    '''
class LayerScale(nn.Module):
    """y = gamma * x, one learned factor per channel (ConvNeXt; starts at 1e-6)."""

    def __init__(self, channels, rank, init=1e-6):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels,) + (1,) * rank, init))

    def forward(self, x):
        return x * self.gamma
''',
)


def layerscale_torch(layer: LayerReport) -> Module:
    shape = layer.input_shape
    if features_last(shape):  # γ of shape (D,) broadcasts over the last axis
        return Module(f"LayerScale({shape[-1]}, 0)", (LAYER_SCALE,))
    return Module(f"LayerScale({shape[0]}, {len(shape) - 1})", (LAYER_SCALE,))


SAVES_INPUT = Behaviour(saves_input=True, strides=True)
"""An element-wise op whose backward reads its input; its output takes the input's strides."""
SAVES_OUTPUT = Behaviour(saves_output=True, strides=True)

ACTIVATIONS = {
    # threshold_backward reads the result: in place (torchvision's ReLUs) that is the
    # storage of the layer before, kept anyway
    "relu": ("nn.ReLU()", Behaviour(saves_output=True, inplace=True, strides=True)),
    # hardtanh_backward reads the input: in place, autograd keeps a clone of it first
    "relu6": ("nn.ReLU6()", Behaviour(saves_input=True, inplace=True, strides=True)),
    "sigmoid": ("nn.Sigmoid()", SAVES_OUTPUT),
    "tanh": ("nn.Tanh()", SAVES_OUTPUT),
    "gelu": ("nn.GELU()", SAVES_INPUT),
    "silu": ("nn.SiLU()", SAVES_INPUT),
    "hardswish": ("nn.Hardswish()", SAVES_INPUT),
    "hardsigmoid": ("nn.Hardsigmoid()", SAVES_INPUT),
    # elu_backward reads the input (not in place; in place it would read the result)
    "elu": ("nn.ELU()", SAVES_INPUT),
    # softmax autocasts to float32 and its backward reads its result
    "softmax": ("nn.Softmax(dim=1)", Behaviour(saves_output=True, autocast="float")),
}
"""Each activation's module and what it keeps for its backward."""


def _per_sample(layer: LayerReport) -> Saved:
    """x · noise keeps the noise, one value per sample; at rate 0 the emitted
    module returns x."""
    spec = layer.layer
    return Saved(((1, 0),)) if spec is not None and spec.rate else Saved()


KINDS = (
    Kind(
        "identity",
        Arg.NONE,
        same_shape_rule,
        "identity: its input, unchanged (a place to name a list's input: identity as x)",
        no_lines,
        _fixed("nn.Identity()"),
        memory=Behaviour(view=True, strides=True),  # the same tensor: nothing made or kept
        reads=Reads.EITHER,
    ),
    Kind(
        "dropout",
        Arg.RATE,
        same_shape_rule,
        "dropout",
        no_lines,
        _with_value("Dropout", "rate", 0.5),
        # CUDA's fused native_dropout keeps a bool mask, one byte a value (the model
        # follows CUDA); the CPU's dropout keeps a float noise tensor instead
        memory=Behaviour(mask=True, eval_identity=True, strides=True),
        reads=Reads.EITHER,
    ),
    Kind(
        "leakyrelu",
        Arg.SLOPE,
        same_shape_rule,
        "leaky ReLU",
        no_lines,
        _with_value("LeakyReLU", "slope", 0.01),
        memory=SAVES_INPUT,
        reads=Reads.EITHER,
    ),
    Kind(
        "droppath",
        Arg.RATE,
        same_shape_rule,
        "drop path / stochastic depth: drops whole samples of a residual branch",
        no_lines,
        droppath_torch,
        ("stochasticdepth",),
        memory=Behaviour(eval_identity=True, saved=_per_sample, strides=True),
        reads=Reads.EITHER,
    ),
    Kind(
        "layerscale",
        Arg.NONE,
        layerscale_rule,
        "layer scale: one learned factor per channel (ConvNeXt)",
        layerscale_explain,
        layerscale_torch,
        options=frozenset({"trainable"}),
        memory=SAVES_INPUT,
        reads=Reads.EITHER,
    ),
    *(
        Kind(
            name,
            Arg.NONE,
            same_shape_rule,
            f"{name} activation",
            no_lines,
            _fixed(code),
            memory=keeps,
            # softmax runs on the channels (dim=1), so a features-last input is refused
            reads=Reads.FIRST if name == "softmax" else Reads.EITHER,
        )
        for name, (code, keeps) in ACTIVATIONS.items()
    ),
)
