"""``--html``: one self-contained page to look at, and the notebook's view of a report.

The page holds, inline (no network, no font, no CDN):

* the diagram of :mod:`cnncalc.render.svg` (each layer's volume carries the
  ``data-index`` of the layers it stands for);
* two ``<script type="application/json">`` blocks: ``cnncalc-report`` is the
  JSON document of ``--json`` as it is, ``cnncalc-page`` what only the page
  needs (the block tree for folding, each layer's ``--explain`` lines and the
  geometry of its window along the last axis, stored once per distinct layer
  and pointed at by index, so a repeated block adds a number per layer);
* the script (:mod:`cnncalc.render.page`) that builds the table, the selection,
  the arithmetic, the sliding-window picture, the comparison and the plots from
  that data. It shows every piece of user text through ``textContent``.

Names are user text. Inside the JSON blocks every ``<``, ``>`` and ``&`` is
written as a ``\\u`` escape (a name holding ``</script>`` or ``<!--`` cannot end
or bend the block: the HTML parser sees no tag, JSON.parse the same string);
the diagram escapes its text as XML; and a Content-Security-Policy lets only the
page's own script run (by its hash) and nothing load from anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cnncalc.escape import json_text, printable, xml_text
from cnncalc.kinds import KINDS, axis_names
from cnncalc.memory import Memory, estimate
from cnncalc.render import json as document
from cnncalc.render import page, svg
from cnncalc.report import BlockReport, LayerReport, Report, Row


def script_json(text: str) -> str:
    """A JSON document made safe inside ``<script type="application/json">``:
    ``<``, ``>`` and ``&`` only occur inside JSON strings, where ``\\u003c`` is
    the same character to JSON.parse and no markup to the HTML parser."""
    # chained replaces: str.translate with a table is ten times slower on a page's JSON
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render(report: Report, memory: Memory | None = None) -> str:
    """The whole page: ``<!doctype html>`` to ``</html>``."""
    memory = memory or estimate(report)
    report_json = script_json(document.render(report, memory))
    page_json = script_json(
        json_text(json.dumps(page_data(report), ensure_ascii=False, separators=(",", ":")))
    )
    digest = base64.b64encode(hashlib.sha256(page.script().encode("utf-8")).digest()).decode()
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'"
    )
    title = xml_text(f"{report.name} — cnncalc")
    return "".join(
        [
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{title}</title>\n<style>{page.style()}</style>\n</head>\n<body>\n",
            page.top(),
            svg.render(report),
            page.bottom(),
            f'<script type="application/json" id="cnncalc-report">{report_json}</script>\n',
            f'<script type="application/json" id="cnncalc-page">{page_json}</script>\n',
            f"<script>{page.script()}</script>\n</body>\n</html>\n",
        ]
    )


def notebook(report: Report, height: int = 860, memory: Memory | None = None) -> str:
    """Jupyter's view (``Report._repr_html_``, ``Summary._repr_html_`` with its
    ``memory``): the page in a sandboxed frame that may run its own script and
    nothing else (no access to the notebook)."""
    from html import escape

    page = escape(render(report, memory), quote=True)
    return (
        f'<iframe sandbox="allow-scripts" style="width:100%;height:{height}px;border:0" '
        f'title="{escape(report.name)}" srcdoc="{page}"></iframe>'
    )


def page_data(report: Report) -> dict[str, Any]:
    """What the page needs beyond the JSON document: the block tree, and for each
    layer (``note``, by position in ``layers``) an index into ``notes``, the
    distinct (explain lines, window) pairs."""
    notes: list[dict[str, Any]] = []
    seen: dict[Any, int] = {}
    note: list[int] = []
    for layer in report.layers:
        key = (layer.layer, layer.input_shape, layer.output_shape, layer.costs, layer.compare)
        found = seen.get(key)
        if found is None:
            found = seen[key] = len(notes)
            notes.append({"explain": explain_lines(layer), "window": window(layer)})
        note.append(found)
    return {
        "description": report.description,
        "tree": tree(report.tree),
        "notes": notes,
        "note": note,
    }


def explain_lines(layer: LayerReport) -> list[str]:
    """The layer's ``--explain`` lines, as its kind writes them."""
    if layer.layer is None:
        return []
    return [printable(line) for line in KINDS[layer.kind].explain(layer)]


def tree(rows: tuple[Row, ...]) -> list[Any]:
    """The report's block tree: a layer as its index, a block as an object whose
    ``parts`` are trees."""
    out: list[Any] = []
    for row in rows:
        if isinstance(row, LayerReport):
            out.append(row.index)
            continue
        block: BlockReport = row
        out.append(
            {
                "kind": block.kind,
                "label": block.label,
                "name": block.name,
                "depth": block.depth,
                "count": block.count,
                "layers": block.layers,
                "input_shape": list(block.input_shape),
                "output_shape": list(block.output_shape),
                "params": block.costs.params,
                "macs": block.costs.macs,
                "parts": [tree(part) for part in block.parts],
            }
        )
    return out


def window(layer: LayerReport) -> dict[str, Any] | None:
    """How the layer's window slides along its input's last axis: input size
    ``n``, kernel ``k``, stride ``s``, dilation ``d``, padding ``pl``/``pr``,
    output size ``out``, ``ceil`` mode. A transposed convolution is drawn as the
    direct convolution it equals (Dumoulin & Visin, 2016, §4): ``s − 1`` zeros
    inserted between inputs (``zeros``), padded by D·(F−1) − P (plus the output
    padding on the right), at stride 1. None for a layer without a window."""
    kind = KINDS[layer.kind]
    spec = layer.layer
    if not kind.windowed or spec is None or spec.kernel is None or len(layer.input_shape) < 2:
        return None
    from cnncalc import arith
    from cnncalc.kinds.window import expand, geometry

    spatial = layer.input_shape[1:]
    kernel, stride, dilation, pads = geometry(spec, spatial)
    n, k, s, d = spatial[-1], kernel[-1], stride[-1], dilation[-1]
    pl, pr = pads[-1]
    zeros = 0
    if "output_padding" in kind.options:  # transposed: the direct convolution it equals
        if spec.padding == "same":
            p, extra = arith.same_transposed_padding(k, s, d)
        else:
            p = expand(spec.padding if isinstance(spec.padding, tuple) else None, 1, 0, "")[-1]
            extra = (spec.output_padding or (0,))[-1]
        reach = arith.effective(k, d) - 1
        if p > reach:  # it crops more than the kernel adds: no direct picture
            return None
        zeros, n, s = s - 1, (n - 1) * s + 1, 1
        pl, pr = reach - p, reach - p + extra
    return {
        "axis": axis_names(len(spatial))[-1],
        "n": n,
        "k": k,
        "s": s,
        "d": d,
        "pl": pl,
        "pr": pr,
        "out": layer.output_shape[-1],
        "ceil": bool(spec.ceil),
        "zeros": zeros,
    }
