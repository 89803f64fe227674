"""The diagram: well-formed, complete, deterministic; the PNG path; the share bars."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc import pictures, sources
from cnncalc.cli import cli
from cnncalc.engine import analyze
from cnncalc.presets import names
from cnncalc.render import render, svg
from cnncalc.render.svg import MAX_LABEL
from cnncalc.render.table import bar


def svg_of(spec: str, *dims: int) -> str:
    model = sources.load(spec)
    return render(analyze(model, dims or None), "svg")


SVG = "{http://www.w3.org/2000/svg}"


def shown(label: str) -> str:
    """A label as the picture writes it, words joined by single spaces: a word
    longer than MAX_LABEL characters is cut to MAX_LABEL - 1 and marked "…"."""
    words = label.split(" ")
    return " ".join(w if len(w) <= MAX_LABEL else w[: MAX_LABEL - 1] + "…" for w in words)


def groups(root: ET.Element) -> list[tuple[list[int], str]]:
    """Each data-index group in document order: its indices, its text lines joined."""
    found = []
    for g in root.iter(f"{SVG}g"):
        if "data-index" in g.attrib:
            text = " ".join(t.text or "" for t in g.iter(f"{SVG}text"))
            found.append(([int(i) for i in g.attrib["data-index"].split()], text))
    return found


def size(root: ET.Element) -> tuple[float, float]:
    return float(root.attrib["width"]), float(root.attrib["height"])


@pytest.mark.parametrize("name", names())
def test_every_preset_draws_well_formed_and_complete(name: str) -> None:
    text = svg_of(name)
    root = ET.fromstring(text)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    report = analyze(sources.load(name))
    drawn = groups(root)
    # every layer index in exactly one group
    seen = [i for indices, _ in drawn for i in indices]
    assert sorted(seen) == sorted(layer.index for layer in report.layers)
    # drawn in order: each group's first layer comes after the previous group's
    firsts = [min(indices) for indices, _ in drawn]
    assert firsts == sorted(firsts)
    labels = {i: text for indices, text in drawn for i in indices}
    for layer in report.layers:  # every layer's spec is written in its group
        label = f"{layer.name}: {layer.spec}" if layer.name else layer.spec
        assert shown(label) in labels[layer.index], (label, labels[layer.index])
    all_text = {t.text for t in root.iter(f"{SVG}text")}
    assert "×".join(map(str, report.output_shape)) in all_text
    assert "×1" not in all_text and not any(t and t.startswith("×1 ") for t in all_text)
    # self-contained: no scripts, no external references
    assert "<script" not in text and "href" not in text and "@import" not in text


def test_vgg16_draws_its_three_fully_connected_layers() -> None:
    """vgg16's classifier is fc 4096, fc 4096, fc 1000 (Simonyan & Zisserman,
    table 1): three bars, the second 4096 not folded into the first."""
    result = CliRunner().invoke(cli, ["vgg16", "--json"])
    fc = [layer["index"] for layer in json.loads(result.stdout)["layers"] if layer["kind"] == "fc"]
    assert len(fc) == 3
    root = ET.fromstring(svg_of("vgg16"))
    bars = [
        g
        for g in root.iter(f"{SVG}g")
        if any(int(i) in fc for i in g.attrib.get("data-index", "").split())
    ]
    assert len(bars) == 3
    for g in bars:  # each a bar of its own: one rect, no cube faces, one fc layer
        assert len([i for i in g.attrib["data-index"].split() if int(i) in fc]) == 1
        assert len(list(g.iter(f"{SVG}rect"))) == 1 and not list(g.iter(f"{SVG}polygon"))


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "vgg16", "googlenet", "mobilenet_v2"])
def test_long_networks_wrap_to_a_slide(name: str) -> None:
    """A slide is 4:3 to 16:9; the rows may miss by a row's worth (±0.15)."""
    width, height = size(ET.fromstring(svg_of(name)))
    assert 4 / 3 - 0.15 <= width / height <= 16 / 9 + 0.15, (width, height)
    strip = size(ET.fromstring(render_svg(name, "strip")))
    assert strip[0] / strip[1] > 5  # the old strip, still there with --layout strip


def render_svg(name: str, layout: str) -> str:
    return svg.render(analyze(sources.load(name)), layout)


def test_lenet5_stays_a_strip_and_rows_wraps_it() -> None:
    width, height = size(ET.fromstring(svg_of("lenet5")))
    assert width / height > 5  # the paper's figure: one row
    width, height = size(ET.fromstring(render_svg("lenet5", "rows")))
    assert width / height < 16 / 9 + 0.5


def test_branches_are_joined_at_both_ends() -> None:
    """A concat of three paths: a line reaches the front face of each path's map
    from the block's input, and a line leaves each map's right edge."""
    root = ET.fromstring(
        svg_of("conv 4x3x3 | cat[conv 8x1x1; conv 8x3x3 p1; pool 3 s1 p1]", 3, 8, 8)
    )
    lines = [
        tuple(float(line.attrib[k]) for k in ("x1", "y1", "x2", "y2"))
        for line in root.iter(f"{SVG}line")
    ]
    for indices, _ in groups(root):
        if indices == [1]:
            continue  # the conv before the block
        g = next(g for g in root.iter(f"{SVG}g") if g.attrib["data-index"] == str(indices[0]))
        face = next(iter(g.iter(f"{SVG}rect")))
        x, y = float(face.attrib["x"]), float(face.attrib["y"])
        h = float(face.attrib["height"])
        xs = [
            float(p.split(",")[0])
            for poly in g.iter(f"{SVG}polygon")
            for p in poly.attrib["points"].split()
        ]
        right = max(xs)
        assert any(abs(x2 - x) < 0.2 and y <= y2 <= y + h for _, _, x2, y2 in lines), indices
        assert any(abs(x1 - right) < 0.2 for x1, _, _, _ in lines), indices


@pytest.mark.parametrize("name", ["lenet5", "resnet50"])
def test_the_pictures_in_the_readme(name: str) -> None:
    """docs/lenet5.svg and docs/resnet50.svg (shown in the README, reviewed by
    eye when they change) are what the program draws; CNNCALC_UPDATE_GOLDEN=1
    rewrites them."""
    golden = Path(__file__).resolve().parent.parent / "docs" / f"{name}.svg"
    drawn = svg_of(name)
    if os.environ.get("CNNCALC_UPDATE_GOLDEN"):
        golden.write_text(drawn, encoding="utf-8")
    assert drawn == golden.read_text(encoding="utf-8")


def test_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Two processes with different string hashing (set and dict orders built from
    hashes would differ) draw the same file."""
    drawn = []
    for seed in ("1", "2"):
        target = tmp_path / f"{seed}.svg"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "cnncalc", "googlenet", "--svg", str(target), "--json"]
        subprocess.run(command, env=env, check=True, capture_output=True)
        drawn.append(target.read_bytes())
    assert drawn[0] == drawn[1]


def test_blocks_are_grouped() -> None:
    text = svg_of("res[conv 8x3x3 p1 | relu] | cat[ ; pool 3 s1 p1]", 8, 16, 16)
    assert ">res<" in text and ">cat<" in text and ">identity<" in text
    assert "⊕" in text and "‖" in text


def test_cli_writes_svg(tmp_path: Path) -> None:
    target = tmp_path / "lenet5.svg"
    result = CliRunner().invoke(cli, ["lenet5", "--svg", str(target), "--json"])
    assert result.exit_code == 0
    ET.parse(target)
    drawn = target.read_text()
    # the connection table is one word of 53 characters: cut to 23 and marked
    assert ">C3: conv 16x5x5<" in drawn and ">table=0,1,2/1,2,3/2,3,4…<" in drawn


def test_png_without_a_rasteriser_says_how(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(__import__("sys").modules, "cairosvg", None)
    result = CliRunner().invoke(cli, ["lenet5", "--png", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert result.stderr == f"error: {pictures.HOW}\n"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_chromium_renders_a_picture(tmp_path: Path) -> None:
    source = tmp_path / "net.svg"
    source.write_text(svg_of("lenet5"))
    target = tmp_path / "net.png"
    subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={target}", "--window-size=1700,260", f"file://{source}",
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1700, 260)
    assert len(data) > 5_000  # a blank 1700x260 PNG compresses to far less


def test_share_bars() -> None:
    # vgg16's first fully connected layer: 102,764,544 of 138,357,544 parameters = 74%
    assert bar(102_764_544, 138_357_544) == "██████    74%"
    assert bar(0, 10) == "" and bar(5, 0) == ""
    assert bar(10, 10) == "████████ 100%"
    result = CliRunner().invoke(cli, ["vgg16"])
    assert "██████    74%" in result.stdout


@pytest.mark.skipif(
    shutil.which("rsvg-convert") is None and shutil.which("chromium") is None,
    reason="needs rsvg-convert or chromium",
)
def test_cli_writes_png(tmp_path: Path) -> None:
    target = tmp_path / "resnet18.png"
    result = CliRunner().invoke(cli, ["resnet18", "--png", str(target), "--json"])
    assert result.exit_code == 0, result.stderr
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="needs rsvg-convert")
def test_scale_multiplies_the_png_pixels(tmp_path: Path) -> None:
    sizes = []
    for scale in ("1", "2"):
        target = tmp_path / f"{scale}.png"
        result = CliRunner().invoke(cli, ["lenet5", "--png", str(target), "--scale", scale])
        assert result.exit_code == 0, result.stderr
        data = target.read_bytes()  # IHDR: width and height, big-endian, at bytes 16 and 20
        sizes.append((int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")))
    svg_size = size(ET.fromstring(svg_of("lenet5")))
    assert sizes[0] == (round(svg_size[0]), round(svg_size[1]))
    assert sizes[1] == (2 * sizes[0][0], 2 * sizes[0][1])


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--scale", "2"], "error: --scale sets the size of the --png picture: give --png FILE\n"),
        (
            ["--layout", "rows"],
            "error: --layout arranges the picture of --svg or --png: give one of them\n",
        ),
    ],
)
def test_picture_options_without_a_picture(args: list[str], said: str) -> None:
    result = CliRunner().invoke(cli, ["lenet5", *args])
    assert result.exit_code == 2 and result.stderr == said
