"""``--svg``: an architecture diagram in the style of the LeNet-5 figure.

Each feature map is drawn as a volume: its face is H×W, its depth the channel
count, all log-scaled so a 224×224×3 input and a 7×7×2048 map both read well.
A convolution's window is sketched on the map it reads; vectors (fully
connected outputs) are bars; residual, concat, gate (⊗), split, crop-concat and
side-output blocks are boxes holding their paths one under the other; a repeat
is drawn once and marked ×N. Layers that
keep the shape (activations, batch norm) join the label of the map before them.

The SVG is self-contained (no fonts, scripts or links) and deterministic, and
well-formed XML whatever the names hold: every piece of user text goes through
:func:`~cnncalc.escape.xml_text` (control characters and what XML 1.0 forbids
shown as escapes, markup as entities).

Each layer's volume is a group carrying ``data-index``: the indices of the
layers it stands for (the layer that made the map, the shape-keeping layers
joined to its label, and the same layers in the repetitions not drawn), for the
HTML page to link the diagram with its table. Nothing visible depends on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cnncalc.escape import printable, xml_text
from cnncalc.kinds import KINDS
from cnncalc.render.columns import shape_text
from cnncalc.report import BlockReport, LayerReport, Report, Row

GAP = 34.0
LABEL = 30.0  # room under a volume for two lines of text
MAX_LABEL = 24  # characters; a longer spec (a connection table) is cut short
FONT = 'font-family="sans-serif"'


def _line(x1: float, y1: float, x2: float, y2: float, style: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style}/>'


def _text(
    x: float, y: float, content: str, size: int = 11, fill: str = "#222", extra: str = ""
) -> str:
    """One line of text; ``content`` is escaped here."""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" fill="{fill}"{extra}>'
        f"{xml_text(content)}</text>"
    )


def _side(size: int) -> float:
    """Face side for a spatial size: 224 → about 100, 7 → about 40."""
    return 12.0 + 11.0 * math.log2(max(size, 1))


def _depth(channels: int) -> float:
    return 4.0 + 5.0 * math.log2(max(channels, 1))


@dataclass
class Item:
    """Something laid out: its size, and how to draw it with its left edge at x
    and its middle at y."""

    width: float
    height: float
    draw: Callable[[float, float], list[str]]
    face: Callable[[float, float], tuple[float, float, float, float]] | None = None
    kernel: tuple[int, ...] | None = None
    spatial: tuple[int, ...] = ()


def render(report: Report) -> str:
    items = [_volume(report.input_shape, ["input"], None, (), [])]
    items += _sequence(report.tree)
    body = _row(items)
    width = body.width + 2 * 20
    height = body.height + 2 * 20 + 24
    title = f"{report.name}: {report.total.params:,} parameters, {report.total.macs:,} MACs"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">',
        f"<title>{xml_text(report.name)}</title>",
        '<rect width="100%" height="100%" fill="#fff"/>',
        _text(20, 22, title, 13, extra=' font-weight="bold"'),
        *body.draw(20.0, 24 + 20 + body.height / 2),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _sequence(rows: tuple[Row, ...], twins: Sequence[tuple[Row, ...]] = ()) -> list[Item]:
    """Items for a sequence; shape-keeping layers join the label before them.
    ``twins``: the same sequence in repetitions that are not drawn, whose layers
    the items stand for too."""
    pending: list[Item | _Map] = []
    for position, row in enumerate(rows):
        alike = [twin[position] for twin in twins if position < len(twin)]
        if isinstance(row, BlockReport):
            pending.append(_block(row, [b for b in alike if isinstance(b, BlockReport)]))
            continue
        indices = [row.index, *(t.index for t in alike if isinstance(t, LayerReport))]
        windowed = KINDS[row.kind].windowed
        keeps = row.output_shape == row.input_shape and not windowed
        if keeps and pending and isinstance(pending[-1], _Map):
            pending[-1].labels.append(row.spec)
            pending[-1].indices += indices
            continue
        kernel = row.layer.kernel if row.layer and windowed else None
        label = f"{row.name}: {row.spec}" if row.name else row.spec
        pending.append(_Map(row.output_shape, [label], kernel, row.input_shape[1:], indices))
    return [p.item() if isinstance(p, _Map) else p for p in pending]


@dataclass
class _Map:
    """A volume still collecting the labels of the shape-keeping layers after it."""

    shape: tuple[int, ...]
    labels: list[str]
    kernel: tuple[int, ...] | None
    spatial: tuple[int, ...]
    indices: list[int]

    def item(self) -> Item:
        return _volume(self.shape, self.labels, self.kernel, self.spatial, self.indices)


def _block(block: BlockReport, alike: list[BlockReport]) -> Item:
    """``alike``: the same block in repetitions that are not drawn."""
    if block.kind in ("seq", "repeat"):  # later repetitions: same shapes, drawn once
        twins = [*block.parts[1:], *(part for twin in alike for part in twin.parts)]
        first = _sequence(block.parts[0], twins) if block.parts else []
        tag = f"×{block.count}" if block.kind == "repeat" else (block.name or "")
        tag += " shared" if block.shared else ""
        return _boxed([_row(first)], tag, join="")
    paths = [
        _row(_sequence(part, [b.parts[j] for b in alike if j < len(b.parts)]))
        if part
        else _identity()
        for j, part in enumerate(block.parts)
    ]
    if block.kind in ("res", "mul", "side") and len(paths) == 1:
        paths.insert(0 if block.kind != "res" else 1, _identity())
    tag, join = JOINS.get(block.kind, ("cat", "‖"))
    return _boxed(paths, block.name or tag, join)


JOINS = {
    "res": ("res", "⊕"),
    "mul": ("mul", "⊗"),
    "split": ("split", "‖"),
    "catcrop": ("cat crop", "‖"),
    "side": ("side output", ""),
}
"""A block's tag and the sign where its paths meet (a side output's branch ends
inside its box: only the identity goes on)."""


def _identity() -> Item:
    def draw(x: float, y: float) -> list[str]:
        return [
            f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 60:.1f}" y2="{y:.1f}" stroke="#888" '
            'stroke-dasharray="4 3"/>',
            _text(x + 4, y - 4, "identity", fill="#666"),
        ]

    return Item(60.0, 16.0, draw)


def _row(items: list[Item]) -> Item:
    """Items left to right; a window is sketched from each map to the next."""
    width = sum(i.width for i in items) + GAP * max(len(items) - 1, 0)
    height = max((i.height for i in items), default=0.0)

    def draw(x: float, y: float) -> list[str]:
        out: list[str] = []
        faces: list[tuple[float, float, float, float] | None] = []
        cursor = x
        for item in items:
            out += item.draw(cursor, y)
            faces.append(item.face(cursor, y) if item.face else None)
            cursor += item.width + GAP
        for i in range(1, len(items)):
            before, face, item = faces[i - 1], faces[i], items[i]
            if before is not None and face is not None and item.kernel:
                out += _window(before, face, item.kernel, item.spatial)
        return out

    return Item(width, height, draw)


def _window(
    source: tuple[float, float, float, float],
    target: tuple[float, float, float, float],
    kernel: tuple[int, ...],
    spatial: tuple[int, ...],
) -> list[str]:
    """A small square on the map read, lines converging on the map written."""
    sx, sy, sw, sh = source
    kh = kernel[-2] if len(kernel) > 1 else 1
    kw = kernel[-1]
    h_in = spatial[-2] if len(spatial) > 1 else 1
    w_in = spatial[-1] if spatial else 1
    w = max(sw * kw / max(w_in, 1), 3.0)
    h = max(sh * kh / max(h_in, 1), 3.0) if len(spatial) > 1 else sh
    wx, wy = sx + sw - w - 2, sy + sh - h - 2
    tx, ty, tw, th = target
    px, py = tx + tw * 0.7, ty + th * 0.75
    return [
        f'<rect x="{wx:.1f}" y="{wy:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
        'stroke="#c0392b" stroke-width="1.2"/>',
        _line(wx, wy, px, py, 'stroke="#c0392b" stroke-width="0.6"'),
        _line(wx + w, wy + h, px, py, 'stroke="#c0392b" stroke-width="0.6"'),
    ]


def _boxed(paths: list[Item], tag: str, join: str) -> Item:
    """Paths one under the other in a dashed box, joined at the right."""
    inner_w = max(p.width for p in paths)
    inner_h = sum(p.height for p in paths) + 12.0 * (len(paths) - 1)
    width, height = inner_w + 24.0 + (18.0 if join else 0.0), inner_h + 30.0

    def draw(x: float, y: float) -> list[str]:
        top = y - height / 2
        out = [
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" rx="6" '
            'fill="#f7f9fc" stroke="#7f8c9a" stroke-dasharray="5 3"/>',
        ]
        if tag:
            out.append(_text(x + 6, top + 13, tag, fill="#555"))
        cursor = top + 20
        for path in paths:
            middle = cursor + path.height / 2
            out += path.draw(x + 12, middle)
            if join:
                out.append(
                    _line(x + 12 + path.width, middle, x + width - 12, y, 'stroke="#7f8c9a"')
                )
            cursor += path.height + 12
        if join:
            out.append(_text(x + width - 16, y + 4, join, 13))
        return out

    return Item(width, height, draw)


def _volume(
    shape: tuple[int, ...],
    labels: list[str],
    kernel: tuple[int, ...] | None,
    spatial: tuple[int, ...],
    indices: list[int],
) -> Item:
    """A feature map as a box (C×H×W, C×L) or a vector as a bar (N), grouped
    under the ``data-index`` of the layers it stands for (none for the input)."""
    if len(shape) == 1:
        fw, fh, d = 10.0, 14.0 + 9.0 * math.log2(max(shape[0], 1)), 0.0
    else:
        c, *rest = shape
        h = rest[-2] if len(rest) > 1 else 1
        w = rest[-1]
        fw, fh, d = _side(w), (_side(h) if len(rest) > 1 else 12.0), _depth(c)
    dx, dy = d * 0.7, d * 0.5
    shown = (printable(label) for label in labels)  # escaped before it is measured
    labels = [label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…" for label in shown]
    text_w = max(len(s) for s in [shape_text(shape), *labels]) * 6.0
    width = max(fw + dx, text_w)
    height = fh + dy + LABEL + 12 * max(len(labels) - 1, 0)

    def face(x: float, y: float) -> tuple[float, float, float, float]:
        left = x + (width - fw - dx) / 2
        top = y - (fh + dy + LABEL) / 2 + dy
        return left, top, fw, fh

    def draw(x: float, y: float) -> list[str]:
        left, top, _, _ = face(x, y)
        out = [f'<g data-index="{" ".join(map(str, sorted(indices)))}">'] if indices else []
        if d:
            out += [
                f'<polygon points="{left:.1f},{top:.1f} {left + dx:.1f},{top - dy:.1f} '
                f'{left + fw + dx:.1f},{top - dy:.1f} {left + fw:.1f},{top:.1f}" '
                'fill="#d6e4f0" stroke="#34495e"/>',
                f'<polygon points="{left + fw:.1f},{top:.1f} {left + fw + dx:.1f},{top - dy:.1f} '
                f'{left + fw + dx:.1f},{top + fh - dy:.1f} {left + fw:.1f},{top + fh:.1f}" '
                'fill="#a9c4dc" stroke="#34495e"/>',
            ]
        fill = "#eaf1f8" if d else "#f3d9a4"
        out.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{fw:.1f}" height="{fh:.1f}" '
            f'fill="{fill}" stroke="#34495e"/>'
        )
        text_y = top + fh + 14
        mid = x + width / 2
        middle = ' text-anchor="middle"'
        out.append(_text(mid, text_y, shape_text(shape), extra=middle + ' font-weight="bold"'))
        for i, label in enumerate(labels):
            out.append(_text(mid, text_y + 13 * (i + 1), label, extra=middle))
        if indices:
            out.append("</g>")
        return out

    return Item(width, height, draw, face, kernel, spatial)
