"""What a block construct is: one class, declared once with everything cnncalc needs.

A construct (a residual, a concat, a gate…) combines paths of layers. Its class
holds its words in the string form and its YAML keys (read by the parsers), how
many paths it takes, what each path reads and how their ends are joined (the
shape rule, shared with the named join of the same op in
:mod:`cnncalc.joining`, and the receptive field), how its paths and row are
labelled, its sign in the diagram, its PyTorch helper class and the ops it
adds to the memory graph. The parser, YAML reader, canonical printer, engine,
memory graph, table, SVG and emitter ask the construct; none names one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

from cnncalc import receptive
from cnncalc.errors import SpecError
from cnncalc.layer import Block, BlockKind, Shape

if TYPE_CHECKING:
    from cnncalc.report import BlockReport, Row

State = receptive.State


class Graph(Protocol):
    """What a construct adds its ops to (:mod:`cnncalc.memory.graph`): values are ints."""

    def seq(self, rows: tuple[Row, ...], x: int) -> int:
        """Run a path's rows on value ``x``; its end."""
        ...

    def join(
        self, op: str, block: BlockReport, ends: tuple[int, ...], numel: int | None = None
    ) -> int:
        """An op of the block's own (``add``, ``cat``, ``mul``, ``chunk``, ``crop``,
        ``side``) reading ``ends``; ``numel``: its output's elements per sample (the
        block's output's when None)."""
        ...

    def numel_of(self, value: int) -> int:
        """Elements per sample of a value."""
        ...


class Construct:
    """One block construct. Subclasses set the class attributes and override
    what differs; one instance of each is in :data:`cnncalc.constructs.CONSTRUCTS`."""

    kind: ClassVar[BlockKind]
    word: ClassVar[str | None] = None
    """Its keyword in the string form, ``word[ a ; b ]``; None for ``[ ... ]*N``."""
    yaml_keys: ClassVar[tuple[str, ...]]
    """The YAML keys that make one (``residual:`` and ``res:``)."""
    yaml_parts: ClassVar[tuple[str, ...]]
    """The keys its YAML mapping takes besides ``name`` and ``trainable``; the first is needed."""
    yaml_list: ClassVar[str | None] = None
    """What a bare YAML list given to its key stands for (``layers``: its one path's, or
    ``branches``); None: its key takes a mapping only."""
    yaml_paths: ClassVar[tuple[str, ...]] = ("layers",)
    """The YAML keys of its paths, in order (those given); branches are one list instead."""
    yaml_help: ClassVar[str]
    """How to write it in YAML, for an error."""
    max_paths: ClassVar[int | None] = 1
    """How many paths it takes at most (None: any number: branches)."""
    too_many: ClassVar[str] = ""
    """The error for one path too many, at its ';'."""
    empty_paths: ClassVar[bool] = False
    """A path may be empty (``cat[ ; conv …]``): the identity."""
    serial: ClassVar[bool] = False
    """Its paths run one after another (a group, a repeat's repetitions)."""
    repeats: ClassVar[bool] = False
    """Its one path runs ``count`` times (``[ ... ]*N``, YAML ``times:``, ``shared``)."""
    side_output: ClassVar[bool] = False
    """Its path ends in an output of its own; its input goes on unchanged."""
    label: ClassVar[str] = ""
    """Its row's label when it has no name (``res``, ``cat crop``)."""
    title: ClassVar[str | None] = None
    """How the table titles it (``residual``); None: by its label."""
    footer: ClassVar[str] = "the join"
    """How the memory footer names the op that ends it."""
    sign: ClassVar[tuple[str, str]] = ("", "")
    """Its tag and the sign where its paths meet in the diagram."""
    identity_at: ClassVar[int | None] = None
    """Where the diagram draws the identity beside a lone path (None: nowhere)."""
    helper: ClassVar[tuple[str, str] | None] = None
    """The PyTorch class that runs it in ``--emit torch``: its name and source."""
    nest: ClassVar[int] = 2
    """How many modules its helper nests around its paths' (for the emitter's depth)."""

    # --- the engine -------------------------------------------------------------------

    def path_names(self, block: Block | BlockReport) -> list[str]:
        """Each path's name in the block's path (``res.body``, ``cat.0``)."""
        return [str(j) for j in range(len(block.parts))]

    def inputs(self, block: Block, state: State) -> list[State]:
        """What each path reads: the block's input, unless the construct splits it."""
        return [state] * len(block.parts)

    def combine(self, block: Block, state: State, ends: list[State]) -> tuple[State, Shape]:
        """The block's output (shape and receptive field) from its input and its
        paths' ends, and the shape its row shows (the output's, but for a side
        output's branch)."""
        raise NotImplementedError

    def error(self, block: Block, message: str) -> SpecError:
        return SpecError(message, block.origin.whole, block.origin.title or self.word or "[...]")

    def default_label(self, block: Block) -> str:
        return self.label

    @property
    def group(self) -> bool:
        """A named group: its one path runs once (a YAML block's body, ``group:``)."""
        return self.serial and not self.repeats

    # --- the renderers ----------------------------------------------------------------

    def reads(self, block: BlockReport) -> Shape:
        """The shape each path reads (what an empty path hands on)."""
        return block.input_shape

    def path_labels(self, block: BlockReport) -> list[tuple[str, tuple[Row, ...]]] | None:
        """The table's label for each path, with its rows (an empty path is the
        identity); None: the rows are shown without a label."""
        return None

    def helpers(self) -> list[tuple[str, str]]:
        """The helper classes and functions its module needs (name, source)."""
        return [self.helper] if self.helper is not None else []

    def torch(self, parts: list[str], block: BlockReport) -> str:
        """The module expression, given each path's (``nn.Identity()`` for an empty one)."""
        assert self.helper is not None
        return f"{self.helper[0]}({', '.join(parts)})"

    def canonical(self, inner: list[str], block: Block) -> str:
        """The string form, given each path's."""
        return f"{self.word}[" + " ; ".join(inner) + "]"

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        """Add the block's ops on value ``x`` to the memory graph; its output value."""
        raise NotImplementedError


def handed_on(row: Row) -> bool:
    """Whether a row hands on its input (a side output), not what its row shows."""
    from cnncalc.constructs import of  # the registry, which imports this module
    from cnncalc.report import BlockReport

    return type(row) is BlockReport and of(row.kind).side_output


def passed(row: Row) -> Shape:
    """The shape of the tensor a row hands on: a side output's row shows its
    branch's shape, but hands on its input."""
    return row.input_shape if handed_on(row) else row.output_shape


def end_shape(part: tuple[Row, ...], block: BlockReport) -> Shape:
    """The shape a path ends with (an empty one hands on the block's input)."""
    return passed(part[-1]) if part else block.input_shape


def shown(shape: Shape) -> str:
    from cnncalc.layer import shape_text

    return shape_text(shape, "x")


def rank_note(shape: Shape, first: Shape) -> str:
    if len(shape) != len(first):
        return f" (a {len(shape)}-D tensor and a {len(first)}-D one)"
    return ""
