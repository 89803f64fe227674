"""Issue 11, item 5: a name cannot drive the terminal, and the SVG stays XML.

A spec's names reach the table, ``--explain``, CSV/Markdown, JSON, the SVG and
error messages. Whatever they hold, no raw control character (C0, DEL, C1) and
no bidi formatting character reaches stdout or stderr; each is shown as an
escape (``\\x1b``, ``\\u202e``). What counts as unsafe is written out here from
Unicode's own categories, not taken from cnncalc.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import analyze, parse
from cnncalc.errors import Location, SpecError
from cnncalc.escape import printable, xml_text
from cnncalc.layer import Block, LayerSpec, Model, Node
from cnncalc.render import Options, render
from cnncalc.render import table as table_module

from conftest import invoke as run_cli

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own colours on a terminal, nothing else


def unsafe(text: str, allow: str = "\n") -> list[str]:
    """Characters that may drive a terminal or reorder what it shows: every
    Unicode control (category Cc: C0, DEL, C1) except ``allow``, every bidi
    formatting character, and lone surrogates."""
    return [
        c for c in text if (unicodedata.category(c) in ("Cc", "Cs") and c not in allow) or c in BIDI
    ]


# Each hostile name with the escaped form that must be shown instead.
HOSTILE = {
    "clear\x1b[2J\x1b[H": "clear\\x1b[2J\\x1b[H",
    "clip\x1b]52;c;SGVsbG8=\x07": "clip\\x1b]52;c;SGVsbG8=\\x07",
    "title\x1b]0;pwned\x1b\\": "title\\x1b]0;pwned\\x1b\\",
    "bidi\u202eevil\u2066x\u2069": "bidi\\u202eevil\\u2066x\\u2069",
    "nul\x00del\x7f": "nul\\x00del\\x7f",
    "csi\x9b2J": "csi\\x9b2J",
    "tab\tnew\nline\r": "tab\\tnew\\nline\\r",
}
NAMES = list(HOSTILE)


CORPUS = Path(__file__).parent / "corpus"
HOSTILE_YAML = CORPUS / "hostile-names.yaml"
"""The model, a layer, a residual, a repeat, a group and a layer in it named with
the names above (by PyYAML's escapes: a raw ESC is not allowed in a YAML file);
the description carries the clipboard write. Issue 11's reproducer."""


def test_the_reproducer_holds_the_hostile_names() -> None:
    doc = yaml.safe_load(HOSTILE_YAML.read_text(encoding="utf-8"))
    layers = doc["layers"]
    found = [
        doc["name"],
        doc["description"],
        layers[0]["conv"]["name"],
        layers[1]["residual"]["name"],
        layers[2]["repeat"]["name"],
        layers[3]["group"]["name"],
        layers[3]["group"]["layers"][0]["fc"]["name"],
    ]
    assert found == NAMES


def invoke(*args: str) -> tuple[int, str, str]:
    """As on a terminal: without color=True click.echo would strip ANSI sequences
    from stderr itself and hide an unescaped one."""
    return run_cli(*args, color=True)


def test_printable_escapes_controls_and_bidi_and_keeps_the_rest() -> None:
    for raw, shown in HOSTILE.items():
        assert printable(raw) == shown
    assert printable("conv 64x3x3 ×2 — 漢字 é") == "conv 64x3x3 ×2 — 漢字 é"
    assert printable("\u0085\u009f\u200e\u061c\u2028") == "\\x85\\x9f\\u200e\\u061c\\u2028"
    assert printable("\ud800") == "\\ud800"  # a lone surrogate could not even be written


def test_xml_text_escapes_markup_and_what_xml_forbids() -> None:
    assert xml_text("a]]><script>&\"'") == "a]]&gt;&lt;script&gt;&amp;&quot;&#39;"
    assert xml_text("\x00\x0c\ufffe\uffff") == "\\x00\\x0c\\ufffe\\uffff"


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_hostile_names_never_reach_stdout_raw(fmt: str) -> None:
    explain = ["--explain"] if fmt in ("table", "json") else []  # csv, markdown: an error
    code, out, err = invoke(str(HOSTILE_YAML), "--format", fmt, *explain)
    assert code == 0, err
    assert unsafe(out) == [] and unsafe(err) == []
    if fmt == "table":  # the table shows every name, --explain each layer
        for raw, shown in HOSTILE.items():
            assert shown in out or raw == NAMES[1]  # the description is not in the table
        assert "How each figure is computed" in out
    if fmt == "json":  # the JSON keeps the exact names, only written as escapes
        data = json.loads(out)
        assert data["name"] == NAMES[0]
        assert data["layers"][0]["name"] == NAMES[2]
        assert "\\u009b" in out and "\\u202e" in out


def test_a_long_network_laid_out_plainly_escapes_names_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(table_module, "RICH_MAX_ROWS", 2)
    code, out, _ = invoke(str(HOSTILE_YAML))
    assert code == 0
    assert "┃" not in out  # the plain layout, not Rich's
    assert unsafe(out) == []
    for raw, shown in HOSTILE.items():
        assert shown in out or raw == NAMES[1]


def test_svg_is_xml_whatever_the_names(tmp_path: Path) -> None:
    names = ["\x1b[2J", "\x01", "\x0c", "\x00", "\ufffe", "\uffff", "]]>", "<script>x</script>"]
    doc = {
        "name": "".join(names),
        "input": "1x8x8",
        "layers": [{"conv": {"filters": 2, "kernel": 3, "padding": 1, "name": n}} for n in names]
        + [{"group": {"name": n, "layers": ["relu"]}} for n in names],
    }
    spec = CORPUS / "svg-names.yaml"
    assert yaml.safe_load(spec.read_text(encoding="utf-8")) == doc
    svg = tmp_path / "net.svg"
    code, _, err = invoke(str(spec), "--svg", str(svg), "--json")
    assert code == 0, err
    text = svg.read_text(encoding="utf-8")
    root = ET.fromstring(text)  # raises on anything that is not well-formed XML
    assert not root.findall(".//{http://www.w3.org/2000/svg}script")
    shown = "".join(root.itertext())
    assert "\\x1b[2J" in shown and "<script>x</script>" in shown and "]]>" in shown
    assert "\\ufffe" in shown and "\\x00" in shown
    assert unsafe(text) == [] and "\ufffe" not in text


@pytest.mark.parametrize(
    ("spec", "echoed"),
    [
        ("conv 8x3x3 \x1b[2J", "conv 8x3x3 \\x1b[2J"),
        ("conv 8x3x3 | pol\x1b]52;c;QUFB\x07 2", "conv 8x3x3 | pol\\x1b]52;c;QUFB\\x07 2"),
        ("conv 8x3x3 | \u202epool 2", "conv 8x3x3 | \\u202epool 2"),
        ("conv\x9b2J 8x3x3", "conv\\x9b2J 8x3x3"),
    ],
)
def test_hostile_spec_strings_give_escaped_errors(spec: str, echoed: str) -> None:
    code, out, err = invoke(spec, "--input", "1x8x8")
    assert code == 2 and out == ""
    assert unsafe(err) == []
    assert err.startswith("error: ")
    assert f"  {echoed}\n" in err


def test_caret_lines_up_on_the_escaped_line(tmp_path: Path) -> None:
    """A bidi override earlier on the line takes six columns once escaped: the
    caret moves with it and still marks ``bogus``."""
    spec = tmp_path / "net.yaml"
    spec.write_text(
        "input: 1x8x8\nlayers:\n"
        '  - conv: {name: "\u202eab", filters: 8, kernel: 3, stride: bogus}\n',
        encoding="utf-8",
    )
    code, _, err = invoke(str(spec))
    assert code == 2
    assert unsafe(err) == []
    echoed, caret = err.splitlines()[-2:]
    assert echoed == '    - conv: {name: "\\u202eab", filters: 8, kernel: 3, stride: bogus}'
    column = caret.index("^")
    assert echoed[column : column + caret.count("^")] == "bogus"


def test_caret_under_a_token_with_escapes_and_wide_characters() -> None:
    line = "漢字 | conv\x1b 3 | x"
    error = SpecError("bad", Location(line, line.index("conv"), line.index(" 3")))
    echoed, caret = error.render().splitlines()[1:]
    assert echoed == "  漢字 | conv\\x1b 3 | x"
    # 2 + 漢字 (4 columns) + " | " = 9 columns before "conv", which with \x1b takes 8
    assert caret == " " * 9 + "^" * 8


def test_a_very_long_line_is_cut_around_the_token() -> None:
    line = "relu | " * 100_000 + "pol 2" + " | relu" * 100_000
    start = line.index("pol")
    error = SpecError("unknown layer 'pol'", Location(line, start, start + 3))
    text = error.render()
    echoed, caret = text.splitlines()[1:]
    assert len(echoed) < 250 and echoed.startswith("  …") and echoed.endswith("…")
    column = caret.index("^")
    assert echoed[column : column + 4] == "pol " and caret.count("^") == 3


def test_headline_and_file_name_are_escaped() -> None:
    error = SpecError("unknown layer 'x\x1b[2J'", Location("", 0, 0, "n\x1b]0;t\x07.yaml:3"))
    assert error.render() == "error: n\\x1b]0;t\\x07.yaml:3: unknown layer 'x\\x1b[2J'"


def test_zero_columns_from_the_terminal_give_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(os, "get_terminal_size", lambda *_: os.terminal_size((0, 0)))
    assert table_module._columns() == 80
    report = analyze(parse("conv 8x3x3 | relu | " + " | ".join(["conv 8x3x3 p1"] * 3)), (1, 8, 8))
    out = SGR.sub("", table_module.render(report, tty=True))
    assert "conv 8x3x3" in out and "64,800" in out  # rows and footer, folded to fit
    assert max(len(line) for line in out.splitlines()) == 80


@pytest.mark.parametrize(("value", "expected"), [("0", 80), ("", 80), ("x", 80), ("57", 57)])
def test_columns_variable(monkeypatch: pytest.MonkeyPatch, value: str, expected: int) -> None:
    monkeypatch.setenv("COLUMNS", value)
    monkeypatch.setattr(os, "get_terminal_size", lambda *_: os.terminal_size((0, 0)))
    assert table_module._columns() == expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
def test_a_pty_with_zero_columns_gets_a_whole_escaped_table() -> None:
    """The real thing: stdout a fresh pty (0×0, like some CI runners), NO_COLOR
    and COLUMNS unset, so Rich lays out and colours a terminal table."""
    import pty

    spec = HOSTILE_YAML
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "LINES")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cnncalc", str(spec)],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert done.returncode == 0, done.stderr
    out = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert "\x1b[" in out  # coloured: the terminal path
    plain = SGR.sub("", out)
    assert unsafe(plain) == [] and unsafe(done.stderr.decode()) == []
    assert "total" in plain and "\\x1b]52;c;SGVsbG8=" not in plain  # description not shown
    assert "clear\\x1b[2J" in plain.replace("\n", "")
    assert max(len(line) for line in plain.splitlines()) <= 80  # fitted, never cut:
    assert "not shown at 80 columns: params_share, macs_share" in plain  # at 80 columns


# --- every output, arbitrary names --------------------------------------------

BASE = parse("conv 4x3x3 | relu | res[conv 4x3x3 p1] | [relu]*2 | fc 3")


def _named(nodes: tuple[Node, ...], names: list[str], at: list[int]) -> tuple[Node, ...]:
    out: list[Node] = []
    for node in nodes:
        name = names[at[0] % len(names)]
        at[0] += 1
        if isinstance(node, Block):
            parts = tuple(_named(p, names, at) for p in node.parts)
            out.append(node.replace(parts=parts, name=name))
        else:
            assert isinstance(node, LayerSpec)
            out.append(node.replace(name=name))
    return tuple(out)


def _model(names: list[str]) -> Model:
    return BASE.replace(name=names[0], layers=_named(BASE.layers, names, [1]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(min_size=1), min_size=1, max_size=6))
def test_arbitrary_names_are_safe_in_every_output(names: list[str]) -> None:
    model = _model(names)
    report = analyze(model, (1, 8, 8))
    for fmt, options in (
        ("table", Options(explain=True)),
        ("table", Options(tty=True)),
        ("markdown", Options()),
        ("csv", Options()),
        ("json", Options()),
    ):
        text = render(report, fmt, options)
        assert unsafe(SGR.sub("", text)) == [], fmt
        text.encode("utf-8")  # writable: no lone surrogate left
    data: Any = json.loads(render(report, "json", Options()))
    assert data["name"] == names[0]
    svg = render(report, "svg", Options())
    ET.fromstring(svg)
    assert unsafe(svg) == []


CONTROLS_AND_BIDI = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)])) + "".join(BIDI)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab |:[]" + CONTROLS_AND_BIDI), max_size=60),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_any_error_location_renders_safely_with_the_caret_on_its_token(
    line: str, a: int, b: int
) -> None:
    start, end = sorted((min(a, len(line)), min(b, len(line))))
    text = SpecError("bad", Location(line, start, end)).render()
    assert unsafe(text) == []
    if not line:
        return
    echoed, caret = text.splitlines()[1:]
    column, marks = caret.index("^"), caret.count("^")

    def unescape(shown: str) -> str:  # Python's own decoder, not cnncalc's
        return shown.encode("ascii").decode("unicode_escape")

    assert unescape(echoed[2:]) == line
    assert unescape(echoed[2:column]) == line[:start]
    if end > start:
        assert unescape(echoed[column : column + marks]) == line[start:end]
