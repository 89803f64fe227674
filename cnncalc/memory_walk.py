"""A live-set walk of one training step and of one no-grad forward, as PyTorch's
eager mode and its caching allocator would run them.

Every tensor is a block of :func:`~cnncalc.memory_rules.allocated` bytes. The
training step follows the shared measurement's method: the base (parameters,
buffers, Adam's two moments, the input, two cuBLAS workspaces), the forward
(each op's output, what it keeps for backward, cuDNN's workspace while it runs),
the loss ``y.float().sum()``, the backward in reverse order (the incoming
gradient, the gradients it makes, parameter gradients piling up, what each op
kept freed once its backward has run) and the optimiser's step (foreach Adam
makes one temporary the size of the parameters: ``_foreach_sqrt`` of the
second moment). The largest live total is the peak; where it happens is kept.
"""

from __future__ import annotations

import gc
from functools import lru_cache

from cnncalc.memory_graph import Op, Value, ops
from cnncalc.memory_rules import CUBLAS_WORKSPACE, Behaviour, allocated
from cnncalc.record import Record
from cnncalc.report import LayerReport, Report

HALF = 2
INDEX = 8  # int64 indices
STATE = {"sgd": 0, "momentum": 1, "adam": 2}


class Peak(Record):
    """Where a peak happens: ``phase`` is forward, backward or step; ``layer``
    the layer's (or block's) path, ``index`` the layer's number (None for a block's join)."""

    phase: str
    layer: str | None
    index: int | None
    bytes: int

    def asjson(self) -> dict[str, object]:
        return {"phase": self.phase, "layer": self.layer, "index": self.index}


class Walked(Record):
    params: int
    buffers: int
    gradients: int
    state: int
    data: int
    kept: int
    kept_by_layer: dict[int, int]
    training: Peak
    inference: Peak
    workspace: int


def tensors(layer: LayerReport, size: int) -> tuple[list[int], list[int]]:
    """Bytes of each parameter tensor and each buffer tensor of a layer."""
    spec = layer.layer
    bias = spec is not None and spec.bias
    return _tensors(
        layer.kind, layer.costs.params, layer.costs.buffers, bias, layer.output_shape[0], size
    )


@lru_cache(maxsize=4096)
def _tensors(
    kind: str, params: int, buffers: int, bias: bool, channels: int, size: int
) -> tuple[list[int], list[int]]:
    split: list[int] = [params] if params else []
    if kind in ("conv", "deconv", "fc") and bias and 0 < channels < params:
        split = [params - channels, channels]
    if kind == "bn" and params:
        split = [params // 2, params - params // 2]
    held = [buffers // 2] * 2 if kind == "bn" else [buffers]
    sizes = [n * size for n in held if n]
    if kind == "bn":
        sizes.append(8)  # num_batches_tracked, an int64 scalar
    return [n * size for n in split], sizes


def _total(sizes: list[int]) -> int:
    return sum(allocated(n) for n in sizes)


class _Step:
    """The running live set: block bytes by storage, and the peak seen so far."""

    def __init__(self, base: int) -> None:
        self.live = base
        self.blocks: dict[int, int] = {}
        self.peak = Peak("forward", None, None, base)
        self.top = base
        self.next_id = 0

    def new(self, nbytes: int) -> int:
        sid = self.next_id
        self.next_id += 1
        size = self.blocks[sid] = -(-nbytes // 512) * 512 if nbytes > 0 else 0
        self.live += size
        return sid

    def free(self, sid: int) -> None:
        self.live -= self.blocks.pop(sid, 0)

    def mark(self, phase: str, op: Op | None, extra: int = 0) -> None:
        if self.live + extra > self.top:
            layer = op.layer.index if op is not None and op.layer is not None else None
            path = op.path if op is not None else None
            self.peak = Peak(phase, path, layer, self.live + extra)
            self.top = self.live + extra


def _rule(op: Op) -> Behaviour:
    return op.rule


def _mean(op: Op, rule: Behaviour) -> bool:
    """Adaptive or global pooling to one value per channel runs as a ``mean``."""
    return rule.global_mean and (
        op.kind == "gap" or (op.layer is not None and op.layer.output_shape[0] == op.output.numel)
    )


class _Dtypes:
    """Bytes per element of every value, from the dtype or from autocast's rules."""

    def __init__(self, graph: list[Op], x: Value, size: int, amp: bool) -> None:
        self.param = size
        self.of: dict[int, int] = {id(x): size}
        self.casts: dict[int, bool] = {}
        for op in graph:
            rule = _rule(op)
            first = self.of[id(op.inputs[0])]
            if not amp or rule.autocast == "input":
                out = max(self.of[id(v)] for v in op.inputs)
            else:
                out = HALF if rule.autocast == "half" else 4
            self.casts[id(op)] = amp and rule.autocast != "input" and first != out
            self.of[id(op.output)] = out


def walk(
    report: Report,
    batch: int,
    size: int,
    optimizer: str,
    amp: bool = False,
    inplace_relu: bool = True,
) -> Walked:
    """Both walks. ``size``: bytes per value of the parameters (and of the
    activations without ``amp``); ``amp``: autocast to a 2-byte type."""
    was_enabled = gc.isenabled()
    gc.disable()  # many objects, no cycles: the collector would rescan them all
    try:
        return _walk(report, batch, size, optimizer, amp, inplace_relu)
    finally:
        if was_enabled:
            gc.enable()


def _walk(
    report: Report, batch: int, size: int, optimizer: str, amp: bool, inplace_relu: bool
) -> Walked:
    graph, x = ops(report)
    types = _Dtypes(graph, x, size, amp)
    layers = [op.layer for op in graph if op.layer is not None]
    param_sizes: list[int] = []
    buffer_sizes: list[int] = []
    trainable: list[int] = []
    for layer in layers:
        p, b = tensors(layer, size)
        param_sizes += p
        buffer_sizes += b
        if layer.costs.trainable_params:
            trainable += p
    params, buffers = _total(param_sizes), _total(buffer_sizes)
    gradients = _total(trainable)
    state = STATE[optimizer] * gradients
    data = allocated(x.numel * batch * size)

    for op in graph:
        op.work = _workspace(op, op.rule, batch, types)
    _storages(graph, x, inplace_relu, training=True)
    kept, kept_by_layer = _kept(graph, x, batch, types, amp)
    base = params + buffers + state + data + 2 * CUBLAS_WORKSPACE
    training = _train(graph, x, batch, types, amp, base, gradients, optimizer)
    _storages(graph, x, inplace_relu, training=False)
    inference = _infer(graph, x, batch, types, amp, params + buffers + data + CUBLAS_WORKSPACE)
    return Walked(
        params=params,
        buffers=buffers,
        gradients=gradients,
        state=state,
        data=data,
        kept=kept,
        kept_by_layer=kept_by_layer,
        training=training,
        inference=inference,
        workspace=2 * CUBLAS_WORKSPACE,
    )


def _storages(graph: list[Op], x: Value, inplace_relu: bool, training: bool) -> None:
    """Which values share a storage: in-place ops and views write into their input's."""
    x.storage = 0
    count = 1
    for op in graph:
        rule = _rule(op)
        shared = (
            rule.view or (rule.inplace and inplace_relu) or (rule.eval_identity and not training)
        )
        if shared and len(op.inputs) == 1:
            op.output.storage = op.inputs[0].storage
        else:
            op.output.storage = count
            count += 1


def _saved(op: Op, rule: Behaviour, amp_copy: bool) -> list[Value]:
    """The activations an op keeps for its backward (not the copies: the input's
    half copy under autocast, the clone of an in-place op's input)."""
    kept: list[Value] = []
    clone = rule.inplace and op.output.storage == op.inputs[0].storage
    if rule.saves_input and not _mean(op, rule) and not amp_copy and not clone:
        kept.append(op.inputs[0])
    if rule.saves_output:
        kept.append(op.output)
    return kept


def _weights(op: Op, size: int) -> list[int]:
    return tensors(op.layer, size)[0] if op.layer is not None else []


def _extras(op: Op, rule: Behaviour, batch: int, types: _Dtypes) -> list[int]:
    """Bytes of the tensors an op makes and keeps besides its output: indices,
    masks, statistics, the clone of an in-place op's input."""
    out = op.output.numel * batch
    extra = []
    if rule.inplace and rule.saves_input and op.output.storage == op.inputs[0].storage:
        extra.append(out * types.of[id(op.output)])
    if rule.indices:
        extra.append(out * INDEX)
    if rule.mask:
        extra.append(out)
    if rule.stats and op.layer is not None:
        extra += [op.layer.output_shape[0] * 4] * 2
    return extra


def _kept(
    graph: list[Op], x: Value, batch: int, types: _Dtypes, amp: bool
) -> tuple[int, dict[int, int]]:
    """Bytes of the distinct storages autograd keeps (as the shared method counts
    them: exact sizes, not blocks), and which layer keeps each first."""
    seen: set[int] = set()
    by_layer: dict[int, int] = {}
    total = 0
    for op in graph:
        rule = _rule(op)
        cast = types.casts.get(id(op), False)
        nbytes = [
            v.numel * batch * types.of[id(v)]
            for v in _saved(op, rule, cast)
            if v.storage not in seen and not seen.add(v.storage)  # type: ignore[func-returns-value]
        ]
        nbytes += _extras(op, rule, batch, types)
        if cast and rule.saves_input:
            nbytes.append(op.inputs[0].numel * batch * HALF)  # the input's half copy
        if amp and rule.autocast == "half" and op.layer is not None:
            nbytes += [n // 4 * HALF for n in _weights(op, 4)[:1]]  # the cached half weight
        if op.layer is not None:
            by_layer[op.layer.index] = sum(nbytes)
        total += sum(nbytes)
    return total, by_layer


def _workspace(op: Op, rule: Behaviour, batch: int, types: _Dtypes) -> int:
    """cuDNN's borrowing while a spatial, non-depthwise convolution runs."""
    if rule.workspace != "layout" or op.layer is None:
        return 0
    spec = op.layer.layer
    if spec is None or spec.depthwise or (spec.groups or 1) > 1:
        return 0
    kernel = spec.kernel or ()
    if all(k == 1 for k in kernel) and all(s == 1 for s in spec.stride or (1,)):
        return 0
    ins = op.inputs[0].numel * batch * types.of[id(op.inputs[0])]
    return allocated(ins) + allocated(op.output.numel * batch * types.of[id(op.output)])


def _uses(graph: list[Op], x: Value) -> dict[int, int]:
    """Forward consumers still to run, per storage."""
    uses: dict[int, int] = {}
    for value in [x, *(op.output for op in graph)]:
        uses[value.storage] = uses.get(value.storage, 0) + len(value.consumers)
    return uses


def _forward(
    graph: list[Op],
    x: Value,
    batch: int,
    types: _Dtypes,
    amp: bool,
    step: _Step,
    training: bool,
) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Run the forward. Returns how many ops keep each block for backward, and
    the blocks each op keeps (block ids are the walk's; the input's is -1)."""
    uses = _uses(graph, x)
    block: dict[int, int] = {x.storage: -1}  # the input lives in the base
    holders: dict[int, int] = {}
    keeps: dict[int, list[int]] = {}
    cache: list[int] = []  # autocast's half copies of biases, dropped when autocast ends
    for i, op in enumerate(graph):
        rule = _rule(op)
        if op.output.storage not in block:
            block[op.output.storage] = step.new(op.output.numel * batch * types.of[id(op.output)])
        made = [step.new(n) for n in _extras(op, rule, batch, types)]
        cast = types.casts.get(id(op), False)
        copy = -1
        if cast:  # autocast's copy of the input in the lower precision
            copy = step.new(op.inputs[0].numel * batch * types.of[id(op.output)])
        if amp and rule.autocast == "half" and op.layer is not None:
            weight, *biases = _weights(op, 4)
            half = step.new(weight // 4 * HALF)  # kept for the backward; cached
            (made if training else cache).append(half)
            cache += [step.new(n // 4 * HALF) for n in biases]
        step.mark("forward", op, op.work)
        if copy >= 0 and training and rule.saves_input:
            made.append(copy)
        elif copy >= 0:
            step.free(copy)
        if training:
            mine = [block[v.storage] for v in _saved(op, rule, cast)] + made
            keeps[i] = mine
            for b in mine:
                holders[b] = holders.get(b, 0) + 1
        else:
            for b in made:
                step.free(b)
        for value in op.inputs:
            uses[value.storage] -= 1
            b = block.get(value.storage, -1)
            if uses[value.storage] == 0 and b not in holders and b >= 0:
                step.free(b)
    for b in cache:  # autocast's cache empties when its region ends
        step.free(b)
    return holders, keeps


def _infer(graph: list[Op], x: Value, batch: int, types: _Dtypes, amp: bool, base: int) -> Peak:
    step = _Step(base)
    _forward(graph, x, batch, types, amp, step, training=False)
    return step.peak


def _train(
    graph: list[Op],
    x: Value,
    batch: int,
    types: _Dtypes,
    amp: bool,
    base: int,
    gradients: int,
    optimizer: str,
) -> Peak:
    step = _Step(base)
    holders, keeps = _forward(graph, x, batch, types, amp, step, training=True)
    y = graph[-1].output if graph else x
    if amp and types.of[id(y)] != 4:  # y.float(): a float32 copy, dropped after the sum
        step.mark("forward", None, allocated(y.numel * batch * 4))
    loss = step.new(4)
    if graph:
        _backward(graph, batch, types, amp, step, holders, keeps)
    step.free(loss)
    # the step: the parameter gradients are all there; foreach Adam makes
    # sqrt(v) for every parameter at once (SGD, with or without momentum: nothing)
    step.mark("step", None, gradients if optimizer == "adam" else 0)
    return step.peak


def _backward(
    graph: list[Op],
    batch: int,
    types: _Dtypes,
    amp: bool,
    step: _Step,
    holders: dict[int, int],
    keeps: dict[int, list[int]],
) -> None:
    """Reverse order. A gradient is a block shared by the values it is the
    gradient of (views, the two sides of an add, a concat's slices)."""
    refs: dict[int, int] = {}  # gradient block → values waiting on it
    grad_of: dict[int, int] = {}  # id(value) → its gradient's block
    y = graph[-1].output
    if amp and types.of[id(y)] != 4:
        seed = step.new(y.numel * batch * types.of[id(y)])  # .float()'s backward
    else:
        seed = step.new(4)  # the loss's gradient, expanded from one scalar
    grad_of[id(y)] = seed
    refs[seed] = 1

    def release(grad: int) -> None:
        refs[grad] -= 1
        if refs[grad] <= 0:
            step.free(grad)

    def give(value: Value, grad: int) -> None:
        refs[grad] += 1
        if id(value) in grad_of:  # a second path: the engine adds the two
            total = step.new(value.numel * batch * types.of[id(value)])
            refs[total] = 1
            step.mark("backward", graph[value.producer])
            release(grad)
            release(grad_of[id(value)])
            grad = total
        grad_of[id(value)] = grad

    for i in range(len(graph) - 1, -1, -1):
        op = graph[i]
        rule = _rule(op)
        incoming = grad_of.pop(id(op.output), None)
        if incoming is None:
            continue
        passes = rule.view or op.kind in ("add", "cat")
        outs: list[tuple[Value, int]] = []
        for value in dict.fromkeys(op.inputs):
            if value.producer < 0 or not rule.grads_input:
                continue
            if passes:
                outs.append((value, incoming))
            else:
                made = step.new(value.numel * batch * types.of[id(value)])
                refs[made] = 0
                outs.append((value, made))
        temps: list[int] = []
        if op.layer is not None and op.layer.costs.trainable_params:
            for n in _weights(op, types.param):
                step.new(n)  # the parameter's gradient: it stays
                if amp and rule.autocast == "half":
                    temps.append(step.new(n // 4 * HALF))  # computed in half, then cast
        step.mark("backward", op, op.work)
        for t in temps:
            step.free(t)
        for value, grad in outs:
            give(value, grad)
        release(incoming)
        for b in keeps.pop(i, []):
            holders[b] -= 1
            if holders[b] == 0 and b >= 0:
                step.free(b)
