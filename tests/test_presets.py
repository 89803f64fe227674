"""Presets reproduce their published figures, read from the CLI's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cnncalc.cli import cli
from cnncalc.presets import names


def cli_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_lenet5_matches_lecun_1998() -> None:
    """LeCun et al. 1998, Section II-B: per-layer trainable parameters and connections."""
    data = cli_json("lenet5")
    named = {layer["name"]: layer for layer in data["layers"] if layer["name"]}
    paper = {  # name: (shape, trainable params, connections)
        "C1": ([6, 28, 28], 156, 122_304),
        "S2": ([6, 14, 14], 12, 5_880),
        "C3": ([16, 10, 10], 1_516, 151_600),
        "S4": ([16, 5, 5], 32, 2_000),
        "C5": ([120, 1, 1], 48_120, 48_120),
        "F6": ([84], 10_164, 10_164),
    }
    for name, (shape, params, connections) in paper.items():
        layer = named[name]
        assert (layer["output_shape"], layer["trainable_params"], layer["connections"]) == (
            shape,
            params,
            connections,
        ), name
    output = named["output"]
    # 10 RBF units on 84 inputs: 840 weights fixed by hand, not trained
    assert (output["params"], output["trainable_params"], output["output_shape"]) == (840, 0, [10])
    assert data["input_shape"] == [1, 32, 32]
    assert data["total"]["trainable_params"] == 60_000
    assert data["total"]["connections"] == 340_908
    assert data["total"]["params"] == 60_840


def test_lenet5_modern_is_the_usual_61706() -> None:
    # 6·25+6 + 16·150+16 + 400·120+120 + 120·84+84 + 84·10+10 = 61,706
    assert cli_json("lenet5-modern")["total"]["params"] == 61_706


def test_slides_comparison_from_the_cli() -> None:
    first, second = cli_json("slides")["layers"]
    assert first["compare"]["dense"]["weights"] == 1_600_000_000  # 40,000 × 40,000
    assert first["compare"]["local"]["weights"] == 4_000_000  # 40,000 × 10×10
    assert first["compare"]["shared"]["weights"] == 100
    assert second["compare"]["shared"]["weights"] == 10_000  # 100 filters × 10×10


def test_slides_from_a_spec_string() -> None:
    data = cli_json("conv 1x10x10 psame", "--input", "200x200")
    assert data["layers"][0]["compare"] == {
        "dense": {"weights": 1_600_000_000, "biases": 40_000},
        "local": {"weights": 4_000_000, "biases": 40_000},
        "shared": {"weights": 100, "biases": 1},
    }


def test_presets_lists_each_with_its_own_description() -> None:
    """The listing shows every YAML file in the presets folder, each with the
    description that file states (read here with PyYAML, not cnncalc)."""
    import yaml

    from cnncalc import presets

    files = sorted(Path(presets.FOLDER).glob("*.yaml"))
    result = CliRunner().invoke(cli, ["presets"])
    assert result.exit_code == 0
    listed = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert sorted(listed) == sorted(names()) == sorted(f.stem for f in files)
    for path in files:
        assert listed[path.stem].strip() == yaml.safe_load(path.read_text())["description"]


def test_charcnn_matches_dos_santos_2014() -> None:
    """CharWNN (ICML 2014, Table 1): d_chr = 10, k_chr = 5, cl_u = 50, over the
    YAML's assumed 100 characters and 20-character words:
    embedding 100·10 = 1,000; convolution 50·(10·5) + 50 = 2,550; total 3,550;
    MACs 20 positions · 50 · 10·5 = 50,000; the output is the 50-d word vector."""
    data = cli_json("charcnn")
    assert data["output_shape"] == [50]
    assert [layer["params"] for layer in data["layers"]] == [1_000, 2_550, 0, 0]
    assert data["total"]["macs"] == 50_000


def test_abdelhamid2014_as_its_yaml_states() -> None:
    """3×15×40 input; 84 filters of 3·15·8 (+ bias) = 30,324 params, their output
    84×1×33 (40 − 8 + 1 = 33 bands); pool 6 shift 2 → ⌊(33 − 6)/2⌋ + 1 = 14;
    fc 84·14 = 1,176 → 1000: 1,177,000; 1000 → 1000: 1,001,000; 1000 → 183: 183,183."""
    data = cli_json("abdelhamid2014")
    shapes = [layer["output_shape"] for layer in data["layers"] if layer["params"]]
    assert shapes == [[84, 1, 33], [1000], [1000], [183]]
    params = [layer["params"] for layer in data["layers"] if layer["params"]]
    assert params == [30_324, 1_177_000, 1_001_000, 183_183]


def test_parsed_forms_are_current_and_equal_to_the_yaml() -> None:
    """Each preset's stored parsed form matches its YAML (regenerate them with
    `python -m cnncalc.presets` after editing a preset)."""
    from cnncalc import presets
    from cnncalc.layer import leaves

    for name in names():
        path = presets.find(name)
        assert path is not None
        text = presets.read(name)
        stored = presets._stored(path)
        assert stored is not None and presets.current(stored, text), (
            f"{name}.parsed.json is stale: run python -m cnncalc.presets"
        )
        from_yaml = presets.parse(path, text)
        loaded = presets.load(name)
        assert loaded == from_yaml
        assert [x.origin for x in leaves(loaded.layers)] == [
            x.origin for x in leaves(from_yaml.layers)
        ]


def test_a_stale_parsed_form_is_ignored(tmp_path: Any, monkeypatch: Any) -> None:
    import shutil

    from cnncalc import presets

    for suffix in (".yaml", ".parsed.json"):
        shutil.copy(presets.FOLDER + "/lenet5-modern" + suffix, tmp_path / f"lenet5-modern{suffix}")
    yaml_file = tmp_path / "lenet5-modern.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("fc 10\n", "fc 5\n"))
    monkeypatch.setattr(presets, "FOLDER", str(tmp_path))
    assert presets.load("lenet5-modern").layers[-1].units == 5  # type: ignore[union-attr]
