"""Run a model's layers over its input shape: the one place rules are applied.

No tensor is ever made; each layer's rule maps a shape to a shape and counts,
so a 10**12-voxel input costs as little as a 28x28 one. Blocks are walked
recursively: a repeat runs its body N times, a residual adds its two paths, a
concat joins its branches on the channel axis (a crop-concat after cropping
them to the smallest, a split after giving each its share of the channels), a
gate multiplies its input by what its path gives, and a side output runs its
branch and hands its input on.
"""

from __future__ import annotations

from cnncalc import collector, receptive
from cnncalc.canonical import format_layer, format_nodes
from cnncalc.errors import LayerError, SpecError
from cnncalc.kinds import KINDS, Arg, Kind, Outcome
from cnncalc.kinds.base import How, Reads, layout_refusal
from cnncalc.layer import (
    DEFAULT_MAX_LAYERS,
    Block,
    Last,
    LayerSpec,
    Model,
    Node,
    Shape,
    layer_count,
    leaves,
    shape_text,
)
from cnncalc.number import LIMIT, MAX_DIGITS
from cnncalc.receptive import Field, State, cropped_fields
from cnncalc.report import BlockReport, Costs, LayerReport, Report, Row


def resolve_input(layers: tuple[Node, ...], dims: Shape, own: Shape | None = None) -> Shape:
    """Turn ``--input`` into ``(C, *spatial)``.

    The spatial rank comes from the first layer whose kernel gives one size per
    axis, before any layer that sets its own output's rank (fc, flatten,
    reshape). With one dim more than that rank, the first is the channel count;
    with exactly the rank, C=1. With no such layer, a network's ``own`` input
    (a preset's, a YAML file's ``input:``) gives the rank: ``lenet5 --input
    28x28`` is 1×28×28, as its own 1×32×32 is C×H×W; else the dims are taken as
    given. A network that starts with an embedding takes a token sequence ``(L,)``.
    """
    first = _first_kind(layers)
    if first is not None and first.takes_tokens:
        if len(dims) != 1:
            raise SpecError(
                f"--input {shape_text(dims, 'x')}: {first.name} reads a token sequence; "
                "give its length alone, e.g. --input 50"
            )
        return dims
    for index, layer in enumerate(leaves(layers), 1):
        if KINDS[layer.kind].sets_rank:  # fc | reshape 1024x4x4 | deconv …: no clue from here on
            break
        axes = layer.kernel or layer.output_size
        if layer.per_axis and axes is not None:
            rank = len(axes)
            if len(dims) == rank + 1:
                return dims
            if len(dims) == rank:
                return (1, *dims)
            label = layer.origin.title or f"layer {index}"
            sizes = f"{rank} size{'s' if rank > 1 else ''}"
            if len(dims) == rank + 2 and rank >= 2:  # PyTorch's N×C×H×W, pasted
                raise SpecError(
                    f"--input {shape_text(dims, 'x')} has {len(dims)} dims, one more than "
                    f"{label} ({rank}-D) takes: --input leaves the batch out (it is --batch); "
                    f"give {shape_text(dims[1:], 'x')}"
                )
            raise SpecError(
                f"--input {shape_text(dims, 'x')} has {len(dims)} dims, but {label} is {rank}-D: "
                f"give {sizes}, or {rank + 1} with the channels first"
            )
    if own is not None and len(own) >= 2 and len(dims) == len(own) - 1:
        return (1, *dims)  # the network's own input is C×spatial: these are the spatial
    return dims


def analyze(
    model: Model,
    input_shape: Shape | None = None,
    strict: bool = False,
    max_layers: int = DEFAULT_MAX_LAYERS,
    strict_notes: bool = False,
) -> Report:
    """Apply every layer's rule in order.

    ``input_shape`` (from ``--input``) overrides the model's own. With ``strict``
    every warning is an error (a window that does not tile its input, an input
    that looks channels-last…); with ``strict_notes`` every note too (padding
    never used, a strided 1×1, a finding the model declares ``intended``).
    The layer count is checked before any work, so ``[relu]*1000000000`` is
    refused at once.
    """
    count = layer_count(model.layers)
    if count > max_layers:
        raise SpecError(
            f"the network has {count:,} layers with repeats unrolled, more than the limit of "
            f"{max_layers:,} (raise it with --max-layers)"
        )
    dims = input_shape or model.input_shape
    if dims is None:
        raise SpecError("no input shape: give --input, e.g. --input 3x224x224")
    start = resolve_input(model.layers, dims, model.input_shape if input_shape else None)
    warnings = _input_checks(model, input_shape, start)
    strict = strict or strict_notes
    if strict and warnings:
        raise SpecError(f"{warnings[0]} ({_flag(strict_notes)})")
    first = _first_kind(model.layers)
    spatial = start if first is not None and first.takes_tokens else start[1:]
    # a first layer that reads a sequence (attention, cls…): --input 197x768 is N×D tokens
    if first is not None and first.reads is Reads.LAST and len(start) > 1:
        start = Last(start)
        spatial = start[:-1]
    run = _Run(strict, strict_notes, spatial, dict(model.intended))
    try:
        with collector.paused():
            out, _ = run.seq(model.layers, (start, receptive.start(len(spatial))), "", 1)
    except SpecError as exc:
        raise _built_for(exc, model, input_shape, start) from None
    if run.intended:  # a path that names no layer: a typo, or the layers changed
        path = next(iter(run.intended))
        raise SpecError(
            f"intended: '{path}' names no layer of {model.name} (a layer's path, as the JSON "
            f"gives it: {run.leaves[0].path}, …)"
        )
    total = Costs.sum(leaf.costs for leaf in run.leaves)
    side = Costs.sum(run.leaves[i].costs for i in run.side)
    return Report(
        name=model.name,
        input_shape=start,
        output_shape=out,
        layers=tuple(run.leaves),
        total=total,
        description=model.description,
        spec=format_nodes(
            model.layers, lambda layer: run.specs.get(id(layer)) or format_layer(layer)
        ),
        tree=tuple(run.rows),
        input_warnings=warnings,
        side=side,
        outputs=tuple(run.outputs),
    )


def _built_for(exc: SpecError, model: Model, given: Shape | None, start: Shape) -> SpecError:
    """A layer that fails on another input than the network's own says what the
    network is built for (``lenet5 --input 28x28``: C5's 5×5 finds 4×4)."""
    own = model.input_shape
    if given is None or own is None or " is built for " in exc.message:
        return exc
    try:
        own = resolve_input(model.layers, own)
    except SpecError:
        return exc
    if own == start:
        return exc
    dims = shape_text(own, "x")
    message = f"{exc.message} ({model.name} is built for {dims}: --input {dims})"
    return SpecError(message, exc.location, exc.layer)


def _input_checks(model: Model, given: Shape | None, start: Shape) -> tuple[str, ...]:
    """Warnings about the input shape: channels that look last, a channel count
    other than the network's own (:mod:`cnncalc.checks`)."""
    from cnncalc import checks

    own = None
    if given is not None and model.input_shape is not None:
        try:
            own = resolve_input(model.layers, model.input_shape)
        except SpecError:
            own = None
    other, last = checks.other_channels(model, given, start, own), checks.channels_last(start)
    if other is not None and last is not None:  # one answer, not two
        assert own is not None
        if start[-1] == own[0]:  # 224x224x3 for a 3-channel net: the channels came last
            raise SpecError(
                f"--input {shape_text(start, 'x')} reads as {start[0]:,} channels, but "
                f"{model.name} is built for {own[0]:,} ({shape_text(own, 'x')}): cnncalc reads "
                f"shapes channels first: --input {shape_text((start[-1], *start[:-1]), 'x')}"
            )
        return (last,)  # 224x224x4: the channels came last (and differ: said next run)
    return tuple(f for f in (other, last) if f is not None)


_Applied = tuple[Outcome, Costs, str, tuple[str, ...], tuple[str, ...]]
"""A layer's rule applied: its outcome, costs, resolved spec, warnings and notes."""


class _Run:
    """One walk over the model, collecting a row per layer and per block."""

    def __init__(
        self, strict: bool, strict_notes: bool, extents: Shape, intended: dict[str, str]
    ) -> None:
        self.strict = strict
        self.strict_notes = strict_notes
        self.intended = intended  # path → why; each is removed once its layer is met
        self.meant = dict(intended)
        self.extents = extents  # the input's spatial size: a whole-input field
        self.rows: list[Row] = []  # the rows of the path being walked
        self.leaves: list[LayerReport] = []
        self.parts: list[tuple[Row, ...]] = []  # the finished paths of the block being walked
        self.specs: dict[int, str] = {}  # id(LayerSpec) → its spec, resolved the first time
        self.memo: dict[tuple[object, ...], _Applied] = {}
        self.side: list[int] = []  # positions in leaves of the layers of side outputs
        self.reusing = 0  # > 0 inside a shared repeat's second and later passes
        self.outputs: list[tuple[str, str, Shape]] = []  # named outputs nothing reads

    def seq(self, nodes: tuple[Node, ...], state: State, prefix: str, depth: int) -> State:
        dot = prefix + "." if prefix else ""
        names: _Names | None = None  # made when the list names an item
        for i, node in enumerate(nodes):
            name = node.name
            path = dot + (name or str(i))
            if isinstance(node, LayerSpec):
                if node.ref is None:
                    state = self.layer(node, state, path, depth)
                else:
                    names = names or _Names()
                    state = self.join(node, state, names, i, path, depth)
            else:
                state = self.block(node, state, path, depth)
            if name is not None:
                names = names or _Names()
                if name in names.left:
                    raise _hides(node, names, len(self.leaves))
                names.states[name] = state
            if names is not None:
                names.last = name, self.rows[-1]
        if names is not None and names.left:
            self.outputs.extend(names.unread())
        return state

    def join(
        self, layer: LayerSpec, state: State, names: _Names, i: int, path: str, depth: int
    ) -> State:
        """A layer that reads earlier outputs of its list by name (``add p5``)."""
        index = len(self.leaves) + 1
        join = KINDS[layer.kind].join
        assert join is not None
        found = []
        found_names = layer.ref or ()
        for name in found_names:
            named = names.states.get(name)
            if named is None:
                raise SpecError(
                    _unknown_name(name, names), layer.origin.locate("ref"), _label(layer, index)
                )
            if join.how is not How.FROM:  # going on from an output leaves it an output
                names.left.pop(name, None)
            found.append(named)
        if join.how is not How.FROM:  # `from a | cat b`: the join reads a too
            names.left.pop(names.went_from() or "", None)
        extra: tuple[str, ...] = ()
        if join.how is How.FROM and names.last is not None and names.last[0] not in found_names:
            extra = names.drop(state)
            state = found[0]
            if self.strict and extra:
                raise SpecError(
                    f"{extra[0]} ({_flag(self.strict_notes)})",
                    layer.origin.locate("ref"),
                    _label(layer, index),
                )
        return self.layer(layer, state, path, depth, tuple(found), extra)

    def layer(
        self,
        layer: LayerSpec,
        state: State,
        path: str,
        depth: int,
        others: tuple[State, ...] | None = None,
        extra: tuple[str, ...] = (),
    ) -> State:
        shape, seen = state
        index = len(self.leaves) + 1
        key: tuple[object, ...] = (layer, shape, type(shape))  # a Last equals its tuple
        if others is not None:
            key = (layer, shape, type(shape), tuple((o[0], type(o[0])) for o in others))
        known = self.memo.get(key)
        if known is None:  # the same layer on the same shape (a repeat) is worked out once
            known = self.memo[key] = self.apply(layer, shape, index, others)
        out, costs, spec, warnings, notes = known
        if extra:
            warnings = (*warnings, *extra)
        why = self.meant.get(path)
        if why is not None:  # the model says it means them: notes, with its reason
            self.intended.pop(path, None)
            notes = (*notes, *(f"{w}: intended ({why})" for w in warnings))
            warnings = ()
        if self.strict and (warnings or (self.strict_notes and notes)):
            raise SpecError(
                f"{(*warnings, *notes)[0]} ({_flag(self.strict_notes)})",
                layer.origin.locate("kernel"),
                _label(layer, index),
            )
        if self.reusing and (costs.params or costs.buffers):  # counted in the first pass
            costs = costs.replace(params=0, trainable_params=0, buffers=0)
        if id(layer) not in self.specs:
            self.specs[id(layer)] = spec
        if others is None:
            seen = receptive.step(seen, out.reach, self.extents)
        else:
            seen = _joined_field(KINDS[layer.kind], state, others, out.shape)
        report = LayerReport(
            index=index,
            kind=layer.kind,
            spec=spec,
            input_shape=shape,
            output_shape=out.shape,
            costs=costs,
            compare=out.compare,
            warnings=warnings,
            name=layer.name,
            path=path,
            depth=depth,
            layer=out.layer,
            field=seen,
            notes=notes,
        )
        self.leaves.append(report)
        self.rows.append(report)
        return out.shape, seen

    def apply(
        self, layer: LayerSpec, shape: Shape, index: int, others: tuple[State, ...] | None = None
    ) -> _Applied:
        """Run the layer's rule (a join's with the named outputs' shapes); turn its
        complaint into an error that names the layer. Its findings are split into
        warnings and notes (:mod:`cnncalc.notes`); a filter count that looks like a
        kernel size is warned about first."""
        try:
            kind = KINDS[layer.kind]
            if kind.reads is not Reads.EITHER:
                refusal = layout_refusal(kind, shape)
                if refusal is not None:
                    raise LayerError(refusal)
            if others is not None and kind.join is not None:
                out = kind.join.rule(layer, shape, tuple(other[0] for other in others))
            else:
                out = kind.rule(layer, shape)
        except LayerError as exc:
            raise SpecError(
                exc.message, layer.origin.locate(exc.field), _label(layer, index)
            ) from None
        huge = next((size for size in out.shape if size >= LIMIT), None)
        if huge is not None:  # repeated upsampling: sizes, then costs, would grow without end
            raise SpecError(
                f"an output size of {len(str(huge))} digits is too large: sizes have at most "
                f"{MAX_DIGITS} digits",
                layer.origin.whole,
                _label(layer, index),
            )
        from cnncalc import checks, notes

        warnings, remarks = notes.split(out.warnings)
        takes_filters = KINDS[layer.kind].arg is Arg.FILTERS_KERNEL
        mixed_up = checks.kernel_first(layer) if takes_filters else None
        if mixed_up is not None:
            warnings = (mixed_up, *warnings)
        costs = Costs(
            params=out.params,
            trainable_params=out.params if layer.trainable else 0,
            buffers=out.buffers,
            macs=out.macs,
            connections=out.macs + out.bias_units,
        )
        return out, costs, format_layer(out.layer), warnings, remarks

    def path(self, nodes: tuple[Node, ...], state: State, path: str, depth: int) -> State:
        """One path of a block (a body, a branch, a repetition), its rows apart."""
        outer, self.rows = self.rows, []
        try:
            return self.seq(nodes, state, path, depth)
        finally:
            self.parts.append(tuple(self.rows))
            self.rows = outer

    def block(self, block: Block, state: State, path: str, depth: int) -> State:
        """A block: its construct says what each path reads and how their ends
        join (:mod:`cnncalc.constructs`)."""
        first_leaf = len(self.leaves)
        shape = state[0]
        outer_parts, self.parts = self.parts, []
        from cnncalc.constructs import CONSTRUCTS  # a network without blocks never needs it

        construct = CONSTRUCTS[block.kind]
        shown: Shape = ()  # the row's output shape, where it is not what the block hands on
        if construct.repeats:
            out = self.repeat(block, state, path, depth)
        elif construct.serial:
            out = self.path(block.parts[0], state, path, depth + 1)
        else:
            before = len(self.leaves)
            ends = [
                self.path(part, inp, f"{path}.{name}", depth + 1)
                for part, inp, name in zip(
                    block.parts,
                    construct.inputs(block, state),
                    construct.path_names(block),
                    strict=True,
                )
            ]
            out, shown = construct.combine(block, state, ends)
            if construct.side_output:
                self.side.extend(range(before, len(self.leaves)))
        parts, self.parts = tuple(self.parts), outer_parts
        inside = self.leaves[first_leaf:]
        label = block.name or construct.default_label(block)
        total = Costs.sum(leaf.costs for leaf in inside)
        self.rows.append(
            BlockReport(
                block.kind,
                label,
                path,
                depth,
                shape,
                shown or out[0],
                total,
                len(inside),
                parts,
                block.count,
                block.name,
                out[1],
                block.shared,
            )
        )
        return out

    def repeat(self, block: Block, state: State, path: str, depth: int) -> State:
        """``count`` repetitions one after another; with ``shared``, one module's."""
        shape, out = state[0], state
        for r in range(block.count):
            self.reusing += block.shared and r == 1  # later passes reuse the weights
            out = self.path(block.parts[0], out, f"{path}.{r}", depth + 1)
            if block.shared and r == 0 and out[0] != shape:
                raise SpecError(
                    f"cannot share weights: the repeated layers take {shape_text(shape, 'x')} "
                    f"but give {shape_text(out[0], 'x')}, so a second pass would need other "
                    "weights",
                    block.origin.whole,
                    block.origin.title or "[...]",
                )
        self.reusing -= block.shared and block.count > 1
        return out


def _flag(notes: bool) -> str:
    """The option that made a finding an error, as the message names it."""
    return "--strict-notes" if notes else "--strict"


class _Names:
    """The named outputs of one list as it is walked: what each name holds (the
    newest item of that name), the item before the current one, and the named
    outputs a ``from`` left that no join (add, mul, cat) has read since: extra
    outputs of the network (FPN's levels; not its top-down sums, which the next
    level's ``add`` reads), in the order they were left. A join right after
    ``from NAME`` reads NAME too (DenseNet's ``from f0 | cat f1``): a layer of
    another kind there (FPN's ``from p5 | pool 1 s2``) leaves NAME an output."""

    __slots__ = ("last", "left", "states")

    def __init__(self) -> None:
        self.states: dict[str, State] = {}
        self.last: tuple[str | None, Row] | None = None  # the item before: its name, its row
        self.left: dict[str, tuple[Row, Shape]] = {}

    def drop(self, state: State) -> tuple[str, ...]:
        """``from`` leaves the current tensor: kept if named, else a warning."""
        if self.last is None:
            return ()
        name, row = self.last
        if isinstance(row, LayerReport) and row.layer is not None and row.layer.ref is not None:
            join = KINDS[row.kind].join
            if join is not None and join.how is How.FROM:  # a from left by a from: no work lost
                return ()
        if name is None:
            what = f"layer {row.index} ({row.spec})" if isinstance(row, LayerReport) else row.label
            return (
                f"the output of {what}, {shape_text(state[0], 'x')}, is never used: 'from' "
                "leaves it; name it (… as NAME) to keep it as an output, or remove it",
            )
        self.left[name] = row, state[0]
        return ()

    def went_from(self) -> str | None:
        """The name a ``from`` just before the current item went on from: the
        current tensor is that output (``from a | cat b`` concatenates a and b)."""
        if self.last is None:
            return None
        row = self.last[1]
        if not isinstance(row, LayerReport) or row.layer is None or not row.layer.ref:
            return None
        join = KINDS[row.kind].join
        return row.layer.ref[0] if join is not None and join.how is How.FROM else None

    def unread(self) -> list[tuple[str, str, Shape]]:
        """The named outputs left by a ``from`` that no later join reads."""
        return [(name, row.path, shape) for name, (row, shape) in self.left.items()]


def _hides(node: Node, names: _Names, index: int) -> SpecError:
    """A name given again while it holds an output a ``from`` left and nothing has
    read: the newer item would hide that output from every later read."""
    name = node.name or ""
    row = names.left[name][0]
    what = "a block"
    if isinstance(row, BlockReport):
        from cnncalc.constructs import of

        what = "a group" if of(row.kind).group else "a block"
    what = f"layer {row.index}, {row.spec}" if isinstance(row, LayerReport) else what
    label = _label(node, index) if isinstance(node, LayerSpec) else node.origin.title or "[...]"
    return SpecError(
        f"'{name}' already names an output that 'from' left ({what}) and nothing has read: "
        f"naming this item '{name}' too would hide it; give one of them another name, or "
        f"read {name} first",
        node.origin.locate("name"),
        label,
    )


def _unknown_name(name: str, names: _Names) -> str:
    """What to say of a name nothing in the list has given: the nearest name given,
    else the names there are (eight at most)."""
    import difflib  # only for a message

    near = difflib.get_close_matches(name, list(names.states), n=1)
    known = ", ".join(sorted(names.states)[:8])
    hint = f" — did you mean '{near[0]}'?" if near else ""
    so_far = f"; named so far: {known}" if known and not near else ""
    return (
        f"no earlier item of this list is named '{name}'{hint}{so_far} (name one with '… as "
        f"{name}'; a name is read only after it, in its own list)"
    )


def _joined_field(kind: Kind, state: State, others: tuple[State, ...], out: Shape) -> Field:
    """The receptive field of a join's output: the widest of what it reads (a
    crop moves where each input's first unit starts); ``from``: the named one's."""
    join = kind.join
    assert join is not None
    if join.how is How.FROM:
        return others[0][1]
    inputs = [state, *others]
    if join.how is How.CROP:
        return receptive.widest(cropped_fields(inputs, out[1:]))
    return receptive.joined(inputs, out)


def _label(layer: LayerSpec, index: int) -> str:
    """How an error names a layer: its own words, else its number and kind."""
    return layer.origin.title or f"layer {index} ({layer.kind})"


def _first_kind(nodes: tuple[Node, ...]) -> Kind | None:
    """The kind of the first layer, which says how ``--input`` reads: token ids
    (``embed``), a token sequence N×D (``attention``), or channels first."""
    first = next(leaves(nodes), None)
    return None if first is None else KINDS[first.kind]
