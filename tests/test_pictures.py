"""The diagram: well-formed, complete, deterministic; the PNG path; the share bars."""

from __future__ import annotations

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
from cnncalc.render import render
from cnncalc.render.svg import MAX_LABEL
from cnncalc.render.table import bar


def svg_of(spec: str, *dims: int) -> str:
    model = sources.load(spec)
    return render(analyze(model, dims or None), "svg")


def shown(spec: str) -> str:
    return spec if len(spec) <= MAX_LABEL else spec[: MAX_LABEL - 1] + "…"


@pytest.mark.parametrize("name", names())
def test_every_preset_draws_well_formed_and_complete(name: str) -> None:
    text = svg_of(name)
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    labels = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    report = analyze(sources.load(name))
    for layer in report.layers:  # every layer's spec is written under its map
        label = f"{layer.name}: {layer.spec}" if layer.name else layer.spec
        assert shown(label) in labels, label
    assert "×".join(map(str, report.output_shape)) in labels
    # self-contained: no scripts, no external references
    assert "<script" not in text and "href" not in text and "@import" not in text


def test_lenet5_is_the_picture_in_the_readme() -> None:
    """docs/lenet5.svg (shown in the README, reviewed by eye when it changes) is
    what the program draws; CNNCALC_UPDATE_GOLDEN=1 rewrites it."""
    golden = Path(__file__).resolve().parent.parent / "docs" / "lenet5.svg"
    drawn = svg_of("lenet5")
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
    assert ">C3: conv 16x5x5 table=0…<" in target.read_text()  # cut to 24 characters


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
