"""Random specs with the torch module each means: hypothesis strategies shared
by the tests that draw networks (tests/test_torch.py, tests/test_emit.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from conftest import need_torch

torch = need_torch()
nn = torch.nn


class Residual(nn.Module):  # type: ignore[misc]
    """body(x) + shortcut(x), the shortcut defaulting to the identity."""

    def __init__(self, body: Any, shortcut: Any = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x: Any) -> Any:
        return self.body(x) + self.shortcut(x)


class Concat(nn.Module):  # type: ignore[misc]
    """Branches on the same input, joined on the channel axis."""

    def __init__(self, branches: list[Any]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: Any) -> Any:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


Built = tuple[str, Callable[[], Any], int]
"""A spec, a factory for the equivalent torch module, and the channels it outputs."""


@st.composite
def leaf(draw: Any, c: int, keep: bool = False) -> Built:
    """A layer that keeps the spatial size; ``keep`` also keeps the channel count."""
    choice = draw(st.sampled_from(["conv3", "conv1", "bn", "relu", "dw"]))
    out = c if keep else draw(st.integers(1, 6))
    if choice == "conv3":
        return f"conv {out}x3x3 p1", lambda: nn.Conv2d(c, out, 3, padding=1), out
    if choice == "conv1":
        return f"conv {out}x1x1 nobias", lambda: nn.Conv2d(c, out, 1, bias=False), out
    if choice == "dw":
        return f"conv {c}x3x3 p1 dw", lambda: nn.Conv2d(c, c, 3, padding=1, groups=c), c
    if choice == "bn":
        return "bn", lambda: nn.BatchNorm2d(c), c
    return "relu", lambda: nn.ReLU(), c


@st.composite
def sequence(draw: Any, c: int, depth: int, keep: bool = False) -> Built:
    items: list[Built] = []
    for _ in range(draw(st.integers(1, 3))):
        last = items[-1][2] if items else c
        item = draw(node(last, depth, keep))
        items.append(item)
    specs = " | ".join(spec for spec, _, _ in items)
    factories = [make for _, make, _ in items]
    return specs, lambda: nn.Sequential(*(make() for make in factories)), items[-1][2]


@st.composite
def node(draw: Any, c: int, depth: int, keep: bool = False) -> Built:
    kinds = ["leaf"] + (["res", "cat", "repeat"] if depth > 0 else [])
    kind = draw(st.sampled_from(kinds if not keep else [k for k in kinds if k != "cat"]))
    if kind == "leaf":
        return draw(leaf(c, keep))
    if kind == "repeat":
        body, make, _ = draw(sequence(c, depth - 1, keep=True))
        n = draw(st.integers(1, 3))
        return f"[{body}]*{n}", lambda: nn.Sequential(*(make() for _ in range(n))), c
    if kind == "res":
        body, make_body, out = draw(sequence(c, depth - 1, keep=keep))
        if out == c and draw(st.booleans()):
            return f"res[{body}]", lambda: Residual(make_body()), c
        proj = f"conv {out}x1x1 nobias | bn"

        def make_res() -> Any:
            shortcut = nn.Sequential(nn.Conv2d(c, out, 1, bias=False), nn.BatchNorm2d(out))
            return Residual(make_body(), shortcut)

        return f"res[{body} ; {proj}]", make_res, out
    branches = [draw(sequence(c, depth - 1)) if draw(st.booleans()) else None for _ in range(3)]
    spec = "cat[" + " ; ".join(b[0] if b else "" for b in branches) + "]"
    total = sum(b[2] if b else c for b in branches)

    def make_cat() -> Any:
        return Concat([b[1]() if b else nn.Identity() for b in branches])

    return spec, make_cat, total
