"""A live-set walk of one training step and of one no-grad forward, as PyTorch's
eager mode and its caching allocator would run them.

Every tensor is a block of :func:`~cnncalc.memory.rules.allocated` bytes. The
training step follows the shared measurement's method: the base (parameters,
buffers, Adam's two moments, the input, two cuBLAS workspaces), the forward
(each op's output, what it keeps for backward, cuDNN's workspace while it runs),
the loss ``y.float().sum()``, the backward in reverse order (the incoming
gradient, the gradients it makes, parameter gradients piling up, what each op
kept freed once its backward has run) and the optimiser's step (foreach Adam
makes one temporary the size of the parameters: ``_foreach_sqrt`` of the
second moment). The largest live total is the peak; where it happens is kept.

Speed: what an op allocates, keeps and frees depends only on its layer, its
input's size and dtype, so it is worked out once per distinct layer
(:class:`_Sig`; a repeated layer reuses it, as the engine reuses its figures);
the walks then only add and subtract running sums, over flat lists indexed by
value (:mod:`cnncalc.memory.graph`), with no object made per op.
"""

from __future__ import annotations

from functools import lru_cache

from cnncalc import collector
from cnncalc.kinds import KINDS
from cnncalc.layer import LayerSpec, features
from cnncalc.memory.graph import Graph, ops
from cnncalc.memory.model import OPTIMIZERS
from cnncalc.memory.rules import ADD, BLOCK, CAT, CUBLAS_WORKSPACE, MUL, VIEW, allocated
from cnncalc.record import Record
from cnncalc.report import LayerReport, Report

HALF = 2
INDEX = 8  # int64 indices
LOSS = allocated(4)  # the loss: one float32 scalar


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
    attention: str | None = None
    """The attention kernel the figures assume; None where no op's tensors depend on one."""


def tensors(layer: LayerReport, size: int) -> tuple[list[int], list[int]]:
    """Bytes of each parameter tensor and each buffer tensor of a layer."""
    spec = layer.layer
    bias = spec is not None and spec.bias
    split = KINDS[layer.kind].memory.split
    if split is not None:
        return split(layer, size)
    return _tensors(
        layer.kind,
        layer.costs.params,
        layer.costs.buffers,
        bias,
        features(layer.output_shape),
        size,
    )


@lru_cache(maxsize=4096)
def _tensors(
    kind: str, params: int, buffers: int, bias: bool, channels: int, size: int
) -> tuple[list[int], list[int]]:
    rule = KINDS[kind].memory
    split: list[int] = [params] if params else []
    if rule.weights == "bias" and bias and 0 < channels < params:
        split = [params - channels, channels]
    if rule.weights == "pair" and params:
        split = [params // 2, params - params // 2]
    if rule.weights == "qkv" and params:  # in-projection 3D×D (+3D), out-projection D×D (+D)
        d = channels
        split = [3 * d * d, 3 * d, d * d, d] if bias else [3 * d * d, d * d]
    held = [buffers // 2] * 2 if rule.running_stats else [buffers]
    sizes = [n * size for n in held if n]
    if rule.running_stats:
        sizes.append(8)  # num_batches_tracked, an int64 scalar
    return [n * size for n in split], sizes


def _total(sizes: list[int]) -> int:
    return sum(allocated(n) for n in sizes)


class _Sig:
    """What one op does to memory, in bytes at the walk's batch and dtypes.

    ``half``: autocast's half weight (kept in training, cached in a no-grad forward).
    ``own``: blocks the op makes and keeps until its backward (indices, masks,
    statistics, an in-place op's clone of its input, autocast's copy of a kept
    input and its half weight); ``passing``: blocks made and dropped as soon as it
    has run (autocast's copy of an input it does not keep); ``cached``: autocast's
    half biases, alive until the forward ends. ``infer_*``: the same in a no-grad
    forward. ``kept``: the exact bytes of ``own`` as autograd counts them."""

    __slots__ = (
        "attends",
        "buffers",
        "cached",
        "dtype",
        "grads_input",
        "half",
        "infer_made",
        "kept",
        "out_alloc",
        "own",
        "params",
        "passes",
        "passing",
        "pgrad",
        "saves_all",
        "saves_in",
        "saves_out",
        "shared_infer",
        "shared_train",
        "temps",
        "trainable",
        "work",
    )

    def __init__(self) -> None:
        self.dtype = 4
        self.out_alloc = 0
        self.shared_train = self.shared_infer = False
        self.saves_in = self.saves_out = self.saves_all = False
        self.own = self.passing = self.cached = self.half = self.infer_made = self.kept = 0
        self.work = self.pgrad = self.temps = 0
        self.params = self.buffers = self.trainable = 0
        self.grads_input = True
        self.passes = False
        self.attends = False  # what it keeps depends on the attention kernel


def _join(kind: str, dtype: int, numel: int, batch: int, needs: bool = True) -> _Sig:
    """A residual add or a concatenation (``ADD``, ``CAT``): a new tensor in its
    inputs' widest dtype, nothing kept, the incoming gradient handed on.

    The other joins: ``mul`` (a gate, ``x * g``, ``MUL``) keeps both its inputs
    and makes a gradient for each (the gate's through a full-size product summed
    down to its broadcast shape: a temporary); ``chunk`` (a split's share) and
    ``side`` (a side output's trunk) are views that hand the gradient on;
    ``crop`` is a view whose backward makes a gradient of its whole input.
    ``needs``: some input needs a gradient (else the join keeps nothing)."""
    rule = JOINS[kind]
    sig = _Sig()
    sig.grads_input = rule.grads_input and needs
    sig.dtype = dtype
    sig.out_alloc = allocated(numel * batch * dtype)
    sig.saves_all = rule.saves_input and needs
    sig.passes = not rule.saves_input and kind != "crop"
    if rule.view:
        sig.shared_train = sig.shared_infer = True
    if kind == "mul":
        sig.temps = sig.out_alloc
    return sig


JOINS = {
    "add": ADD,
    "cat": CAT,
    "mul": MUL,
    "chunk": VIEW,
    "crop": VIEW,
    "side": VIEW,
}


def _layer(
    layer: LayerReport,
    in_numel: int,
    in_dtype: int,
    out_numel: int,
    batch: int,
    size: int,
    amp: bool,
    inplace_relu: bool,
    needs: bool = True,
    backend: str = "math",
    strided: bool = False,
) -> _Sig:
    """One layer's op; ``needs``: its input needs a gradient. Where it does not and
    the op has no trainable parameters, autograd records nothing: the op keeps
    nothing, and what it makes besides its output is dropped at once."""
    rule = KINDS[layer.kind].memory
    sig = _Sig()
    half_op = amp and rule.autocast == "half"
    # autocast: half for conv and fc, float32 for softmax, else the input's dtype
    dtype = in_dtype if not amp or rule.autocast == "input" else HALF if half_op else 4
    cast = amp and rule.autocast != "input" and in_dtype != dtype
    if KINDS[layer.kind].takes_tokens:  # int64 ids in, the weights' values out
        dtype, cast = size, False
    out = out_numel * batch
    sig.dtype = dtype
    sig.out_alloc = allocated(out * dtype)
    shared = sig.shared_train = rule.view or (rule.inplace and inplace_relu)
    sig.shared_infer = shared or rule.eval_identity
    sig.passes = rule.view
    sig.grads_input = rule.grads_input
    # adaptive or global pooling to one value per channel runs as a mean: keeps nothing
    mean = rule.global_mean and layer.output_shape[0] == out_numel
    clone = rule.inplace and shared  # autograd keeps a clone instead of the input
    sig.saves_in = rule.saves_input and not mean and not cast and not clone
    sig.saves_out = rule.saves_output
    if not needs and rule.input_for_input_grad:
        sig.saves_in = False
    copied = 0
    if strided and rule.flattens and batch > 1:  # a transposed input is read as a copy
        # (at batch 1 the batch axis merges with any: the matrix is a view of it)
        copied = in_numel * batch * dtype
        sig.saves_in = False
    # what the op makes besides its output: the clone, indices, a mask, statistics
    made = 0
    exact = 0
    if rule.indices:
        exact += out * INDEX
        made += allocated(out * INDEX)
    if rule.mask:
        exact += out
        made += allocated(out)
    if rule.stats:
        exact += 2 * layer.output_shape[0] * 4
        made += 2 * allocated(layer.output_shape[0] * 4)
    own, kept = made + allocated(copied), exact + copied
    sig.infer_made = made + allocated(copied)
    saved = rule.saved(layer) if rule.saved is not None else None
    if saved is not None:
        # a composite op's tensors, all kept in training; in a no-grad forward
        # each is dropped once the next op has read it: the largest one counts
        held = saved.kept(backend, batch)
        sig.attends = bool(saved.backends)
        blocks = [allocated(values * batch * (nbytes or dtype)) for values, nbytes in held]
        kept += sum(values * batch * (nbytes or dtype) for values, nbytes in held)
        own += sum(blocks)
        sig.infer_made += max(blocks, default=0)
        if needs:  # an index's backward scatters into the input's gradient
            kept += sum(saved.fixed)
            own += _total(list(saved.fixed))
        once = [values * (nbytes or dtype) for values, nbytes in saved.constant]
        kept += sum(once)
        own += _total(once)
        sig.infer_made += max(map(allocated, once), default=0)
        sig.saves_in = sig.saves_in and saved.keeps_input(batch)
    if rule.inplace and rule.saves_input:  # the clone, where the op is in place
        clone_bytes = out * dtype
        if shared:
            own += allocated(clone_bytes)
            kept += clone_bytes
        if sig.shared_infer:
            sig.infer_made += allocated(clone_bytes)
    if cast:  # autocast's copy of the input in the lower precision
        copy = allocated(in_numel * batch * dtype)
        if rule.saves_input and (saved is None or saved.keeps_input(batch)):  # else a copy
            own += copy
            kept += in_numel * batch * dtype
        else:
            sig.passing = copy
        sig.infer_made += copy
    spec = layer.layer
    costs = layer.costs
    bias = spec is not None and spec.bias
    if rule.split is not None:
        pieces, buffer_bytes = rule.split(layer, size)
        params, buffers = _total(pieces), _total(buffer_bytes)
        halves = sum(allocated(n // size * HALF) for n in pieces)
    else:
        params, buffers, halves = _blocks(
            layer.kind, costs.params, costs.buffers, bias, features(layer.output_shape), size
        )
    if half_op:
        weights = tensors(layer, 4)[0]
        if weights:  # the half weight is kept for backward (and cached); the biases cached
            half = weights[0] // 4 * HALF
            sig.half = allocated(half)
            own += sig.half
            kept += half
            sig.cached = sum(allocated(n // 4 * HALF) for n in weights[1:])
    sig.own, sig.kept = own, kept
    sig.params, sig.buffers = params, buffers
    if costs.trainable_params:
        sig.trainable = sig.pgrad = params
        if half_op:  # computed in half, then cast
            sig.temps = halves
    if rule.workspace == "layout" and spec is not None:
        sig.work = _workspace(spec, in_numel * batch * in_dtype, out * dtype)
    if not needs:
        sig.grads_input = False
        if not costs.trainable_params:
            sig.passing += sig.own
            sig.own = sig.kept = 0
            sig.saves_in = sig.saves_out = False
    return sig


@lru_cache(maxsize=4096)
def _blocks(
    kind: str, params: int, buffers: int, bias: bool, channels: int, size: int
) -> tuple[int, int, int]:
    """The blocks of a layer's parameters, of its buffers, and of its parameters'
    half copies (the gradients autocast computes in half before the cast)."""
    split, held = _tensors(kind, params, buffers, bias, channels, size)
    return _total(split), _total(held), sum(allocated(n // 4 * HALF) for n in split)


def _workspace(spec: LayerSpec, in_bytes: int, out_bytes: int) -> int:
    """cuDNN's borrowing while a spatial, non-depthwise convolution runs (the
    ``layout`` rule: its input plus its output)."""
    if spec.depthwise or (spec.groups or 1) > 1:
        return 0
    kernel = spec.kernel or ()
    if all(k == 1 for k in kernel) and all(s == 1 for s in spec.stride or (1,)):
        return 0
    return allocated(in_bytes) + allocated(out_bytes)


def walk(
    report: Report,
    batch: int,
    size: int,
    optimizer: str,
    amp: bool = False,
    inplace_relu: bool = True,
    attention: str = "auto",
) -> Walked:
    """Both walks. ``size``: bytes per value of the parameters (and of the
    activations without ``amp``); ``amp``: autocast to a 2-byte type;
    ``attention``: the kernel scaled dot-product attention runs (``auto``: as
    PyTorch picks it on a CUDA GPU, :func:`cnncalc.kinds.attention.backend_for`)."""
    with collector.paused():  # many objects, no cycles: the collector would rescan them all
        return _walk(report, batch, size, optimizer, amp, inplace_relu, attention)


class _Plan:
    """Per op its :class:`_Sig`; per value its bytes per element and its storage
    in training and in a no-grad forward (in-place ops and views write into their
    input's); per storage how many ops read it."""

    def __init__(
        self,
        graph: Graph,
        batch: int,
        size: int,
        amp: bool,
        inplace_relu: bool,
        attention: str = "auto",
    ) -> None:
        from cnncalc.kinds.attention import backend_for

        backend = backend_for(size, amp) if attention == "auto" else attention
        n = len(graph)
        numel, inputs, layers = graph.numel, graph.inputs, graph.layers
        of = [size] * (n + 1)
        of[0] = INDEX if graph.tokens else size  # token ids are int64
        train = list(range(n + 1))
        infer = list(range(n + 1))
        uses_train = [0] * (n + 1)
        uses_infer = [0] * (n + 1)
        strided = [False] * (n + 1)  # a view with transposed strides, or made like one
        # the network's input needs no gradient; a value needs one where an input
        # of its op does or the op has trainable parameters
        grad = [False] * (n + 1)
        sigs: list[_Sig] = []
        known: dict[tuple[object, ...], _Sig] = {}
        params = buffers = trainable = 0
        for i in range(n):
            layer = layers[i]
            ins = inputs[i]
            o = i + 1
            if layer is None:
                needs = any(grad[v] for v in ins)
                sig = _join(graph.joins[i], max(of[v] for v in ins), numel[o], batch, needs)
                if sig.shared_train:  # a view of its first input
                    train[o], infer[o] = train[ins[0]], infer[ins[0]]
                # a view (a side output's hand-on, a chunk, a crop) is its first input:
                # it needs a gradient where that does, whatever else the op reads
                grad[o] = grad[ins[0]] if sig.shared_train else needs
            else:
                v = ins[0]
                needs = grad[v]
                key = (
                    layer.kind,
                    id(layer.costs),
                    id(layer.layer),
                    layer.output_shape,
                    numel[v],
                    of[v],
                    needs,
                    strided[v],
                )
                found = known.get(key)
                if found is None:
                    found = known[key] = _layer(
                        layer,
                        numel[v],
                        of[v],
                        numel[o],
                        batch,
                        size,
                        amp,
                        inplace_relu,
                        needs,
                        backend,
                        strided[v],
                    )
                rule = KINDS[layer.kind].memory
                strided[o] = rule.transposes or (rule.strides and strided[v])
                sig = found
                grad[o] = needs or sig.trainable > 0
                params += sig.params
                buffers += sig.buffers
                trainable += sig.trainable
                if sig.shared_train:
                    train[o] = train[v]
                if sig.shared_infer:
                    infer[o] = infer[v]
            sigs.append(sig)
            of[o] = sig.dtype
            for v in ins:
                uses_train[train[v]] += 1
                uses_infer[infer[v]] += 1
        uses_train[train[n]] += 1  # the loss reads the output (a view of it too)
        uses_infer[infer[n]] += 1
        self.n = n
        self.of = of
        self.grad = grad
        self.sigs = sigs
        self.train, self.infer = train, infer
        self.uses_train, self.uses_infer = uses_train, uses_infer
        self.params, self.buffers, self.trainable = params, buffers, trainable
        self.attention = backend if any(sig.attends for sig in sigs) else None


def _walk(
    report: Report,
    batch: int,
    size: int,
    optimizer: str,
    amp: bool,
    inplace_relu: bool,
    attention: str = "auto",
) -> Walked:
    graph = ops(report)
    plan = _Plan(graph, batch, size, amp, inplace_relu, attention)
    params, buffers, gradients = plan.params, plan.buffers, plan.trainable
    state = OPTIMIZERS[optimizer] * gradients
    data = allocated(graph.numel[0] * batch * plan.of[0])
    base = params + buffers + state + data + 2 * CUBLAS_WORKSPACE
    training, kept, kept_by_layer = _train(graph, plan, batch, amp, base, gradients, optimizer)
    inference = _infer(graph, plan, params + buffers + data + CUBLAS_WORKSPACE)
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
        attention=plan.attention,
    )


def _peak(graph: Graph, phase: str, op: int, nbytes: int) -> Peak:
    if op < 0:
        return Peak(phase, None, None, nbytes)
    layer = graph.layers[op] or graph.readers.get(op)  # a join layer's op: the layer
    return Peak(phase, graph.paths[op], layer.index if layer is not None else None, nbytes)


def _infer(graph: Graph, plan: _Plan, base: int) -> Peak:
    """One no-grad forward: each op's output, what it makes and drops at once,
    and a tensor freed when its last reader has run."""
    storage, uses = plan.infer, plan.uses_infer[:]
    block = [0] * (plan.n + 1)  # a storage's live block (the input's lives in the base)
    live = top = base
    at = -1
    for i, sig in enumerate(plan.sigs):
        o = i + 1
        if storage[o] == o:
            block[o] = sig.out_alloc
            live += sig.out_alloc
        live += sig.infer_made + sig.half + sig.cached  # autocast's cache: until the end
        if live + sig.work > top:
            top, at = live + sig.work, i
        live -= sig.infer_made
        for v in graph.inputs[i]:
            s = storage[v]
            uses[s] -= 1
            if not uses[s]:
                live -= block[s]
                block[s] = 0
        s = storage[o]
        if not uses[s] and o != plan.n:  # read by nothing (a 'from' left it): freed at once
            live -= block[s]
            block[s] = 0
    return _peak(graph, "forward", at, top)


def _train(
    graph: Graph,
    plan: _Plan,
    batch: int,
    amp: bool,
    base: int,
    gradients: int,
    optimizer: str,
) -> tuple[Peak, int, dict[int, int]]:
    """One training step's peak; the exact bytes autograd keeps, in all and by layer."""
    n, sigs, of, numel, inputs = plan.n, plan.sigs, plan.of, graph.numel, graph.inputs
    wants = plan.grad
    storage, uses = plan.train, plan.uses_train[:]
    layers = graph.layers
    block = [0] * (n + 1)
    holders = [0] * (n + 1)  # ops keeping a storage for their backward
    keeps: list[tuple[int, ...]] = [()] * n  # the storages op i keeps
    seen = bytearray(n + 1)  # storages counted in the kept bytes
    kept = 0
    by_layer: dict[int, int] = {}
    live = top = base
    phase, at = "forward", -1
    cached = 0
    for i in range(n):
        sig = sigs[i]
        o = i + 1
        ins = inputs[i]
        if storage[o] == o:
            block[o] = sig.out_alloc
            live += sig.out_alloc
        live += sig.own + sig.passing + sig.cached
        cached += sig.cached
        if live + sig.work > top:
            top, at = live + sig.work, i
        live -= sig.passing
        mine = sig.kept
        if sig.saves_all:  # a gate's multiply: each factor another one's gradient needs
            keep = []
            for k, v in enumerate(ins):
                if v in ins[:k] or not any(wants[u] for j, u in enumerate(ins) if j != k):
                    continue
                s = storage[v]
                holders[s] += 1
                keep.append(s)
                if not seen[s]:
                    seen[s] = 1
                    mine += numel[s] * batch * of[s]
            keeps[i] = tuple(keep)
        if sig.saves_in:
            v = ins[0]
            s = storage[v]
            holders[s] += 1
            if not seen[s]:  # the whole storage: a split's share keeps all of its input
                seen[s] = 1
                mine += numel[s] * batch * of[s]
            if sig.saves_out:
                keeps[i] = (s, storage[o])
            else:
                keeps[i] = (s,)
        if sig.saves_out:
            s = storage[o]
            holders[s] += 1
            if not seen[s]:
                seen[s] = 1
                mine += numel[o] * batch * of[o]
            if not sig.saves_in:
                keeps[i] = (s,)
        layer = layers[i]
        if layer is not None:
            by_layer[layer.index] = mine
        kept += mine
        for v in ins:
            s = storage[v]
            uses[s] -= 1
            if not uses[s] and not holders[s]:
                live -= block[s]
                block[s] = 0
    live -= cached  # autocast's cache empties when its region ends
    y = n
    if amp and of[y] != 4:  # y.float(): a float32 copy, dropped after the sum
        extra = allocated(numel[y] * batch * 4)
        if live + extra > top:
            top, at = live + extra, -1
    live += LOSS
    if n:
        live, top, phase, at = _backward(
            graph, plan, batch, amp, live, top, phase, at, block, holders, keeps
        )
    live -= LOSS
    # the step: the parameter gradients are all there; foreach Adam makes
    # sqrt(v) for every parameter at once (SGD, with or without momentum: nothing)
    extra = gradients if optimizer == "adam" else 0
    if live + extra > top:
        top, phase, at = live + extra, "step", -1
    return _peak(graph, phase, at, top), kept, by_layer


def _backward(
    graph: Graph,
    plan: _Plan,
    batch: int,
    amp: bool,
    live: int,
    top: int,
    phase: str,
    at: int,
    block: list[int],
    holders: list[int],
    keeps: list[tuple[int, ...]],
) -> tuple[int, int, str, int]:
    """Reverse order. A gradient is a block shared by the values it is the
    gradient of (views, the two sides of an add, a concat's slices): ``size``
    and ``refs`` per gradient, ``grad_of`` per value waiting for its."""
    n, sigs, of, numel, inputs = plan.n, plan.sigs, plan.of, graph.numel, graph.inputs
    wants = plan.grad
    y = n
    # the loss's gradient, expanded from one scalar, or .float()'s backward
    seed = allocated(numel[y] * batch * of[y] if amp and of[y] != 4 else 4)
    size = [seed]
    refs = [1]
    grad_of = [-1] * (n + 1)
    grad_of[y] = 0
    live += seed
    for i in range(n - 1, -1, -1):
        incoming = grad_of[i + 1]
        if incoming < 0:  # no gradient reaches this op: what it keeps stays
            continue
        sig = sigs[i]
        ins = inputs[i]
        outs: list[tuple[int, int]] = []
        if sig.grads_input:
            for v in ins:  # a value read twice gets two gradients, which the engine adds
                if not wants[v]:  # the network's input, or a view of it: no gradient
                    continue
                if sig.passes:
                    outs.append((v, incoming))
                else:
                    made = -(-numel[v] * batch * of[v] // BLOCK) * BLOCK
                    outs.append((v, len(size)))
                    size.append(made)
                    refs.append(0)
                    live += made
        live += sig.pgrad + sig.temps  # the parameters' gradients stay
        if live + sig.work > top:
            top, phase, at = live + sig.work, "backward", i
        live -= sig.temps
        for v, grad in outs:
            refs[grad] += 1
            other = grad_of[v]
            if other >= 0:  # a second path: the engine adds the two
                total = allocated(numel[v] * batch * of[v])
                live += total
                if live > top:
                    top, phase, at = live, "backward", v - 1
                for g in (grad, other):
                    refs[g] -= 1
                    if refs[g] <= 0:
                        live -= size[g]
                        size[g] = 0
                grad = len(size)
                size.append(total)
                refs.append(1)
            grad_of[v] = grad
        refs[incoming] -= 1
        if refs[incoming] <= 0:
            live -= size[incoming]
            size[incoming] = 0
        live -= sig.own
        for s in keeps[i]:
            holders[s] -= 1
            if not holders[s] and s:
                live -= block[s]
                block[s] = 0
    return live, top, phase, at


class Peaks:
    """A network's training and inference peaks at any batch, its graph built once
    (for :func:`cnncalc.memory.fit.fit`, which asks for many batches)."""

    def __init__(
        self,
        report: Report,
        size: int,
        optimizer: str,
        amp: bool,
        inplace_relu: bool,
        attention: str = "auto",
    ) -> None:
        self.graph = ops(report)
        self.size, self.optimizer, self.amp, self.inplace_relu = size, optimizer, amp, inplace_relu
        self.attention = attention

    def _plan(self, batch: int) -> tuple[_Plan, int, int]:
        plan = _Plan(self.graph, batch, self.size, self.amp, self.inplace_relu, self.attention)
        data = allocated(self.graph.numel[0] * batch * plan.of[0])
        return plan, plan.params + plan.buffers + data, plan.trainable

    def training(self, batch: int) -> Peak:
        plan, held, gradients = self._plan(batch)
        base = held + OPTIMIZERS[self.optimizer] * gradients + 2 * CUBLAS_WORKSPACE
        return _train(self.graph, plan, batch, self.amp, base, gradients, self.optimizer)[0]

    def inference(self, batch: int) -> Peak:
        plan, held, _ = self._plan(batch)
        return _infer(self.graph, plan, held + CUBLAS_WORKSPACE)
