"""Family files: one YAML with a family's layers once and a table of its variants
(``variants:``), and the template words they need: ``{depths[i]}``, ``ceil(v)``, ``floor(v)``,
``times: 0`` and a block named by a parameter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cnncalc import SpecError, analyze
from cnncalc.readers import yamlspec

FAMILY = """\
input: [3, 32, 32]
variants:
  small: {widths: [8, 16], depth: 1, unit: plain, description: the small one}
  big: {widths: [16, 32], depth: 3, unit: fancy, input: [3, 64, 64]}
blocks:
  plain:
    params: {w: 8}
    layers: ["conv {w}x3x3 p1", relu]
  fancy:
    params: {w: 8}
    layers: ["conv {w}x3x3 p1", bn, relu]
layers:
  - conv {widths[0]}x3x3 p1
  - repeat: {times: "{depth-1}", layers: ["{unit}": {w: "{widths[0]}"}]}
  - conv {widths[1]}x3x3 s2 p1
  - fc {ceil(widths[1]*depth/5)}
"""


def test_each_variant_is_its_own_model() -> None:
    small = yamlspec.load(FAMILY, "f", variant="small")
    big = yamlspec.load(FAMILY, "f", variant="big")
    assert (small.name, small.description, small.input_shape) == (
        "small",
        "the small one",
        (3, 32, 32),
    )
    assert (big.name, big.description, big.input_shape) == ("big", "", (3, 64, 64))
    # small: depth 1 leaves the repeat out; fc ceil(16 * 1 / 5) = 4
    assert [type(n).__name__ for n in small.layers] == ["LayerSpec", "LayerSpec", "LayerSpec"]
    assert analyze(small).output_shape == (4,)
    # big: two fancy units of 16 (conv + bn + relu); fc ceil(32 * 3 / 5) = 20
    report = analyze(big)
    assert report.output_shape == (20,)
    conv = 3 * 3 * 3 * 16 + 16
    unit = 16 * 16 * 9 + 16 + 2 * 16
    second = 16 * 32 * 9 + 32
    fc = 32 * 32 * 32 * 20 + 20
    assert report.total.params == conv + 2 * unit + second + fc
    assert yamlspec.variants(FAMILY) == ["small", "big"]


@pytest.mark.parametrize(
    ("variant", "edit", "message"),
    [
        (None, None, "a family file: name one of its variants (small, big) as a preset"),
        ("huge", None, "no variant 'huge'"),
        ("small", ("{widths[1]}x3x3 s2", "{widths[2]}x3x3 s2"), "widths has items 0 to 1"),
        ("small", ("{widths[1]}x3x3 s2", "{widths[0.5]}x3x3 s2"), "widths has items 0 to 1"),
        ("small", ("{widths[1]}x3x3 s2", "{depth[0]}x3x3 s2"), "depth is 1, not a list"),
        ("small", ("{widths[1]}x3x3 s2", "{widths}x3x3 s2"), "'[' opens a block"),
        ("small", ("depth: 1,", "depth: [[1]],"), "a variant's parameter is a word"),
        ("small", ("depth: 1,", "depth: null,"), "a variant's parameter is a word"),
        ("small", ("depth: 1,", "depth: 1, __import__: 1,"), None),  # a word, but no use: harmless
        ("big", ("unit: fancy", "unit: nosuch"), "unknown layer 'nosuch'"),
        ("small", ('"{depth-1}"', '"{depth-2}"'), "times must be at least 0, got -1"),
    ],
)
def test_variant_errors(variant: str | None, edit: tuple[str, str] | None, message: Any) -> None:
    text = FAMILY if edit is None else FAMILY.replace(*edit, 1)
    if message is None:
        yamlspec.load(text, "f", variant=variant)
        return
    with pytest.raises(SpecError) as caught:
        yamlspec.load(text, "f", variant=variant)
    assert message in caught.value.message


def test_a_plain_file_has_no_variants() -> None:
    with pytest.raises(SpecError, match="no 'variants:' here"):
        yamlspec.load("layers: [relu]", "f", variant="x")
    assert yamlspec.variants("layers: [relu]") == []


def test_times_zero_leaves_a_repeat_out_unread() -> None:
    # the left-out layers are not read: a parameter only another variant has is fine
    model = yamlspec.load("input: 4\nlayers:\n  - fc 2\n  - repeat: {times: 0, layers: ['fc {x}']}")
    assert len(model.layers) == 1
    with pytest.raises(SpecError, match="every layer in it was left out"):
        yamlspec.load("input: 4\nlayers: [{repeat: {times: 0, layers: [relu]}}]")
    with pytest.raises(SpecError, match="'layers' is empty"):
        yamlspec.load(
            "input: 4\nlayers: [{group: {layers: [{repeat: {times: 0, layers: [relu]}}]}}]"
        )


def test_variants_see_their_parameters_in_every_block() -> None:
    text = """\
input: 8
variants: {v: {k: 3, w: 5}}
blocks:
  b:
    params: {w: 2}
    layers: ["fc {w*k}"]
layers: [b: {}, b: {w: "{w}"}]
"""
    model = yamlspec.load(text, "f", variant="v")
    assert analyze(model).output_shape == (15,)  # the block's own w (2) then the variant's


def test_every_family_file_lists_its_variants_in_the_index() -> None:
    import json

    from cnncalc import presets

    index = json.loads((Path(presets.FOLDER) / "_variants.parsed.json").read_text())
    for path in presets.family_files():
        text = Path(path).read_text()
        entry = index["families"][Path(path).name]
        assert entry["source"] == text, "stale: run python -m cnncalc.presets"
        assert entry["variants"] == yamlspec.variants(text)


def test_a_stale_index_reads_the_family_file(tmp_path: Path, monkeypatch: Any) -> None:
    import shutil

    from cnncalc import presets

    for name in ("resnet.family.yaml", "_variants.parsed.json", "resnet18.parsed.json"):
        shutil.copy(Path(presets.FOLDER) / name, tmp_path / name)
    family = tmp_path / "resnet.family.yaml"
    family.write_text(family.read_text().replace("  resnet18:\n", "  resnet18x:\n"))
    monkeypatch.setattr(presets, "FOLDER", str(tmp_path))
    assert "resnet18x" in presets.names() and "resnet18" not in presets.names()
    assert presets.find("ResNet18X") == str(tmp_path / "resnet18x.yaml")
    assert presets.load("resnet18x").name == "resnet18x"  # from the YAML: no parsed form
    assert presets.find("resnet18") is None
    assert presets.files(str(tmp_path / "resnet18x.yaml")) == [
        str(family),
        str(tmp_path / "resnet18x.parsed.json"),
    ]


def test_a_family_file_given_as_a_file_names_its_variants(tmp_path: Path) -> None:
    from cnncalc import sources

    path = tmp_path / "net.yaml"
    path.write_text(FAMILY)
    with pytest.raises(SpecError, match="name one of its variants"):
        sources.load(str(path))


@pytest.mark.parametrize(
    ("template", "units"),
    [
        ("{floor(64*128*27/(64*9+3*128))}", 230),  # R(2+1)D's midplanes: 221184 // 960
        ("{floor(7/2)}", 3),
        ("{floor(-7/2)}", -4),  # Python's //: towards minus infinity
        ("{floor(6/2)}", 3),
        ("{ceil(7/2)-floor(7/2)}", 1),
    ],
)
def test_floor_is_pythons_floor_division(template: str, units: int) -> None:
    text = f"input: 4\nvariants: {{v: {{k: 1}}}}\nlayers: ['fc {{k*{template[1:-1]}}}']\n"
    if units < 1:
        with pytest.raises(SpecError, match="at least 1"):
            yamlspec.load(text, variant="v")
        return
    assert analyze(yamlspec.load(text, variant="v")).output_shape == (units,)


INDEXED = """\
input: [4, 8, 8]
variants: {v: {depths: [2, 3]}}
blocks:
  unit:
    params: {w: 4, i: 0}
    layers: ["conv {w}x1x1", "droppath {i/10}"]
layers:
  - repeat: {times: "{depths[0]}", index: k, layers: [unit: {w: "{4+k}", i: "{k}"}]}
  - repeat: {times: "{depths[1]}", index: j, layers: [unit: {w: 8, i: "{depths[0]+j}"}]}
"""


def test_an_indexed_repeat_writes_its_copies_out() -> None:
    model = yamlspec.load(INDEXED, "f", variant="v")
    # five block uses side by side, no repeat of their own: k = 0, 1 then j = 0, 1, 2
    assert [type(n).__name__ for n in model.layers] == ["Block"] * 5
    report = analyze(model)
    convs = [r for r in report.layers if r.kind == "conv"]
    assert [r.output_shape[0] for r in convs] == [4, 5, 8, 8, 8]
    rates = [r.spec for r in report.layers if r.kind == "droppath"]
    assert rates == ["droppath 0", "droppath 0.1", "droppath 0.2", "droppath 0.3", "droppath 0.4"]
    assert report.total.params == (4 * 4 + 4) + (4 * 5 + 5) + (5 * 8 + 8) + 2 * (8 * 8 + 8)
    named = yamlspec.load(INDEXED.replace("index: k,", "index: k, name: first,"), "f", variant="v")
    assert named.layers[0].name == "first" and len(named.layers) == 4


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("index: k,", "index: 3,"),
        ("index: k,", "index: k, shared: true,"),
        ('"{4+k}"', '"{4+q}"'),
    ],
)
def test_indexed_repeat_errors(edit: str, message: str) -> None:
    wanted = {
        "index: 3,": "index names the copy's number",
        "index: k, shared: true,": "not shared",
        '"{4+q}"': "unknown parameter '{q}'",
    }[message]
    with pytest.raises(SpecError, match=re.escape(wanted)):
        yamlspec.load(INDEXED.replace(edit, message), "f", variant="v")


def test_an_indexed_repeat_of_zero_is_left_out() -> None:
    model = yamlspec.load(INDEXED.replace("depths: [2, 3]", "depths: [0, 1]"), "f", variant="v")
    assert len(model.layers) == 1
