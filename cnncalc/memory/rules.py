"""What each layer kind does to GPU memory in PyTorch eager mode: one record per kind.

Each kind states its :class:`Behaviour` in its own home (``memory=`` in its
:class:`~cnncalc.kinds.base.Kind`): what autograd keeps for its backward,
whether it works in place or is a view, what autocast does to it, what cuDNN
borrows while it runs. This module holds the record, the allocator's rounding
and the library allowances. Every rule
is per kind or per op, never per network, so it holds for networks nobody
measured. The walk that uses it is :mod:`cnncalc.memory.walk`; the README's
Memory section states the same rules in prose.

Sources: PyTorch's ``tools/autograd/derivatives.yaml`` (which tensors each
op's backward formula reads), torchvision's model code (``nn.ReLU(inplace=True)``
after every conv/BN; ``torch.flatten`` is a view), and the shared H100
measurements for the workspace rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from cnncalc.record import Record

if TYPE_CHECKING:
    from cnncalc.report import LayerReport

BLOCK = 512
"""The caching allocator rounds every block up to a multiple of 512 bytes."""

CUBLAS_WORKSPACE = 33 * 2**20
"""What one thread that has run a matmul keeps for good: cuBLAS's workspace
(32 MiB by default on Hopper, ``CUBLAS_WORKSPACE_CONFIG=:4096:8``) and
cuBLASLt's (1 MiB). Autograd runs the backward pass on its own thread, so a
training process keeps two, an inference process one. The shared H100 bases
hold 68.2–75.4 MB besides the tensors after a training step, 35.0 MB before
the first one."""


def allocated(nbytes: int) -> int:
    """The bytes ``torch.cuda.max_memory_allocated`` counts for one tensor of ``nbytes``."""
    if nbytes <= 0:
        return 0
    return -(-nbytes // BLOCK) * BLOCK


class Saved(Record):
    """What an op keeps besides its input and output, for one layer: ``tensors``
    each as (values per sample, bytes per value; 0: the op's dtype), ``fixed``
    tensors of so many bytes whatever the batch (the index lists of an indexing
    of the input, kept only where the input needs a gradient); ``input``: whether
    it keeps its input too (where it does not, what it reads is a copy it keeps).
    ``backends``: for attention, the tensors each fused kernel of
    ``scaled_dot_product_attention`` keeps instead (``tensors`` are the math
    path's), by the kernel's name. ``constant``: tensors kept once whatever the
    batch (values, bytes per value; 0: the op's dtype), wherever the op is
    recorded: what it computes from its parameters alone (Swin V2's position-bias
    MLP). ``one`` and ``one_input``: the tensors, and whether the input is kept,
    at batch 1 where they differ (a reshape that merges the batch axis is a view
    there, not a copy)."""

    tensors: tuple[tuple[int, int], ...] = ()
    fixed: tuple[int, ...] = ()
    input: bool = True
    backends: Mapping[str, tuple[tuple[int, int], ...]] = {}
    constant: tuple[tuple[int, int], ...] = ()
    one: tuple[tuple[int, int], ...] | None = None
    one_input: bool | None = None

    def kept(self, backend: str, batch: int = 2) -> tuple[tuple[int, int], ...]:
        """The tensors kept with attention's kernel ``backend`` (``backend@1``: at
        batch 1, where some of its reshapes are views rather than copies)."""
        if batch == 1 and f"{backend}@1" in self.backends:
            return self.backends[f"{backend}@1"]
        if batch == 1 and self.one is not None:
            return self.one
        return self.backends.get(backend, self.tensors)

    def keeps_input(self, batch: int) -> bool:
        if batch == 1 and self.one_input is not None:
            return self.one_input
        return self.input


class Behaviour(Record):
    """How one kind of layer uses memory in a training step and in a no-grad forward.

    ``saves_input`` / ``saves_output``: which activation autograd keeps for the
    backward pass (parameters are kept too, but they live anyway).
    ``indices``: an int64 per output element (max pooling), kept for backward,
    made and dropped at once in a no-grad forward. ``mask``: one byte per output
    element, kept (dropout, training only). ``stats``: two float32 values per
    channel kept (batch norm's mean and inverse std).
    ``inplace``: the op writes over its input when the network's ReLUs are in
    place (the ``inplace_relu`` flag); if its backward reads its input, autograd
    keeps a clone of the input made before it is overwritten (ReLU6).
    ``view``: no new storage (flatten).
    ``eval_identity``: in eval mode the op returns its input (dropout).
    ``global_mean``: to a 1-wide output the op is a ``mean``, which keeps nothing.
    ``autocast``: ``"half"`` where autocast casts the inputs and weights to the
    lower precision (conv, linear), ``"float"`` where it casts to float32
    (softmax), ``"input"`` where the op runs in its input's dtype (batch norm,
    activations, pooling).
    ``workspace``: what cuDNN borrows while the op runs, forward and backward:
    ``"layout"`` is the input plus the output (the transposes around a spatial
    convolution's kernels; 1×1 and depthwise convolutions borrow nothing).
    ``grads_input``: the backward pass makes a gradient for the input (views
    pass the incoming gradient through instead).
    ``weights``: how the parameters are split into tensors (each rounded on its
    own): ``"one"``, ``"bias"`` (a weight and, with a bias, one value per output
    channel), ``"pair"`` (γ and β), ``"qkv"`` (attention: in- and out-projection
    weights and biases). ``running_stats``: the buffers are a running
    mean and variance, plus torch's int64 ``num_batches_tracked``.
    ``saved``: the other tensors the op keeps, given its layer (:class:`Saved`):
    a composite op's intermediates (sepconv's depthwise output, LRN's squares),
    a norm's mean and inverse
    std per sample, group or position, an embedding's int64 indices.
    ``input_for_input_grad``: the kept input serves only
    the input's gradient, so where the input needs none it is not kept (the
    parameters' gradients read other tensors).
    ``transposes``: a view whose strides are not the contiguous ones (a
    permute, ``x.flatten(2).transpose(1, 2)``); ``strides``: the op's output
    takes its input's strides (element-wise ops); ``flattens``: the op reads
    its input as a matrix (``nn.Linear`` on a sequence), so a transposed input
    is copied first, and the copy is what it keeps. ``split``: the bytes of each
    parameter tensor and each buffer tensor at a dtype's size, where ``weights``
    cannot say (windowed attention's tables and its int64 index).
    """

    saves_input: bool = False
    saves_output: bool = False
    indices: bool = False
    mask: bool = False
    stats: bool = False
    inplace: bool = False
    view: bool = False
    eval_identity: bool = False
    global_mean: bool = False
    autocast: str = "input"
    workspace: str = ""
    grads_input: bool = True
    weights: str = "one"
    running_stats: bool = False
    saved: Callable[[LayerReport], Saved] | None = None
    split: Callable[[LayerReport, int], tuple[list[int], list[int]]] | None = None
    input_for_input_grad: bool = False
    transposes: bool = False
    strides: bool = False
    flattens: bool = False


SAVES_INPUT = Behaviour(saves_input=True)
"""What a kind keeps unless it says otherwise (the safe guess): its input."""
SAVES_OUTPUT = Behaviour(saves_output=True)
CONV = Behaviour(saves_input=True, autocast="half", workspace="layout", weights="bias")
"""convolution(input, weight): the backward reads the input (for the weight's
gradient) and the weight (for the input's); cuDNN borrows a workspace."""

ADD = Behaviour()
"""A residual add keeps nothing (its backward passes the gradient to both sides);
its sum is a new tensor."""
CAT = Behaviour()
"""A concatenation keeps nothing (its backward hands out slices of the gradient)."""
MUL = Behaviour(saves_input=True)
"""``x · g`` (a gate, ``mul NAME``): the backward reads both factors (each one's
gradient is the incoming one times the other), so both are kept."""
VIEW = Behaviour(view=True)
"""A split's chunk, a crop's slice, a side output's trunk: no new storage."""
