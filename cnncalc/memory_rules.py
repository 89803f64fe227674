"""What each layer kind does to GPU memory in PyTorch eager mode: one record per kind.

The table :data:`BEHAVIOUR` is the single place where a kind's memory behaviour
lives (what autograd keeps for its backward, whether it works in place or is a
view, what autocast does to it, what cuDNN borrows while it runs). Every rule
is per kind or per op, never per network, so it holds for networks nobody
measured. The walk that uses it is :mod:`cnncalc.memory_walk`; the README's
Memory section states the same rules in prose.

Sources: PyTorch's ``tools/autograd/derivatives.yaml`` (which tensors each
op's backward formula reads), torchvision's model code (``nn.ReLU(inplace=True)``
after every conv/BN; ``torch.flatten`` is a view), and the shared H100
measurements for the workspace rules.
"""

from __future__ import annotations

from cnncalc.record import Record

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


_CONV = Behaviour(saves_input=True, autocast="half", workspace="layout")
_SAVES_INPUT = Behaviour(saves_input=True)
_SAVES_OUTPUT = Behaviour(saves_output=True)

BEHAVIOUR: dict[str, Behaviour] = {
    # convolution(input, weight): the backward reads the input (for the weight's
    # gradient) and the weight (for the input's)
    "conv": _CONV,
    "deconv": _CONV,
    "local": Behaviour(saves_input=True, autocast="half"),
    # addmm(bias, input, weight.t()) keeps the input and the weight
    "fc": Behaviour(saves_input=True, autocast="half"),
    "rbf": _SAVES_INPUT,
    "subsample": _SAVES_INPUT,
    # max_pool2d_with_indices keeps its input and the int64 indices of the maxima
    "pool": Behaviour(saves_input=True, indices=True),
    "gmp": Behaviour(saves_input=True, indices=True),
    # avg_pool2d_backward reads the input; adaptive pooling to 1 is a mean (keeps nothing)
    "avgpool": _SAVES_INPUT,
    "adaptivepool": Behaviour(saves_input=True, global_mean=True),
    "gap": Behaviour(global_mean=True),
    "flatten": Behaviour(view=True),
    # batch norm keeps its input and per-channel mean and inverse std; runs in its
    # input's dtype under autocast (it is in neither of autocast's cast lists)
    "bn": Behaviour(saves_input=True, stats=True),
    # native_dropout keeps a one-byte mask; in eval it is the identity
    "dropout": Behaviour(mask=True, eval_identity=True),
    # threshold_backward / hardtanh_backward read the result: with inplace=True
    # (torchvision's choice) that result is the storage of the layer before
    "relu": Behaviour(saves_output=True, inplace=True),
    # hardtanh_backward reads the input: in place, autograd keeps a clone of it first
    "relu6": Behaviour(saves_input=True, inplace=True),
    "leakyrelu": _SAVES_INPUT,
    "sigmoid": _SAVES_OUTPUT,
    "tanh": _SAVES_OUTPUT,
    "gelu": _SAVES_INPUT,
    "silu": _SAVES_INPUT,
    "hardswish": _SAVES_INPUT,
    "softmax": Behaviour(saves_output=True, autocast="float"),
    # local_response_norm is made of several ops: it keeps about its input and output
    "lrn": Behaviour(saves_input=True, saves_output=True),
    # embedding keeps its int64 indices (the network's input); no gradient flows to them
    "embed": Behaviour(grads_input=False),
    # issue 13's kinds, one line each. Depthwise and 1x1 convolutions borrow no workspace
    # (the depthwise output, kept for the pointwise backward, is not counted)
    "sepconv": Behaviour(saves_input=True, autocast="half"),
    "stochasticpool": _SAVES_INPUT,  # several ops (x·x, two pools, a divide) around its input
    # layer_norm / group_norm autocast to float32; both keep their input (and tiny mean/rstd)
    "layernorm": Behaviour(saves_input=True, autocast="float"),
    "groupnorm": Behaviour(saves_input=True, autocast="float"),
    "instancenorm": Behaviour(saves_input=True, stats=True),  # batch_norm on a reshaped input
    "layerscale": _SAVES_INPUT,  # mul(x, γ): γ's gradient reads x
    "droppath": Behaviour(eval_identity=True),  # keeps an N-element mask only; eval: identity
    "hardsigmoid": _SAVES_INPUT,  # hardsigmoid_backward reads its input
    "upsample": Behaviour(),  # upsample_*_backward needs the sizes alone
    "reshape": Behaviour(view=True),  # view / unflatten of a contiguous tensor
}
"""Each kind's memory behaviour. A kind missing here keeps its input (the safe guess)."""

DEFAULT = _SAVES_INPUT

ADD = Behaviour()
"""A residual add keeps nothing (its backward passes the gradient to both sides);
its sum is a new tensor."""
CAT = Behaviour()
"""A concatenation keeps nothing (its backward hands out slices of the gradient)."""


def behaviour(kind: str) -> Behaviour:
    return BEHAVIOUR.get(kind, DEFAULT)
