"""``--svg``: an architecture diagram in the style of the LeNet-5 figure.

Each feature map is drawn as a volume: its face is H×W, its depth the channel
count, all log-scaled so a 224×224×3 input and a 7×7×2048 map both read well.
A convolution's window is sketched on the map it reads; vectors (fully
connected outputs) are bars; residual, concat, gate (⊗), split, crop-concat and
side-output blocks are boxes holding their paths one under the other, forked
from the block's input at the left and joined at the right; a repeat is drawn
once and marked ×N (an unnamed group of one is not boxed). Layers that keep the
shape and the rank (activations, batch norm, dropout) join the label of the map
before them; every other layer is a map of its own, in order. Labels wrap at
word boundaries; only a single word longer than a line (a connection table) is
cut, marked "…".

Layouts: ``strip`` draws everything in one row (the LeNet-5 figure); ``rows``
wraps the network into rows, and rows inside boxes too, choosing the row width
that brings the whole picture closest to a slide (between 4:3 and 16:9);
``auto`` (the default) keeps the strip when it is at most ``STRIP_MAX`` wide and
wraps otherwise. A line leads from the end of one row to the start of the next.

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
from dataclasses import dataclass, field, replace

from cnncalc.constructs import of
from cnncalc.escape import printable, xml_text
from cnncalc.kinds import KINDS
from cnncalc.render.columns import shape_text
from cnncalc.report import BlockReport, LayerReport, Report, Row

GAP = 34.0
ROW_GAP = 30.0  # between wrapped rows
PAD = 12.0  # inside a box
FORK = 16.0  # a box's left margin where its input forks to the paths
JOIN = 30.0  # a box's right margin where the paths meet
MAX_LABEL = 24  # characters on a line; a longer word (a connection table) is cut short
MARGIN = 20.0
TOP = 44.0  # the title's band
FONT = 'font-family="sans-serif"'
LINE = 'stroke="#7f8c9a"'
ANCHOR = ' text-anchor="middle"'
LAYOUTS = ("auto", "rows", "strip")
STRIP_MAX = 1600.0
"""``auto``: a strip up to this wide (LeNet-5's 1032) stays one row."""
SLIDE = (4 / 3, 16 / 9)
"""The aspect ratios ``rows`` aims between (width / height)."""


def _line(x1: float, y1: float, x2: float, y2: float, style: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style}/>'


def _path(points: Sequence[tuple[float, float]], style: str = LINE) -> str:
    joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline points="{joined}" fill="none" {style}/>'


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


Face = tuple[float, float, float, float]


@dataclass
class Item:
    """Something laid out: its size around its middle line, and how to draw it
    with its left edge at x and its middle line at y. ``inp`` and ``out`` are
    where a line comes in and leaves, relative to (x, y)."""

    width: float
    above: float
    below: float
    draw: Callable[[float, float], list[str]]
    face: Callable[[float, float], Face] | None = None
    kernel: tuple[int, ...] | None = None
    spatial: tuple[int, ...] = ()
    inp: tuple[float, float] = (0.0, 0.0)
    out: tuple[float, float] | None = None  # None: (width, 0)
    identity: bool = False

    @property
    def height(self) -> float:
        return self.above + self.below

    @property
    def exit(self) -> tuple[float, float]:
        return self.out if self.out is not None else (self.width, 0.0)


@dataclass
class Flow:
    """Nodes one after the other, boxed under ``tag`` unless it is None."""

    nodes: list[Node]
    tag: str | None = None
    marks: list[tuple[int, str]] = field(default_factory=list)
    links: _Links | None = None


@dataclass
class Fork:
    """A block's paths, forked from its input and joined by ``join``; the
    shape-keeping layers right after the block (a residual's relu) are written
    under the join, standing for ``indices``."""

    paths: list[Node]
    tag: str
    join: str
    after: list[str] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    shape: tuple[int, ...] = ()
    """The shape after the block, written in bold over ``after``."""
    marks: list[tuple[int, str]] = field(default_factory=list)
    links: _Links | None = None


Node = Item | Flow | Fork


def render(report: Report, layout: str = "auto") -> str:
    links = _Links()
    input_map = _volume(report.input_shape, ["input"], [], None, (), [])
    top = Flow([input_map, *_sequence(report.tree, (), links)])
    body = _choose(top, layout, len(report.layers))
    title = f"{report.name}: {report.total.params:,} parameters, {report.total.macs:,} MACs"
    width = max(body.width + 2 * MARGIN, len(title) * 7.5 + 2 * MARGIN)
    room = ARC_ROOM if links.used else 0.0  # arcs of names rise above the maps
    height = body.height + MARGIN + TOP + room
    drawn = body.draw(MARGIN, TOP + room + body.above)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">',
        f"<title>{xml_text(report.name)}</title>",
        '<rect width="100%" height="100%" fill="#fff"/>',
        _text(MARGIN, 22, title, 13, extra=' font-weight="bold"'),
        *drawn,
        *links.arcs(),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


ARC_ROOM = 40.0
"""Room above the picture for the arcs from named maps to the layers that read them."""
ARC = 'fill="none" stroke="#d35400" stroke-width="1.2" stroke-dasharray="5 3"'


class _Links:
    """Where each named map was drawn and where each layer that reads names
    (``add p5``, ``from c4``) was, filled in as the picture is drawn; then an arc
    from each named map to each of its readers, labelled with the name. Names are
    keyed by the list they belong to (``scope``), as the engine scopes them."""

    def __init__(self) -> None:
        self.scopes = 0
        self.at: dict[tuple[int, str], tuple[float, float]] = {}
        self.reads: list[tuple[tuple[int, str], tuple[float, float]]] = []
        self.used = False

    def scope(self) -> int:
        self.scopes += 1
        return self.scopes

    def track(
        self, item: Item, marks: list[tuple[int, str]], reads: Sequence[tuple[int, str]] = ()
    ) -> Item:
        """``item``, noting its top centre as it is drawn: under each of ``marks``,
        and as a reader of each of ``reads``."""
        if not marks and not reads:
            return item
        inner = item.draw
        centre = (item.inp[0] + item.exit[0]) / 2

        def draw(x: float, y: float) -> list[str]:
            point = (x + centre, y - item.above)
            for key in marks:
                self.at[key] = point
            self.reads += [(key, point) for key in reads]
            return inner(x, y)

        return replace(item, draw=draw)

    def arcs(self) -> list[str]:
        out = []
        for key, (bx, by) in self.reads:
            start = self.at.get(key)
            if start is None:
                continue
            ax, ay = start
            peak = min(ay, by) - min(ARC_ROOM - 6.0, 14.0 + 0.08 * abs(bx - ax))
            out.append(
                f'<path d="M{ax:.1f},{ay:.1f} C{ax:.1f},{peak:.1f} {bx:.1f},{peak:.1f} '
                f'{bx:.1f},{by:.1f}" {ARC}/>'
            )
            out.append(
                f'<polygon points="{bx:.1f},{by:.1f} {bx - 3:.1f},{by - 6:.1f} '
                f'{bx + 3:.1f},{by - 6:.1f}" fill="#d35400"/>'
            )
            label = _wrap(key[1])[0]
            out.append(
                _text(
                    (ax + bx) / 2,
                    peak + 0.25 * (min(ay, by) - peak) - 3,
                    label,
                    10,
                    "#d35400",
                    ANCHOR,
                )
            )
        return out


TRIED_LAYERS = 120_000
"""How many layers the search for a slide's wrapping lays out at most, all tries
together: 48 widths tried up to 2,500 layers, fewer above (at least 8), so
a picture of 10,000 layers is drawn within the time of a smaller one."""


def _choose(top: Flow, layout: str, layers: int) -> Item:
    """The strip, or the wrapping whose picture comes closest to a slide."""
    strip = _lay(top, math.inf)
    if layout == "strip" or (layout == "auto" and strip.width <= STRIP_MAX):
        return strip
    low, high = math.log(SLIDE[0]), math.log(SLIDE[1])
    best: tuple[tuple[float, float], Item] | None = None
    steps = max(8, min(48, TRIED_LAYERS // max(layers, 1)))
    for step in range(steps + 1):
        limit = 240.0 * (max(strip.width, 241.0) / 240.0) ** (step / steps)
        item = _lay(top, limit)
        ratio = math.log((item.width + 2 * MARGIN) / (item.height + MARGIN + TOP))
        key = (max(low - ratio, ratio - high, 0.0), abs(ratio - high))
        if best is None or key < best[0]:
            best = (key, item)
    assert best is not None
    return best[1]


def _sequence(
    rows: tuple[Row, ...], twins: Sequence[tuple[Row, ...]] = (), links: _Links | None = None
) -> list[Node]:
    """Nodes for a sequence; shape-keeping layers join the label before them.
    ``twins``: the same sequence in repetitions that are not drawn, whose layers
    the nodes stand for too. Named maps and the layers that read them are noted
    in ``links`` (arcs between them), keyed by this list."""
    links = links or _Links()
    scope = links.scope()
    keys: dict[str, tuple[int, str]] = {}  # each name's newest item; given again, a new key
    pending: list[Node | _Map] = []
    for position, row in enumerate(rows):
        alike = [twin[position] for twin in twins if position < len(twin)]
        refs = row.layer.ref if isinstance(row, LayerReport) and row.layer else None
        reads = [keys.get(name, (scope, name)) for name in refs or ()]
        mark = []
        if row.name is not None:
            keys[row.name] = (links.scope() if row.name in keys else scope, row.name)
            mark = [keys[row.name]]
        if isinstance(row, BlockReport):
            nodes = _block(row, [b for b in alike if isinstance(b, BlockReport)], links)
            if mark and nodes and not isinstance(nodes[-1], Item):
                nodes[-1].marks += mark
                nodes[-1].links = links
            pending += nodes
            continue
        indices = [row.index, *(t.index for t in alike if isinstance(t, LayerReport))]
        kind = KINDS[row.kind]
        keeps = row.output_shape == row.input_shape and not kind.windowed and not kind.sets_rank
        keeps = keeps and kind.join is None  # a layer that reads a named map is a map of its own
        target = pending[-1] if pending else None
        if keeps and (isinstance(target, _Map) or (isinstance(target, Fork) and target.join)):
            if isinstance(target, _Map):
                target.keepers.append(f"{row.name}: {row.spec}" if row.name else row.spec)
            else:
                target.after.append(row.spec)
                target.shape = row.output_shape
            target.indices += indices
            target.marks += mark
            if isinstance(target, Fork):
                target.links = links
            continue
        kernel = row.layer.kernel if row.layer and kind.windowed else None
        label = f"{row.name}: {row.spec}" if row.name else row.spec
        links.used = links.used or bool(reads)
        step = _Map(row.output_shape, label, kernel, row.input_shape[1:], indices, marks=mark)
        step.reads = reads
        pending.append(step)
    return [links.track(p.item(), p.marks, p.reads) if isinstance(p, _Map) else p for p in pending]


@dataclass
class _Map:
    """A volume still collecting the labels of the shape-keeping layers after it."""

    shape: tuple[int, ...]
    label: str
    kernel: tuple[int, ...] | None
    spatial: tuple[int, ...]
    indices: list[int]
    keepers: list[str] = field(default_factory=list)
    marks: list[tuple[int, str]] = field(default_factory=list)
    reads: list[tuple[int, str]] = field(default_factory=list)

    def item(self) -> Item:
        return _volume(
            self.shape, [self.label], self.keepers, self.kernel, self.spatial, self.indices
        )


def _block(block: BlockReport, alike: list[BlockReport], links: _Links) -> list[Node]:
    """``alike``: the same block in repetitions that are not drawn. An unnamed
    group of one (no tag to show) is not boxed: its nodes join the sequence."""
    construct = of(block.kind)
    if construct.serial:  # later repetitions: same shapes, drawn once
        twins = [*block.parts[1:], *(part for twin in alike for part in twin.parts)]
        first = _sequence(block.parts[0], twins, links) if block.parts else []
        words = [block.name or ""]
        if construct.repeats and block.count != 1:
            words.append(f"×{block.count}")
        if block.shared:
            words.append("shared")
        tag = " ".join(w for w in words if w)
        if len(first) == 1 and isinstance(first[0], Fork) and tag:  # one box, not two
            inner = first[0]
            return [
                Fork(
                    inner.paths,
                    f"{tag} ({inner.tag})",
                    inner.join,
                    inner.after,
                    inner.indices,
                    inner.shape,
                    inner.marks,
                )
            ]
        return [Flow(first, tag)] if tag else first
    paths: list[Node] = [
        Flow(_sequence(part, [b.parts[j] for b in alike if j < len(b.parts)], links))
        if part
        else _identity()
        for j, part in enumerate(block.parts)
    ]
    if construct.identity_at is not None and len(paths) == 1:  # x + body(x), x · gate(x)
        paths.insert(construct.identity_at, _identity())
    tag, join = construct.sign
    return [Fork(paths, block.name or tag, join)]


SAME_SHAPE = ("⊕", "⊗")
"""Joins whose output has the shape of the paths' last maps, drawn just before."""


def _lay(node: Node, limit: float) -> Item:
    """``node`` laid out in rows no wider than ``limit`` where it can be."""
    if isinstance(node, Item):
        return node
    item = _lay_block(node, limit)
    return node.links.track(item, node.marks) if node.links and node.marks else item


def _lay_block(node: Flow | Fork, limit: float) -> Item:
    if isinstance(node, Flow):
        if node.tag is None:
            return _flow(node.nodes, limit)
        return _boxed([_flow(node.nodes, limit - 2 * PAD)], node.tag, "", False)
    after = _wrap(", ".join(node.after)) if node.after else []
    if after and node.join not in SAME_SHAPE:  # a concatenation's shape is news
        after.insert(0, shape_text(node.shape))
    right = max([JOIN, *(len(line) * 8.0 + 16.0 for line in after)])
    inner = limit - PAD - FORK - right
    paths = [_lay(p, inner) for p in node.paths]
    return _boxed(paths, node.tag, node.join, True, (after, node.indices, right))


def _identity() -> Item:
    def draw(x: float, y: float) -> list[str]:
        return [
            f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 60:.1f}" y2="{y:.1f}" stroke="#888" '
            'stroke-dasharray="4 3"/>',
            _text(x + 4, y - 4, "identity", fill="#666"),
        ]

    return Item(60.0, 14.0, 4.0, draw, identity=True)


def _flow(nodes: list[Node], limit: float) -> Item:
    """Nodes in rows no wider than ``limit`` (each row at least one item), a line
    leading from the end of each row to the start of the next. A box goes on in
    the room left on a row when it needs at most 1.6 times the height it needs
    on a row of its own."""
    rows: list[list[Item]] = [[]]
    used = 0.0
    for node in nodes:
        item = _lay(node, limit)
        if rows[-1] and used + GAP + item.width > limit:
            room = limit - used - GAP
            narrow = _lay(node, room) if not isinstance(node, Item) and room > 0 else None
            if narrow is not None and narrow.width <= room and narrow.height <= item.height * 1.6:
                item = narrow
            else:
                rows.append([])
        used = (used + GAP if rows[-1] else 0.0) + item.width
        rows[-1].append(item)
    lines = [_row(row) for row in rows]
    if len(lines) == 1:
        return lines[0]
    width = max(line.width for line in lines)
    height = sum(line.height for line in lines) + ROW_GAP * (len(lines) - 1)
    middles, cursor = [], -height / 2
    for line in lines:
        middles.append(cursor + line.above)
        cursor += line.height + ROW_GAP

    def draw(x: float, y: float) -> list[str]:
        out: list[str] = []
        for i in range(1, len(lines)):
            before, after = lines[i - 1], lines[i]
            ox, oy = x + before.exit[0], y + middles[i - 1] + before.exit[1]
            ix, iy = x + after.inp[0], y + middles[i] + after.inp[1]
            gap_y = y + middles[i - 1] + before.below + ROW_GAP / 2
            turn = max(ox + 8, x + width + 6)
            out.append(_path([(ox, oy), (turn, oy), (turn, gap_y), (x - 8, gap_y), (x - 8, iy)]))
            out.append(_path([(x - 8, iy), (ix, iy)]))
            out.append(_arrow(ix, iy))
        for line, middle in zip(lines, middles, strict=True):
            out += line.draw(x, y + middle)
        return out

    first, last = lines[0], lines[-1]
    return Item(
        width,
        height / 2,
        height / 2,
        draw,
        inp=(first.inp[0], middles[0] + first.inp[1]),
        out=(last.exit[0], middles[-1] + last.exit[1]),
    )


def _arrow(x: float, y: float) -> str:
    return (
        f'<polygon points="{x:.1f},{y:.1f} {x - 6:.1f},{y - 3:.1f} {x - 6:.1f},{y + 3:.1f}" '
        'fill="#7f8c9a"/>'
    )


def _connect(a: tuple[float, float], b: tuple[float, float]) -> str:
    """A line from an exit to an entry, stepping halfway when they differ in height."""
    (ax, ay), (bx, by) = a, b
    if abs(ay - by) < 0.05:
        return _line(ax, ay, bx, by, LINE)
    mid = (ax + bx) / 2
    return _path([(ax, ay), (mid, ay), (mid, by), (bx, by)])


def _row(items: list[Item]) -> Item:
    """Items left to right; a window is sketched from each map to the next, and a
    line joins each box to its neighbours."""
    width = sum(i.width for i in items) + GAP * max(len(items) - 1, 0)
    above = max((i.above for i in items), default=0.0)
    below = max((i.below for i in items), default=0.0)
    offsets, cursor = [], 0.0
    for item in items:
        offsets.append(cursor)
        cursor += item.width + GAP

    def draw(x: float, y: float) -> list[str]:
        out: list[str] = []
        faces: list[Face | None] = [
            item.face(x + o, y) if item.face else None
            for item, o in zip(items, offsets, strict=True)
        ]
        for i in range(1, len(items)):
            if faces[i - 1] is None or faces[i] is None:  # a box or an identity: a line
                before, after = items[i - 1], items[i]
                ex, ey = before.exit
                out.append(
                    _connect(
                        (x + offsets[i - 1] + ex, y + ey),
                        (x + offsets[i] + after.inp[0], y + after.inp[1]),
                    )
                )
        for item, o in zip(items, offsets, strict=True):
            out += item.draw(x + o, y)
        for i in range(1, len(items)):
            before_face, face, item = faces[i - 1], faces[i], items[i]
            if before_face is not None and face is not None and item.kernel:
                out += _window(before_face, face, item.kernel, item.spatial)
        return out

    first_in = items[0].inp if items else (0.0, 0.0)
    last_out = (offsets[-1] + items[-1].exit[0], items[-1].exit[1]) if items else None
    return Item(width, above, below, draw, inp=first_in, out=last_out)


def _window(
    source: Face, target: Face, kernel: tuple[int, ...], spatial: tuple[int, ...]
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


Joined = tuple[list[str], list[int], float]
"""The lines written under a join, the indices they stand for, the room they take."""


def _boxed(
    paths: list[Item], tag: str, join: str, fork: bool, joined: Joined = ([], [], JOIN)
) -> Item:
    """Paths one under the other in a dashed box. A fork's input divides at the
    left to every path and its paths meet at the right in ``join`` (a side
    output: only the identity goes on), with the layers after the block written
    under it; a group's one path runs through."""
    after, indices, room = joined
    left = PAD + (FORK if fork else 0.0)
    right = room if fork and join else PAD
    inner_w = max(p.width for p in paths)
    inner_h = sum(p.height for p in paths) + 12.0 * (len(paths) - 1)
    width, height = left + inner_w + right, inner_h + 30.0
    middles, cursor = [], -height / 2 + 20.0
    for path in paths:
        middles.append(cursor + path.above)
        cursor += path.height + 12.0
    if fork:
        inp, out = (0.0, 0.0), (width, 0.0)
        if not join:  # a side output: the identity goes on
            ids = [m for p, m in zip(paths, middles, strict=True) if p.identity] or [0.0]
            out = (width, ids[0])
    else:
        inp = (0.0, middles[0] + paths[0].inp[1])
        out = (width, middles[0] + paths[0].exit[1])

    def draw(x: float, y: float) -> list[str]:
        top = y - height / 2
        out_lines = [
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" rx="6" '
            'fill="#f7f9fc" stroke="#7f8c9a" stroke-dasharray="5 3"/>',
        ]
        if tag:
            out_lines.append(_text(x + 6, top + 13, tag, fill="#555"))
        starts = [
            (x + left + p.inp[0], y + m + p.inp[1]) for p, m in zip(paths, middles, strict=True)
        ]
        ends = [
            (x + left + p.exit[0], y + m + p.exit[1]) for p, m in zip(paths, middles, strict=True)
        ]
        tail: list[str] = []
        if not fork:
            out_lines.append(_connect((x, y + inp[1]), starts[0]))
            out_lines.append(_connect(ends[0], (x + width, y + out[1])))
        else:
            bus = x + PAD
            ys = [sy for _, sy in starts] + [y]
            out_lines.append(_line(x, y, bus, y, LINE))
            out_lines.append(_line(bus, min(ys), bus, max(ys), LINE))
            out_lines += [_line(bus, sy, sx, sy, LINE) for sx, sy in starts]
            if join:
                meet = x + left + inner_w + 8
                ys = [ey for _, ey in ends] + [y]
                out_lines += [_line(ex, ey, meet, ey, LINE) for ex, ey in ends]
                out_lines.append(_line(meet, min(ys), meet, max(ys), LINE))
                out_lines.append(_line(meet + 15, y, x + width, y, LINE))
                if indices:  # after the paths, in the order of the layers
                    tail.append(f'<g data-index="{" ".join(map(str, sorted(indices)))}">')
                tail.append(_text(meet + 3, y + 4, join, 13))
                centre = (meet + x + width) / 2
                shaped = join not in SAME_SHAPE
                for i, line in enumerate(after):  # a new shape in bold, then the layers
                    bold = ANCHOR + (' font-weight="bold"' if i == 0 and shaped else "")
                    tail.append(_text(centre, y + 18 + 13 * i, line, extra=bold))
                if indices:
                    tail.append("</g>")
            else:
                for path, (ex, ey) in zip(paths, ends, strict=True):
                    if path.identity:
                        out_lines.append(_line(ex, ey, x + width, ey, LINE))
        for path, middle in zip(paths, middles, strict=True):
            out_lines += path.draw(x + left, y + middle)
        return out_lines + tail

    return Item(width, height / 2, height / 2, draw, inp=inp, out=out)


def _wrap(text: str) -> list[str]:
    """``text`` in lines of at most MAX_LABEL characters, broken between words; a
    word longer than a line is cut short, marked "…"."""
    lines: list[str] = []
    for word in printable(text).split(" "):  # escaped before it is measured
        if len(word) > MAX_LABEL:
            word = word[: MAX_LABEL - 1] + "…"
        if lines and len(lines[-1]) + 1 + len(word) <= MAX_LABEL:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _volume(
    shape: tuple[int, ...],
    labels: list[str],
    keepers: list[str],
    kernel: tuple[int, ...] | None,
    spatial: tuple[int, ...],
    indices: list[int],
) -> Item:
    """A feature map as a box (C×H×W, C×L) or a vector as a bar (N), grouped
    under the ``data-index`` of the layers it stands for (none for the input).
    Under it: its shape, the layer that made it, then the shape-keeping layers
    after it, comma-separated."""
    if len(shape) == 1:
        fw, fh, d = 10.0, 14.0 + 9.0 * math.log2(max(shape[0], 1)), 0.0
    else:
        c, *rest = shape
        h = rest[-2] if len(rest) > 1 else 1
        w = rest[-1]
        fw, fh, d = _side(w), (_side(h) if len(rest) > 1 else 12.0), _depth(c)
    dx, dy = d * 0.7, d * 0.5
    lines = [line for label in labels for line in _wrap(label)]
    if keepers:
        lines += _wrap(", ".join(keepers))
    text_w = max(len(s) for s in [shape_text(shape), *lines]) * 6.0
    width = max(fw + dx, text_w)
    left_of_face = (width - fw - dx) / 2
    above = fh / 2 + dy
    below = fh / 2 + 18.0 + 13.0 * len(lines)

    def face(x: float, y: float) -> Face:
        return x + left_of_face, y - fh / 2, fw, fh

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
        for i, line in enumerate(lines):
            out.append(_text(mid, text_y + 13 * (i + 1), line, extra=middle))
        if indices:
            out.append("</g>")
        return out

    return Item(
        width,
        above,
        below,
        draw,
        face,
        kernel,
        spatial,
        inp=(left_of_face, 0.0),
        out=(left_of_face + fw + dx, 0.0),
    )
