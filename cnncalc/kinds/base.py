"""What every layer kind is made of, and the records its rule returns.

A :class:`Kind` holds everything cnncalc knows about one kind of layer, in one
place: its words, its argument grammar and options, its rule (shape,
parameters, MACs and receptive-field reach), its ``--explain`` lines and its
PyTorch code. The family modules (:mod:`.convolution`, :mod:`.pooling`, …)
declare the kinds; :mod:`cnncalc.kinds` collects them into the registry.
Renderers ask a layer's kind; none of them names one.

Conventions (see the README for the full statement):

* MACs count multiply-accumulates of weights with inputs; bias adds, batch
  norm, activations and pooling count 0.
* ``bias_units`` counts output units that add a bias: LeCun's "connections"
  are MACs plus these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from fractions import Fraction

    from cnncalc.report import LayerReport

from cnncalc import arith
from cnncalc.kinds.grammar import Arg as Arg
from cnncalc.layer import LayerSpec, Shape, features_last, shape_text
from cnncalc.memory.rules import SAVES_INPUT, Behaviour
from cnncalc.record import Record


class Count(Record):
    """Weights and biases of one way of joining two volumes."""

    _compared = ("weights", "biases")
    __slots__ = _compared

    def __init__(self, weights: int, biases: int) -> None:
        self.weights = weights
        self.biases = biases


class Compare(Record):
    """The course-slide comparison: the same input→output volumes joined densely,
    by unshared local filters, and by one shared convolution."""

    _compared = ("dense", "local", "shared")
    __slots__ = _compared

    def __init__(self, dense: Count, local: Count, shared: Count) -> None:
        self.dense = dense
        self.local = local
        self.shared = shared


Rational = Union[int, "Fraction"]
"""A whole number of input positions, or a fraction of one (after upsampling)."""


class Reach(Record):
    """How far one output unit reaches into the layer's input, per spatial axis,
    for the receptive field (Araujo, Norris & Sim, Distill 2019).

    ``spans``: how many input positions the widest output unit reads (the
    dilated kernel, or ceil(F_eff/S) for a transposed conv); ``steps``: input
    positions between neighbouring output units (1/S when transposed);
    ``starts``: where output unit 0's window begins, in input positions.
    ``whole`` marks layers whose every output reads the whole input (fc).
    ``growth`` is :func:`cnncalc.receptive.step`'s own, worked out there on first use.
    """

    _compared = ("spans", "steps", "starts", "whole")
    __slots__ = (*_compared, "growth")

    def __init__(
        self,
        spans: tuple[int, ...] = (),
        steps: tuple[Rational, ...] = (),
        starts: tuple[Rational, ...] = (),
        whole: bool = False,
        growth: int = 0,
    ) -> None:
        self.spans = spans
        self.steps = steps
        self.starts = starts
        self.whole = whole
        self.growth = growth


WHOLE = Reach(whole=True)


class Outcome(Record):
    """What one layer does to its input. ``layer`` is the spec with every
    per-axis value resolved against the input, for the canonical spec string."""

    _compared = (
        "layer",
        "shape",
        "params",
        "buffers",
        "macs",
        "bias_units",
        "compare",
        "warnings",
        "reach",
    )
    __slots__ = _compared

    def __init__(
        self,
        layer: LayerSpec,
        shape: Shape,
        params: int = 0,
        buffers: int = 0,
        macs: int = 0,
        bias_units: int = 0,
        compare: Compare | None = None,
        warnings: tuple[str, ...] = (),
        reach: Reach | None = None,
    ) -> None:
        self.layer = layer
        self.shape = shape
        self.params = params
        self.buffers = buffers
        self.macs = macs
        self.bias_units = bias_units
        self.compare = compare
        self.warnings = warnings
        self.reach = reach


class Helper(Record):
    """A class the emitted PyTorch file defines because torch.nn lacks it."""

    name: str
    source: str


class Module(Record):
    """One layer as PyTorch code: an expression building the module, and the
    helper classes it uses. ``tokens``: its input is integer token ids."""

    code: str
    helpers: tuple[Helper, ...] = ()
    tokens: bool = False


Rule = Callable[[LayerSpec, Shape], Outcome]
"""Shape, parameters, MACs and reach of a layer on an input shape."""
Explainer = Callable[["LayerReport"], list[str]]
"""The ``--explain`` lines of a layer as run: its arithmetic with the numbers in."""
Emitter = Callable[["LayerReport"], Module]
"""The PyTorch module of a layer as run (its resolved spec and shapes)."""


JoinRule = Callable[[LayerSpec, Shape, tuple[Shape, ...]], Outcome]
"""Shape and counts of a join from the current tensor's shape and the named outputs'."""


class How(str, Enum):
    """The op a named join runs (:class:`Join`); a str, so it prints as its word."""

    ADD = "add"
    MUL = "mul"
    CAT = "cat"
    CROP = "crop"
    FROM = "from"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Join(Record):
    """How a kind that reads earlier outputs by name (``add p5``) combines them.

    ``rule`` takes the current tensor's shape and the named outputs' shapes.
    ``how`` is the op PyTorch runs for it, for the memory graph and the
    receptive field: ``"add"``, ``"mul"`` and ``"cat"`` read the current tensor
    and the named ones; ``"crop"`` centre-crops each to the smallest and
    concatenates; ``"from"`` reads only the named output (the current tensor is
    left, kept only if named)."""

    how: How
    rule: JoinRule


class Reads(str, Enum):
    """The layout a kind reads (:class:`~cnncalc.layer.Last`): channels first
    (maps, vectors), features last (token sequences), or either (element-wise
    ops, and the layers that act on each position's features: ``fc`` on tokens
    is torch's ``nn.Linear`` on the last axis, ``layernorm`` its ``nn.LayerNorm``)."""

    FIRST = "first"
    LAST = "last"
    EITHER = "either"

    def __str__(self) -> str:
        return self.value


def layout_refusal(kind: Kind, shape: Shape) -> str | None:
    """Why ``kind`` cannot read ``shape``'s layout, with what to write instead; None if it can."""
    text = shape_text(shape, "x")
    if kind.reads is Reads.FIRST and features_last(shape):
        back = f"untokens {square_grid(shape[0]) or 'HxW'}" if len(shape) == 2 else "untokens"
        return (
            f"{kind.name} reads channels first, but its input {text} has its features last "
            f"(a token sequence or a permuted map): '{back}' turns it back"
        )
    if kind.reads is Reads.LAST and not features_last(shape):
        if len(shape) == 1:
            return f"{kind.name} reads a token sequence (N×D), but its input is a vector of {text}"
        order = ",".join(str(axis) for axis in range(1, len(shape))) + ",0"
        return (
            f"{kind.name} reads a token sequence (N×D, features last), but its input {text} "
            "is channels first: 'tokens' makes one (x.flatten(2).transpose(1, 2)), "
            f"'permute {order}' a map with its channels last"
        )
    return None


def square_grid(n: int) -> str | None:
    """``14x14`` for 196 tokens, for a hint; None where the count is no square
    (65: 64 patches and a class token, which no grid holds)."""
    import math

    side = math.isqrt(n)
    return f"{side}x{side}" if side * side == n else None


def connection_lines(layer: LayerReport) -> list[str]:
    """LeCun's connections, where they are more than the MACs: every output unit
    that adds a bias is one more."""
    costs = layer.costs
    if costs.connections == costs.macs:
        return []
    biased = costs.connections - costs.macs
    return [
        f"connections: {costs.macs:,} + {counted(biased, 'biased unit')} = {costs.connections:,}"
    ]


def counted(n: int, noun: str) -> str:
    """``1 bias``, ``324 biases``, ``1 biased unit``: a count with its noun agreeing."""
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {noun}es" if noun.endswith(("s", "x")) else f"{n:,} {noun}s"


def no_lines(_: LayerReport) -> list[str]:
    """Nothing to explain: the shape passes through, nothing is learned."""
    return []


class Kind(Record):
    """One layer kind, declared once with everything cnncalc needs of it.

    ``name`` and ``aliases`` are its words; ``arg`` the grammar of its
    positional argument and ``options`` the LayerSpec fields its options may set;
    ``rule`` its arithmetic; ``explain`` and ``torch`` its two renderings that
    depend on the kind; ``memory`` what it keeps and borrows in PyTorch (see
    :mod:`cnncalc.memory.rules`). ``takes_tokens``: its input is a token sequence;
    ``sets_rank``: its output's rank does not follow its input's (fc, flatten,
    reshape), so layers after it say nothing about the network input's rank.
    ``join``: it reads earlier outputs by name (``add p5``, :mod:`.joins`); its
    ``rule`` is then never called, the join's is. ``reads``: the layouts its
    input may have (:class:`Reads`); the engine refuses the others.
    """

    name: str
    arg: Arg
    rule: Rule
    summary: str
    explain: Explainer
    torch: Emitter
    aliases: tuple[str, ...] = ()
    options: frozenset[str] = frozenset()
    takes_tokens: bool = False
    memory: Behaviour = SAVES_INPUT
    sets_rank: bool = False
    join: Join | None = None
    reads: Reads = Reads.FIRST

    @property
    def windowed(self) -> bool:
        """It slides a window (a kernel with a stride) over its input."""
        return "stride" in self.options


AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
NOUNS = {"L": ("position", "positions"), "H": ("row", "rows"), "W": ("column", "columns")}
NOUNS["D"] = ("slice", "slices")


def axis_names(rank: int) -> tuple[str, ...]:
    return AXES.get(rank, tuple(f"axis{i + 1}" for i in range(rank)))


def ratio(a: int, b: int) -> Rational:
    """a/b, an int when it is whole."""
    if a % b == 0:
        return a // b
    from fractions import Fraction  # rarely needed: not imported at start-up

    return Fraction(a, b)


def windows(
    kernel: Shape, stride: Shape, dilation: Shape, pads: Sequence[tuple[int, int]]
) -> Reach:
    """A sliding window's reach: F_eff wide, S apart, starting P_left before 0."""
    return Reach(
        tuple(arith.effective(k, d) for k, d in zip(kernel, dilation, strict=True)),
        stride,
        tuple(-left for left, _ in pads),
    )
