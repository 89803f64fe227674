"""The table on a terminal of any width from 60 columns: no line wider than the
terminal, and every figure of every column it does not say it hid appears
whole (no cut digits, no split shape); then the options that choose columns,
and the block rows."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from cnncalc import parse, sources
from cnncalc.cli import cli
from cnncalc.engine import analyze
from cnncalc.memory import estimate
from cnncalc.render import Options, render
from cnncalc.render import table as table_module
from cnncalc.render.columns import columns, number

PRESETS = ("lenet5", "slides", "vgg16", "resnet50", "googlenet", "mobilenet_v2", "alexnet")
WIDTHS = (60, 61, 67, 72, 80, 88, 95, 100, 111, 120, 133, 147, 160, 181, 200)
HIDDEN = re.compile(r"not shown at \d+ columns: ([a-z_,\s]+);\s+try")


def terminal(spec: str, width: int, compare: bool, depth: int | None = None) -> str:
    report = analyze(sources.load(spec))
    cols = columns(compare)
    return table_module.render(
        report, cols, depth, True, estimate(report), width=width, color=False
    )


def whole(text: str, figure: str) -> bool:
    """``figure`` appears in ``text`` with no digit, comma or × glued to it."""
    return re.search(rf"(?<![\d,×.]){re.escape(figure)}(?![\d,×])", text) is not None


@pytest.mark.parametrize("spec", PRESETS)
def test_every_visible_figure_whole_at_every_width(spec: str) -> None:
    report = analyze(sources.load(spec))
    doc = json.loads(render(report, "json"))
    for width in WIDTHS:
        text = terminal(spec, width, compare=True)
        assert max(len(line) for line in text.splitlines()) <= width, (spec, width)
        found = HIDDEN.search(text)
        hidden = set(re.split(r"[,\s]+", found.group(1).strip())) if found else set()
        for layer in doc["layers"]:
            figures = [layer["output_shape"]]
            if "params" not in hidden:
                figures.append(number(layer["params"]))
            if "macs" not in hidden:
                figures.append(number(layer["macs"]))
            if layer["compare"] and "dense_weights" not in hidden:  # shown or folded
                figures += [number(layer["compare"][k]["weights"]) for k in ("dense", "local")]
                figures.append(number(layer["compare"]["shared"]["weights"]))
            for figure in figures:
                if isinstance(figure, list):
                    figure = "×".join(str(d) for d in figure)
                assert whole(text, figure), (spec, width, layer["index"], figure)
        assert whole(text, number(doc["total"]["params"]))


def test_shedding_order_and_note() -> None:
    # slides --compare: the bars go first (80 columns), then the comparison
    # columns, folded under their layer at 80, then dropped at 60 with the note.
    wide = terminal("slides", 200, compare=True)
    assert "not shown" not in wide and "MACs share" in wide and "dense weights" in wide
    at80 = terminal("slides", 80, compare=True)
    assert "not shown at 80 columns: params_share, macs_share; try --wide or --columns" in at80
    assert "dense 160,000,000,000" in at80  # 200·200 inputs · 100·200·200 outputs = 1.6e11
    assert "dense weights" not in at80
    at60 = terminal("slides", 60, compare=True)
    assert "dense_weights, local_weights, shared_weights" in at60
    assert "160,000,000,000" not in at60


def test_piped_and_wide_tables_keep_every_column() -> None:
    report = analyze(sources.load("lenet5"))
    piped = render(report, "table", Options())
    wide = table_module.render(report, columns(), None, True, width=60, wide=True, color=False)
    for text in (piped, wide):
        assert "not shown" not in text
        assert "params share" in text and "MACs share" in text
        assert max(len(line) for line in text.splitlines()) > 100


def test_columns_option() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["lenet5", "--columns", "layer,params"])
    assert result.exit_code == 0
    head = result.output.splitlines()[2]
    assert "layer" in head and "params" in head and "MACs" not in head and "share" not in head
    result = runner.invoke(cli, ["lenet5", "--columns", "macs,layer", "--format", "csv"])
    assert result.output.splitlines()[:2] == ["macs,layer", "117600,conv 6x5x5"]
    # 6 filters · 28·28 positions · 25 taps = 117,600 MACs
    result = runner.invoke(cli, ["lenet5", "--columns", "layer,flops"])
    assert result.exit_code == 2
    assert "unknown column 'flops'" in result.output and "receptive_field" in result.output
    result = runner.invoke(cli, ["lenet5", "--columns", "params_share", "--format", "csv"])
    assert result.exit_code == 2 and "table only" in result.output
    result = runner.invoke(cli, ["lenet5", "--wide", "--json"])
    assert result.exit_code == 2 and "--wide" in result.output


def test_block_rows_are_labelled() -> None:
    spec = "[conv 8x3x3 p1 | relu]*2 | res[conv 8x3x3 p1 | bn] | cat[ ; conv 4x1x1] | [[relu]*2]*3"
    report = analyze(parse(spec), (8, 8, 8))
    text = table_module.render(report, columns(), None, True, width=200, color=False)
    rows = [line.split("│")[2].rstrip() for line in text.splitlines() if line.count("│") > 3]
    assert rows[0] == " input"
    assert " [conv 8x3x3 p1 | relu] ×2" in rows
    assert " residual" in rows and "   body" in rows and "   shortcut: identity" in rows
    assert " concat" in rows and "   branch 1: identity" in rows and "   branch 2" in rows
    assert " [relu ×2] ×3" in rows
    # one subtotal per level: conv 8x3x3 on 8 channels: 8·9·8 + 8 = 584, bn 16;
    # the residual's 600 once, not again on its body (the whole of it)
    assert len(re.findall(r"│\s+600 │", text)) == 1
    # the identity branch shows the block's input shape, 8×8×8; the concat 12×8×8
    assert "branch 1: identity" in text and "12×8×8" in text


def test_rf_on_stage_rows() -> None:
    report = analyze(sources.load("resnet18"))
    text = table_module.render(report, columns(rf=True), 1, True, width=200, color=False)
    layer1 = next(line for line in text.splitlines() if "layer1" in line)
    # conv 7 s2 → 7; pool 3 s2 → 7 + 2·2 = 11, jump 4; four 3x3 convs at jump 4 → 11 + 4·2·4 = 43
    assert "43×43" in layer1
