"""``--emit torch``: a self-contained PyTorch ``nn.Module`` for a spec, as source.

The module mirrors the spec's structure (blocks become nested containers whose
names are cnncalc's paths) and is built from torch.nn alone, plus small helper
classes for what torch.nn lacks: residual and concat blocks, LeNet-5's
subsampling, connection table and RBF layers, and the locally connected layer.
Nothing here imports torch: this writes text.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from cnncalc import arith
from cnncalc.layer import Block, BlockKind, LayerSpec, Model, Node
from cnncalc.report import LayerReport, Report

HELPERS = {
    "Residual": '''
class Residual(nn.Module):
    """body(x) + shortcut(x); the shortcut defaults to the identity."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x):
        return self.body(x) + self.shortcut(x)
''',
    "Concat": '''
class Concat(nn.Module):
    """Branches on the same input, concatenated on the channel axis."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)
''',
    "Subsample": '''
class Subsample(nn.Module):
    """LeNet-5 subsampling: window sum x a trainable coefficient + a bias, per map."""

    def __init__(self, channels, kernel, stride, rank, bias=True):
        super().__init__()
        pool = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}[rank]
        self.pool = pool(kernel, stride)
        self.area = math.prod(kernel)
        shape = (channels,) + (1,) * rank
        self.weight = nn.Parameter(torch.ones(shape))
        self.bias = nn.Parameter(torch.zeros(shape)) if bias else None

    def forward(self, x):
        y = self.pool(x) * self.area * self.weight
        return y + self.bias if self.bias is not None else y
''',
    "TableConv": '''
class TableConv(nn.Module):
    """A convolution whose output maps each read only some input maps (LeNet-5 C3)."""

    def __init__(self, table, kernel, stride, padding, dilation, bias, rank):
        super().__init__()
        conv = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[rank]
        self.table = [list(row) for row in table]
        self.maps = nn.ModuleList(
            conv(len(row), 1, kernel, stride, padding, dilation, bias=bias) for row in table
        )

    def forward(self, x):
        return torch.cat([m(x[:, row]) for m, row in zip(self.maps, self.table)], dim=1)
''',
    "RBF": '''
class RBF(nn.Module):
    """Euclidean radial basis units: y_i = sum_j (x_j - w_ij)^2 (LeNet-5's output)."""

    def __init__(self, inputs, units):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(units, inputs))

    def forward(self, x):
        return ((x.flatten(1)[:, None, :] - self.weight) ** 2).sum(-1)
''',
    "Local": '''
class Local(nn.Module):
    """A locally connected layer: a convolution whose filters are not shared."""

    def __init__(self, cin, filters, kernel, stride, padding, dilation, out, bias, rank):
        super().__init__()
        if rank != 2:
            raise NotImplementedError("emitted locally connected layers are 2-D only")
        self.args = (kernel, dilation, padding, stride)
        self.out = out
        positions = math.prod(out)
        self.weight = nn.Parameter(torch.zeros(positions, cin * math.prod(kernel), filters))
        self.bias = nn.Parameter(torch.zeros(filters, *out)) if bias else None

    def forward(self, x):
        cols = nn.functional.unfold(x, *self.args)
        y = torch.einsum("bkl,lko->bol", cols, self.weight).reshape(x.shape[0], -1, *self.out)
        return y + self.bias if self.bias is not None else y
''',
    "Tokens": '''
class Tokens(nn.Module):
    """An embedding whose output is channels first: (N, L) tokens -> (N, D, L)."""

    def __init__(self, vocab, dim):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)

    def forward(self, x):
        return self.embed(x).transpose(1, 2)
''',
}

ACTIVATIONS = {
    "relu": "nn.ReLU()",
    "relu6": "nn.ReLU6()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "gelu": "nn.GELU()",
    "silu": "nn.SiLU()",
    "hardswish": "nn.Hardswish()",
    "softmax": "nn.Softmax(dim=1)",
    "flatten": "nn.Flatten()",
}


MODULE_ATTRIBUTES = frozenset(
    (
        "T_destination",
        "add_module",
        "append",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extend",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "insert",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "pop",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    )
)
"""The public names of an ``nn.Sequential`` (torch 2.13's ``dir(nn.Sequential())``, which
includes ``nn.Module``'s): a submodule by one of these names is refused by torch. Private
names (a leading ``_``) are all avoided by rule instead, so torch may add more of them."""

PREFIX = "m_"
"""Put before a name torch would refuse or that could clash with an attribute."""

NEST = 8
"""Blocks nested deeper than this in one expression are built first, as a local variable:
it keeps the generated expressions far below Python's limit of 200 nested parentheses."""


def render(report: Report, model: Model) -> str:
    """Python source defining ``Net`` and ``INPUT_SHAPE``; run it to check shapes.

    No text of the spec's reaches the source except inside ``repr()`` literals."""
    writer = _Writer(report)
    body = writer.sequence(model.layers, BASE)
    helpers = "".join(HELPERS[name] for name in sorted(writer.helpers))
    shape = tuple(report.input_shape)
    dtype = ", dtype=torch.long" if writer.tokens else ""
    pad = "    " * BASE
    built = "".join(f"{pad}{local} = {code}\n" for local, code in writer.locals)
    depth = _module_depth(model.layers)
    imports, forward = "", "return self.layers(x)"
    if depth > DEEP:
        imports = "import sys\n"
        forward = DEEP_FORWARD.format(depth=depth, limit=FRAMES * depth + 1000)
    return f'''"""A PyTorch module generated by cnncalc from the spec in SPEC.

Run it to print the output shape and the parameter count.
"""

import math
{imports}from collections import OrderedDict

import torch
from torch import nn

NAME = {report.name!r}
SPEC = {report.spec!r}
INPUT_SHAPE = {shape!r}  # channels first, batch excluded
{helpers}

class Net(nn.Module):
    def __init__(self):
        super().__init__()
{built}{pad}self.layers = {body}

    def forward(self, x):
        {forward}


if __name__ == "__main__":
    net = Net()
    x = torch.zeros(1, *INPUT_SHAPE{dtype})
    print(tuple(net(x).shape[1:]), sum(p.numel() for p in net.parameters()), "params")
'''


DEEP = 100
"""Modules nested deeper than this get a forward that makes room on Python's stack."""
FRAMES = 4
"""Python frames torch takes to call a module, a few more than it does (3 in torch 2.13)."""
DEEP_FORWARD = """# torch calls nested modules recursively, and these nest {depth} deep
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, {limit}))
        try:
            return self.layers(x)
        finally:
            sys.setrecursionlimit(limit)"""

BASE = 2
"""The indent of a statement in ``Net.__init__``."""


class _Writer:
    """Walks the model in execution order, taking each layer's resolved report.

    ``indent`` counts the containers open around an expression (from ``BASE``); a
    block that would open more than ``NEST`` is written as a statement of its own,
    ``locals`` in the order they must run, and used by its variable's name."""

    def __init__(self, report: Report) -> None:
        self.reports: Iterator[LayerReport] = iter(report.layers)
        self.helpers: set[str] = set()
        self.tokens = False
        self.locals: list[tuple[str, str]] = []

    def sequence(self, nodes: tuple[Node, ...], indent: int) -> str:
        names = module_names([node.name or str(i) for i, node in enumerate(nodes)])
        items = [
            (name, self.node(node, indent + 1)) for name, node in zip(names, nodes, strict=True)
        ]
        return _container(items, indent)

    def node(self, node: Node, indent: int) -> str:
        if isinstance(node, LayerSpec):
            return self.layer(node, indent)
        if indent - BASE < NEST:
            return self.block(node, indent)
        code = self.block(node, BASE)
        local = f"b{len(self.locals)}"
        self.locals.append((local, code))
        return local

    def block(self, block: Block, indent: int) -> str:
        if block.kind is BlockKind.REPEAT:
            reps = [self.sequence(block.parts[0], indent + 1) for _ in range(block.count)]
            return _container([(str(r), code) for r, code in enumerate(reps)], indent)
        if block.kind is BlockKind.SEQ:
            return self.sequence(block.parts[0], indent)
        parts = [self.sequence(part, indent) if part else "nn.Identity()" for part in block.parts]
        self.helpers.add("Residual" if block.kind is BlockKind.RES else "Concat")
        name = "Residual" if block.kind is BlockKind.RES else "Concat"
        return f"{name}({', '.join(parts)})"

    def layer(self, layer: LayerSpec, indent: int) -> str:
        report = next(self.reports)
        code = self.module(layer, report)
        if not layer.trainable and report.costs.params:
            code = f"{code}.requires_grad_(False)"
        return code

    def module(self, layer: LayerSpec, report: LayerReport) -> str:
        """One torch module for one layer, from its resolved spec and shapes."""
        shape = report.input_shape
        rank = len(shape) - 1
        kind = layer.kind
        if kind in ACTIVATIONS:
            return ACTIVATIONS[kind]
        if kind == "dropout":
            return f"nn.Dropout({_number(layer.value, 0.5)})"
        if kind == "leakyrelu":
            return f"nn.LeakyReLU({_number(layer.value, 0.01)})"
        if kind == "lrn":
            return f"nn.LocalResponseNorm({layer.size[0] if layer.size else 5})"
        if kind == "bn":
            return f"nn.BatchNorm{max(rank, 1)}d({shape[0]})"
        if kind in ("gap", "gmp"):
            pool = "Avg" if kind == "gap" else "Max"
            return f"nn.Adaptive{pool}Pool{rank}d(1)"
        if kind == "adaptivepool":
            return f"nn.AdaptiveAvgPool{rank}d({report.output_shape[1:]!r})"
        if kind == "fc":
            linear = f"nn.Linear({math.prod(shape)}, {layer.units}, bias={layer.bias})"
            return linear if len(shape) == 1 else f"nn.Sequential(nn.Flatten(), {linear})"
        if kind == "rbf":
            self.helpers.add("RBF")
            return f"RBF({math.prod(shape)}, {layer.units})"
        if kind == "embed":
            self.helpers.add("Tokens")
            self.tokens = True
            return f"Tokens({layer.vocab}, {layer.units})"
        assert report.layer is not None
        return self.window(report.layer, report, rank)

    def window(self, layer: LayerSpec, report: LayerReport, rank: int) -> str:
        """Convolutions and pools, from the layer as resolved for its input."""
        shape = report.input_shape
        kernel = layer.size or (1,) * rank
        stride = layer.stride or (1,) * rank
        dilation = layer.dilation or (1,) * rank
        same = layer.padding == "same"
        if same:
            pads = [
                arith.same_padding(w, k, s, d)
                for w, k, s, d in zip(shape[1:], kernel, stride, dilation, strict=True)
            ]
        else:
            given = layer.padding if isinstance(layer.padding, tuple) else (0,)
            pads = [(p, p) for p in (given * rank if len(given) == 1 else given)]
        padding = tuple(left for left, _ in pads)
        prefix = ""
        if any(left != right for left, right in pads) and layer.kind != "deconv":
            prefix, padding = _pad(pads, rank, layer.kind), (0,) * rank
        cin, filters = shape[0], report.output_shape[0]
        groups = layer.groups or 1
        if layer.kind == "conv" and layer.table is not None:
            self.helpers.add("TableConv")
            table = [list(row) for row in layer.table]
            code = (
                f"TableConv({table!r}, {kernel}, {stride}, {padding}, {dilation}, "
                f"{layer.bias}, {rank})"
            )
        elif layer.kind == "conv":
            code = (
                f"nn.Conv{rank}d({cin}, {filters}, {kernel}, stride={stride}, padding={padding}, "
                f"dilation={dilation}, groups={groups}, bias={layer.bias})"
            )
        elif layer.kind == "local":
            self.helpers.add("Local")
            code = (
                f"Local({cin}, {filters}, {kernel}, {stride}, {padding}, {dilation}, "
                f"{report.output_shape[1:]}, {layer.bias}, {rank})"
            )
        elif layer.kind == "deconv":
            extra = layer.output_padding or (0,) * rank
            if same:
                padding, extra = _same_transposed(kernel, stride, dilation)
            code = (
                f"nn.ConvTranspose{rank}d({cin}, {filters}, {kernel}, stride={stride}, "
                f"padding={padding}, output_padding={extra}, groups={groups}, "
                f"bias={layer.bias}, dilation={dilation})"
            )
        elif layer.kind == "pool":
            code = (
                f"nn.MaxPool{rank}d({kernel}, {stride}, {padding}, {dilation}, "
                f"ceil_mode={layer.ceil})"
            )
        elif layer.kind == "avgpool":
            code = f"nn.AvgPool{rank}d({kernel}, {stride}, {padding}, ceil_mode={layer.ceil})"
        else:  # subsample
            self.helpers.add("Subsample")
            code = f"Subsample({cin}, {kernel}, {stride}, {rank}, bias={layer.bias})"
        return f"nn.Sequential({prefix}, {code})" if prefix else code


def _same_transposed(
    kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Padding and output padding that make a transposed conv give W·S (Keras 'same')."""
    pairs = [
        arith.same_transposed_padding(k, s, d)
        for k, s, d in zip(kernel, stride, dilation, strict=True)
    ]
    return tuple(p for p, _ in pairs), tuple(op for _, op in pairs)


def _pad(pads: list[tuple[int, int]], rank: int, kind: str) -> str:
    """An explicit (left, right) pad for the odd pixel of 'same' at stride > 1."""
    flat = tuple(x for left, right in reversed(pads) for x in (left, right))
    value = ", value=float('-inf')" if kind == "pool" else ""
    return f"nn.ConstantPad{rank}d({flat}{value or ', 0.0'})"


def _module_depth(nodes: tuple[Node, ...]) -> int:
    """How deep the emitted modules nest: a layer, its Sequential, its block's helper."""
    deepest = 1
    for node in nodes:
        if isinstance(node, LayerSpec):
            deepest = max(deepest, 2)  # a layer can be a Sequential of a pad and a conv
        else:
            extra = {BlockKind.SEQ: 0, BlockKind.REPEAT: 1, BlockKind.RES: 1, BlockKind.CAT: 2}
            inner = max(_module_depth(part) for part in node.parts)
            deepest = max(deepest, extra[node.kind] + inner)
    return 1 + deepest


def _number(value: float | None, default: float) -> str:
    """A number as a Python literal (``float('inf')`` where ``repr`` is no literal)."""
    number = default if value is None else value
    return repr(number) if math.isfinite(number) else f"float({str(number)!r})"


def _container(items: list[tuple[str, str]], indent: int) -> str:
    """``nn.Sequential`` of named modules; the names are written as ``repr()`` literals."""
    pad = "    " * indent
    lines = "".join(f"{pad}    ({name!r}, {code}),\n" for name, code in items)
    return "nn.Sequential(OrderedDict([\n" + lines + f"{pad}]))"


def module_names(names: list[str]) -> list[str]:
    """Submodule names for one container, in order: unique, never empty, without '.',
    and clear of every ``nn.Sequential`` attribute.

    A name keeps its text with '.' written '_' (``layer1.0`` → ``layer1_0``); one that
    is empty, starts with '_' or is an attribute's name gets ``m_`` before it; the
    second and later uses of a name get ``_2``, ``_3``, … after it, the first free."""
    bases = []
    for text in names:
        base = text.replace(".", "_")
        if not base or base.startswith("_") or base in MODULE_ATTRIBUTES:
            base = PREFIX + base
        bases.append(base)
    taken = set(bases)
    seen: set[str] = set()
    out = []
    for base in bases:
        name = base
        if base in seen:
            k = 2
            while f"{base}_{k}" in taken:
                k += 1
            name = f"{base}_{k}"
            taken.add(name)
        seen.add(base)
        out.append(name)
    return out
