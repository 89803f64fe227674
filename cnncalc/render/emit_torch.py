"""``--emit torch``: a self-contained PyTorch ``nn.Module`` for a spec, as source.

The module mirrors the spec's structure (blocks become nested containers whose
names are cnncalc's paths) and is built from torch.nn alone, plus small helper
classes for what torch.nn lacks: residual, concat, gate, split, crop-concat and
side-output blocks, LeNet-5's
subsampling, connection table and RBF layers, and the locally connected layer.
Nothing here imports torch: this writes text.
"""

from __future__ import annotations

from cnncalc.kinds import KINDS
from cnncalc.kinds.joins import CROP_CAT
from cnncalc.report import BlockReport, LayerReport, Report, Row

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
    "Multiply": '''
class Multiply(nn.Module):
    """x times its gate (squeeze-and-excitation: the gate's C×1×1 broadcast);
    given two paths, the first path's output times the gate's, both reading x."""

    def __init__(self, first, gate=None):
        super().__init__()
        self.trunk = first if gate is not None else nn.Identity()
        self.gate = gate if gate is not None else first

    def forward(self, x):
        return self.trunk(x) * self.gate(x)
''',
    "Split": '''
class Split(nn.Module):
    """Each branch on its equal share of the channels, concatenated (ShuffleNetV2)."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        shares = x.chunk(len(self.branches), dim=1)
        return torch.cat([branch(s) for branch, s in zip(self.branches, shares)], dim=1)
''',
    "CropConcat": '''
class CropConcat(nn.Module):
    """Branches on the same input, each centre-cropped to the smallest size on every
    axis (U-Net's skips), concatenated on the channel axis."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return crop_cat([branch(x) for branch in self.branches])
''',
    "Shared": '''
class Shared(nn.Module):
    """One module applied ``times`` times: its weights are shared (recurrent reuse)."""

    def __init__(self, body, times):
        super().__init__()
        self.body = body
        self.times = times

    def forward(self, x):
        for _ in range(self.times):
            x = self.body(x)
        return x
''',
    "Side": '''
class Side(nn.Module):
    """A side output (an auxiliary head): the branch runs on x and its result is
    kept as ``output``; x goes on unchanged."""

    def __init__(self, branch):
        super().__init__()
        self.branch = branch
        self.output = None

    def forward(self, x):
        self.output = self.branch(x)
        return x
''',
    "Named": '''
class Named(nn.Module):
    """Layers run in order, where some read earlier outputs by name (``add p5``):
    ``reads`` maps such a layer to the names it reads, ``keep`` a named layer to
    its name. After a call, ``outputs`` holds every named output (FPN's levels)."""

    def __init__(self, steps, reads, keep):
        super().__init__()
        self.steps = steps
        self.reads = reads
        self.keep = keep
        self.outputs = {}

    def forward(self, x):
        named = {}
        for key, step in self.steps.named_children():
            reads = self.reads.get(key)
            x = step(x) if reads is None else step(x, *[named[name] for name in reads])
            if key in self.keep:
                named[self.keep[key]] = x
        self.outputs = named
        return x
''',
}
"""The classes blocks need; a layer's own come from its kind."""

BLOCK_HELPERS = {
    "res": "Residual",
    "cat": "Concat",
    "mul": "Multiply",
    "split": "Split",
    "catcrop": "CropConcat",
    "side": "Side",
}
"""The helper that runs each kind of block with paths (a group and a repeat are
``nn.Sequential``)."""


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


def render(report: Report) -> str:
    """Python source defining ``Net`` and ``INPUT_SHAPE``; run it to check shapes.

    No text of the spec's reaches the source except inside ``repr()`` literals."""
    writer = _Writer()
    body = writer.sequence(report.tree, BASE)
    helpers = "".join(writer.helpers[name] for name in sorted(writer.helpers))
    shape = tuple(report.input_shape)
    dtype = ", dtype=torch.long" if writer.tokens else ""
    pad = "    " * BASE
    built = "".join(f"{pad}{local} = {code}\n" for local, code in writer.locals)
    depth = _module_depth(report.tree)
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
    """Walks the report's tree: each layer as run (its resolved spec and shapes),
    each block with its paths. ``indent`` counts the containers open around an
    expression (from ``BASE``); a block that would open more than ``NEST`` is
    written as a statement of its own, ``locals`` in the order they must run,
    and used by its variable's name."""

    def __init__(self) -> None:
        self.helpers: dict[str, str] = {}
        self.tokens = False
        self.locals: list[tuple[str, str]] = []

    def sequence(self, rows: tuple[Row, ...], indent: int) -> str:
        names = module_names([row.name or str(i) for i, row in enumerate(rows)])
        items = [(name, self.row(row, indent + 1)) for name, row in zip(names, rows, strict=True)]
        read = [(key, _reads(row)) for key, row in zip(names, rows, strict=True)]
        reads = {key: refs for key, refs in read if refs}
        if not reads:
            return _container(items, indent)
        keep = {key: row.name for key, row in zip(names, rows, strict=True) if row.name is not None}
        self.helpers["Named"] = HELPERS["Named"]
        return f"Named({_container(items, indent)}, {reads!r}, {keep!r})"

    def row(self, row: Row, indent: int) -> str:
        if isinstance(row, LayerReport):
            return self.layer(row)
        if indent - BASE < NEST:
            return self.block(row, indent)
        code = self.block(row, BASE)
        local = f"b{len(self.locals)}"
        self.locals.append((local, code))
        return local

    def block(self, block: BlockReport, indent: int) -> str:
        if block.kind == "repeat" and block.shared:
            self.helpers["Shared"] = HELPERS["Shared"]
            return f"Shared({self.sequence(block.parts[0], indent)}, {block.count})"
        if block.kind == "repeat":
            reps = [self.sequence(part, indent + 1) for part in block.parts]
            return _container([(str(r), code) for r, code in enumerate(reps)], indent)
        if block.kind == "seq":
            return self.sequence(block.parts[0], indent)
        parts = [self.sequence(part, indent) if part else "nn.Identity()" for part in block.parts]
        name = BLOCK_HELPERS[block.kind]
        self.helpers[name] = HELPERS[name]
        if name == "CropConcat":  # its crop is the catcrop join's, written once
            self.helpers[CROP_CAT.name] = CROP_CAT.source
        return f"{name}({', '.join(parts)})"

    def layer(self, report: LayerReport) -> str:
        """One torch module for one layer: its kind writes it."""
        module = KINDS[report.kind].torch(report)
        for helper in module.helpers:
            self.helpers[helper.name] = helper.source
        self.tokens = self.tokens or module.tokens
        frozen = report.layer is not None and not report.layer.trainable
        if frozen and report.costs.params:
            return f"{module.code}.requires_grad_(False)"
        return module.code


def _reads(row: Row) -> tuple[str, ...]:
    """The names a layer reads (a join's), else ()."""
    spec = row.layer if isinstance(row, LayerReport) else None
    return () if spec is None or spec.ref is None else spec.ref


def _module_depth(rows: tuple[Row, ...]) -> int:
    """How deep the emitted modules nest: a layer, its Sequential (in a ``Named``
    where it reads names), its block's helper."""
    deepest = 2 if any(_reads(row) for row in rows) else 1
    for row in rows:
        if isinstance(row, LayerReport):
            deepest = max(deepest, 2)  # a layer can be a Sequential of a pad and a conv
        else:
            extra = {"seq": 0, "repeat": 1, "res": 1, "mul": 1, "side": 1}.get(row.kind, 2)
            inner = max((_module_depth(part) for part in row.parts), default=1)
            deepest = max(deepest, extra + inner)
    return 1 + deepest


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
