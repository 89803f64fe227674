"""Issue 25: warnings that cry wolf, and mistakes that pass.

Expectations are stated by hand in the comments (torch's and torchvision's
code, the arithmetic), never read back from cnncalc itself.
"""

from __future__ import annotations

import json

import pytest

from cnncalc import SpecError, analyze, parse, presets
from cnncalc.readers import yamlspec

from conftest import invoke

# --- presets print no ⚠ -----------------------------------------------------------


@pytest.mark.parametrize("name", presets.names())
def test_no_preset_warns_about_itself(name: str) -> None:
    """Every preset is a published design run on its own input: what it does is
    meant (torchvision's 1×1 stride-2 shortcuts, SqueezeNet's unpadded stem), so
    it is a note at most, and --strict accepts it."""
    report = analyze(presets.load(name), strict=True)
    assert report.warnings == []


def test_the_presets_are_all_run() -> None:
    assert len(presets.names()) >= 95  # `cnncalc presets` lists 95 networks


def test_strict_refuses_warnings_and_strict_notes_notes_too() -> None:
    # resnet50's stem: (224 − 7 + 2·3)/2 + 1 = 112.5 → 112, the last padding row
    # unused (a note); torchvision builds it so, and --strict is about warnings
    assert invoke("resnet50", "--strict", "--json")[0] == 0
    code, _, err = invoke("resnet50", "--strict-notes")
    assert code == 2
    assert err.startswith("error: preset resnet50:")
    assert "the last padding row and column are never used (--strict-notes)" in err
    # a warning fails both: (8 − 3)/2 + 1 = 3.5 → 3, row 7 never read
    for flag in ("--strict", "--strict-notes"):
        code, _, err = invoke("conv 8x3x3 s2", "--input", "8x8", flag)
        assert code == 2 and err.splitlines()[0].endswith(
            f"input row and column 7 are never read ({flag})"
        )


def test_a_warning_names_the_layer_by_path_and_spec() -> None:
    # res[…] with a 2-wide stride-3 shortcut: (8 − 2)/3 + 1 = 3 windows at 0, 3, 6:
    # rows 2 and 5 are skipped between them (a warning)
    spec = "conv 4x3x3 p1 | res[conv 8x3x3 s3 p1 ; conv 8x2x2 s3]"
    _, out, _ = invoke(spec, "--input", "3x8x8", "--depth", "1")
    line = next(line for line in out.splitlines() if line.startswith("⚠"))
    assert line.startswith("⚠ layer 3 (1.shortcut.0: conv 8x2x2 s3): H, W: input rows and ")
    # a named layer is named by its name, as the memory lines do
    _, out, _ = invoke("conv 8x2x2 s3 as c", "--input", "9x9")
    assert "⚠ layer 1 (c: conv 8x2x2 s3): " in out


# --- intended: a spec says what it means -----------------------------------------

SQUEEZE = """\
name: stem
input: [3, 224, 224]
intended:
  "0": torchvision's unpadded stem
layers:
  - conv 96x7x7 s2
  - relu
"""


def test_intended_findings_are_notes_with_the_reason() -> None:
    # (224 − 7)/2 + 1 = 109.5 → 109: row 223 never read, as torchvision's SqueezeNet
    # 1.0 stem (nn.Conv2d(3, 96, kernel_size=7, stride=2)) leaves it
    report = analyze(yamlspec.load(SQUEEZE, "stem.yaml", 10_000, 64), strict=True)
    (layer, _) = report.layers
    assert layer.warnings == ()
    assert layer.notes == (
        "H, W: (224 − 7 + 2·0)/2 + 1 = 109.5, floored to 109: input row and column 223 are "
        "never read: intended (torchvision's unpadded stem)",
    )
    # the same layer without the declaration warns
    plain = analyze(parse("conv 96x7x7 s2 | relu"), (3, 224, 224))
    assert plain.layers[0].warnings and not plain.layers[0].notes


def test_intended_names_a_layer_or_is_an_error() -> None:
    text = SQUEEZE.replace('"0":', "features.0:")
    with pytest.raises(SpecError, match=r"intended: 'features\.0' names no layer of stem"):
        analyze(yamlspec.load(text, "stem.yaml", 10_000, 64))
    with pytest.raises(SpecError, match="say why"):
        yamlspec.load(SQUEEZE.replace("torchvision's unpadded stem", "[1]"), "s.yaml", 99, 9)


def test_intended_survives_the_stored_parsed_form() -> None:
    from cnncalc import codec

    model = yamlspec.load(SQUEEZE, "stem.yaml", 10_000, 64)
    again = codec.decode(json.loads(json.dumps(codec.encode(model))))
    assert again.intended == (("0", "torchvision's unpadded stem"),)
