"""Channel bookkeeping, nothing learned, no MACs: ``padchannels`` (zeros before
and after the channels: the CIFAR ResNet's option-A shortcut, He et al. 2016,
``F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, P, P))``), ``slice`` (a range of the
channels, ``x[:, A:B]``: Res2Net's hierarchical splits) and ``groupsum`` (the
sum of G equal groups of channels: ResNeSt's and SKNet's split attention adds
its radix groups, ``x.unflatten(1, (G, -1)).sum(1)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import LayerError
from cnncalc.kinds.base import Arg, Helper, Kind, Module, Outcome, no_lines
from cnncalc.layer import LayerSpec, Shape
from cnncalc.memory.rules import Behaviour

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def _pair(layer: LayerSpec, kind: str) -> tuple[int, int]:
    pads: tuple[int, ...] | int = layer.pads or (0, 0)
    if isinstance(pads, int):  # YAML's pads: 2
        pads = (pads, pads)
    if len(pads) == 1:
        pads = (pads[0], pads[0])
    if len(pads) != 2:
        raise LayerError(f"{kind} takes one A:B (or one number), not one per axis", field="pads")
    return pads[0], pads[1]


def padchannels_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """C + before + after channels, the new ones zero."""
    before, after = _pair(layer, "padchannels")
    return Outcome(layer=layer, shape=(shape[0] + before + after, *shape[1:]))


def padchannels_explain(layer: LayerReport) -> list[str]:
    before, after = _pair(layer.layer or LayerSpec("padchannels"), "padchannels")
    c = layer.input_shape[0]
    return [f"channels: {before} + {c} + {after} = {layer.output_shape[0]}, the new ones zero"]


PAD_CHANNELS = Helper(
    "PadChannels",
    '''
class PadChannels(nn.Module):
    """Zero channels before and after: F.pad on the channel axis (option A)."""

    def __init__(self, before, after):
        super().__init__()
        self.before, self.after = before, after

    def forward(self, x):
        return nn.functional.pad(x, (0, 0) * (x.dim() - 2) + (self.before, self.after))
''',
)


def padchannels_torch(layer: LayerReport) -> Module:
    before, after = _pair(layer.layer or LayerSpec("padchannels"), "padchannels")
    return Module(f"PadChannels({before}, {after})", (PAD_CHANNELS,))


def slice_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Channels A to B − 1 (Python's x[:, A:B]), a view."""
    start, stop = _pair(layer, "slice")
    if start == stop:
        raise LayerError(
            f"slice takes a range A:B of the channels, A < B (channel {start} alone: "
            f"slice {start}:{start + 1})",
            field="pads",
        )
    if not 0 <= start < stop <= shape[0]:
        raise LayerError(
            f"slice {start}:{stop} takes channels {start} to {stop - 1}, but the input has "
            f"{shape[0]} (0 to {shape[0] - 1}); A < B ≤ C",
            field="pads",
        )
    return Outcome(layer=layer, shape=(stop - start, *shape[1:]))


SLICE = Helper(
    "SliceChannels",
    '''
class SliceChannels(nn.Module):
    """Channels start to stop - 1: x[:, start:stop], a view."""

    def __init__(self, start, stop):
        super().__init__()
        self.start, self.stop = start, stop

    def forward(self, x):
        return x[:, self.start : self.stop]
''',
)


def slice_torch(layer: LayerReport) -> Module:
    start, stop = _pair(layer.layer or LayerSpec("slice"), "slice")
    return Module(f"SliceChannels({start}, {stop})", (SLICE,))


def groupsum_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """C channels as G groups of C/G, added: C/G out."""
    groups = layer.groups or 1
    if shape[0] % groups:
        raise LayerError(
            f"{groups} groups must divide the {shape[0]} input channels", field="groups"
        )
    return Outcome(layer=layer, shape=(shape[0] // groups, *shape[1:]))


GROUP_SUM = Helper(
    "GroupSum",
    '''
class GroupSum(nn.Module):
    """The sum of G equal groups of channels (ResNeSt's radix groups)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        return x.unflatten(1, (self.groups, -1)).sum(1)
''',
)


def groupsum_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    g = (spec.groups or 1) if spec is not None else 1
    return [f"channels: {layer.input_shape[0]} / {g} groups = {layer.output_shape[0]}, added"]


def groupsum_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    return Module(f"GroupSum({(spec.groups or 1) if spec is not None else 1})", (GROUP_SUM,))


KINDS = (
    Kind(
        "padchannels",
        Arg.PADS,
        padchannels_rule,
        "zero channels before and after (the CIFAR ResNet's option-A shortcut)",
        padchannels_explain,
        padchannels_torch,
        memory=Behaviour(),  # constant_pad_nd's backward is a slice: nothing kept
    ),
    Kind(
        "slice",
        Arg.PADS,
        slice_rule,
        "a range of the channels, x[:, A:B] (Res2Net)",
        no_lines,
        slice_torch,
        memory=Behaviour(view=True),
    ),
    Kind(
        "groupsum",
        Arg.GROUPS,
        groupsum_rule,
        "the sum of G equal groups of channels (ResNeSt's split attention)",
        groupsum_explain,
        groupsum_torch,
        memory=Behaviour(),  # a sum's backward expands the gradient: nothing kept
    ),
)
