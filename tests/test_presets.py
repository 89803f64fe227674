"""Presets reproduce their published figures, read from the CLI's JSON."""

from __future__ import annotations

import json
import re
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


ROW = re.compile(r"  (\S+) +(\S+) +([\d,]+) +([\d.]+) GMACs  (.*)")


def listing() -> dict[str, list[tuple[str, str, int, str, str]]]:
    """`cnncalc presets` read back: family -> rows (name, input, params, GMACs, description)."""
    result = CliRunner().invoke(cli, ["presets"])
    assert result.exit_code == 0, result.output
    groups: dict[str, list[tuple[str, str, int, str, str]]] = {}
    family = ""
    for line in result.stdout.splitlines():
        if not line.startswith(" "):
            family = line
            assert family not in groups, f"family {family} listed twice"
            groups[family] = []
            continue
        match = ROW.fullmatch(line)
        assert match, line
        name, shape, params, gmacs, description = match.groups()
        groups[family].append((name, shape, int(params.replace(",", "")), gmacs, description))
    return groups


def test_presets_lists_each_with_its_own_description_and_input() -> None:
    """The listing shows every YAML file in the presets folder once, and every
    variant of each family file (NAME.family.yaml), each with the description and
    input that file states (read here with PyYAML, not cnncalc)."""
    import yaml

    from cnncalc import presets

    stated = {}  # name: (description, input)
    for path in sorted(Path(presets.FOLDER).glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if path.name.endswith(".family.yaml"):
            for name, variant in data["variants"].items():
                assert name not in stated, f"{name} defined twice"
                stated[name] = (
                    variant.get("description", data.get("description")),
                    variant.get("input", data.get("input")),
                )
        else:
            assert path.stem not in stated, f"{path.stem} defined twice"
            stated[path.stem] = (data["description"], data["input"])
    rows = {row[0]: row for rows in listing().values() for row in rows}
    assert sum(len(rows) for rows in listing().values()) == len(rows)
    assert sorted(rows) == sorted(names()) == sorted(stated)
    for name, (description, shape) in stated.items():
        assert rows[name][4] == description
        assert rows[name][1] == "×".join(str(d) for d in shape)


def test_presets_listing_groups_by_family_with_published_figures() -> None:
    """Every preset has a family (none falls to 'other'); the torchvision presets
    show torchvision's num_params and _ops (tests/published.py)."""
    from published import PUBLISHED

    groups = listing()
    assert "other" not in groups
    families = {row[0]: family for family, rows in groups.items() for row in rows}
    assert families["resnet101"] == families["resnext50_32x4d"] == "ResNet"
    assert families["dcgan_generator"] == families["dcgan_discriminator"] == "GAN"
    assert families["kim2014"] == families["charcnn_zhang2015_small"] == "text"
    rows = {row[0]: row for rows in groups.values() for row in rows}
    for name, (size, params, gmacs) in PUBLISHED.items():
        assert rows[name][1:4] == (f"3×{size}×{size}", params, f"{gmacs:.3f}"), name
    # two significant digits below 0.1 GMACs: kim2014 21,900,600 MACs
    assert rows["kim2014"][3] == "0.022"


def test_a_preset_in_no_family_is_listed_under_other(tmp_path: Any, monkeypatch: Any) -> None:
    import shutil

    from cnncalc import presets

    for name in ("lenet5-modern", "vgg11"):
        for suffix in (".yaml", ".parsed.json"):
            shutil.copy(presets.FOLDER + f"/{name}{suffix}", tmp_path / f"{name}{suffix}")
    shutil.copy(presets.FOLDER + "/vgg11.yaml", tmp_path / "mynet.yaml")
    monkeypatch.setattr(presets, "FOLDER", str(tmp_path))
    groups = listing()
    assert [(family, [row[0] for row in rows]) for family, rows in groups.items()] == [
        ("LeNet and AlexNet", ["lenet5-modern"]),
        ("VGG", ["vgg11"]),
        ("other", ["mynet"]),
    ]


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


def test_kim2014_matches_its_paper_and_code() -> None:
    """Kim 2014: windows of 3, 4, 5 words × 300 dimensions, 100 maps each (+ bias):
    100·300·3 + 100 = 90,100; 120,100; 150,100; softmax 300·2 + 2 = 602; 360,902 in all.
    On 64 padded words the maps are 62, 61, 60 long: MACs 90,000·62 + 120,000·61
    + 150,000·60 + 600 = 21,900,600. Max over time leaves 3 × 100 = 300 features."""
    data = cli_json("kim2014")
    assert data["input_shape"] == [300, 64]
    convs = [layer for layer in data["layers"] if layer["kind"] == "conv"]
    assert [c["params"] for c in convs] == [90_100, 120_100, 150_100]
    assert [c["output_shape"] for c in convs] == [[100, 62], [100, 61], [100, 60]]
    flat = next(layer for layer in data["layers"] if layer["kind"] == "flatten")
    assert flat["output_shape"] == [300]
    assert data["output_shape"] == [2]
    assert data["total"]["params"] == 360_902
    assert data["total"]["macs"] == 21_900_600


def test_charcnn_zhang2015_tables_1_and_2() -> None:
    """Zhang, Zhao & LeCun 2015: 70 × 1014 in; after the six convolutions the frame
    length is (1014 − 96)/27 = 34 (Section 2.3). Small, 256 frames: 70·256·7 + 256
    = 125,696; 256·256·7 + 256 = 459,008; four of 256·256·3 + 256 = 196,864; fc
    34·256 = 8,704 → 1024: 8,913,920; 1024 → 1024: 1,049,600; → 4: 4,100; 11,339,780.
    Large, 1024 frames: 502,784 + 7,341,056 + 4·3,146,752 + (34,816·2048 + 2048)
    + (2048² + 2048) + (2048·4 + 4) = 95,940,612; 34 × 1024 = 34,816 inputs to the
    first linear layer, as in the authors' Crepe config."""
    for size, frames, params in (("small", 256, 11_339_780), ("large", 1024, 95_940_612)):
        data = cli_json(f"charcnn_zhang2015_{size}")
        assert data["input_shape"] == [70, 1014]
        pools = [layer["output_shape"] for layer in data["layers"] if layer["kind"] == "pool"]
        assert pools == [[frames, 336], [frames, 110], [frames, 34]]
        fcs = [layer for layer in data["layers"] if layer["kind"] == "fc"]
        assert fcs[0]["input_shape"] == [frames * 34]
        assert data["output_shape"] == [4]
        assert data["total"]["params"] == params


def test_dcgan_figure_1_and_the_authors_code() -> None:
    """Radford et al. 2016, Figure 1: z (100) → 1024×4×4 → 512×8×8 → 256×16×16 →
    128×32×32 → 3×64×64, 5×5 kernels, no biases (dcgan_code). Generator: 100·16384
    = 1,638,400 + BN 2·16384 + 1024·512·25 = 13,107,200 + 1,024 + 512·256·25 =
    3,276,800 + 512 + 256·128·25 = 819,200 + 256 + 128·3·25 = 9,600 = 18,885,760.
    Discriminator: 3·128·25 = 9,600 + 819,200 + 512 + 3,276,800 + 1,024 +
    13,107,200 + 2,048 + 16,384·1 = 17,232,768."""
    gen = cli_json("dcgan_generator")
    shapes = [layer["output_shape"] for layer in gen["layers"] if layer["kind"] == "deconv"]
    assert shapes == [[512, 8, 8], [256, 16, 16], [128, 32, 32], [3, 64, 64]]
    reshape = next(layer for layer in gen["layers"] if layer["kind"] == "reshape")
    assert reshape["output_shape"] == [1024, 4, 4]
    assert gen["total"]["params"] == 18_885_760
    disc = cli_json("dcgan_discriminator")
    shapes = [layer["output_shape"] for layer in disc["layers"] if layer["kind"] == "conv"]
    assert shapes == [[128, 32, 32], [256, 16, 16], [512, 8, 8], [1024, 4, 4]]
    assert disc["output_shape"] == [1]
    assert disc["total"]["params"] == 17_232_768


def _paper_nets_in_torch(name: str) -> tuple[Any, tuple[int, ...]]:
    """Each paper preset written independently in torch.nn from the paper and the
    authors' code, with the input it takes."""
    from conftest import need_torch

    torch = need_torch()
    nn = torch.nn

    class Kim(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.convs = nn.ModuleList(nn.Conv1d(300, 100, h) for h in (3, 4, 5))
            self.fc = nn.Linear(300, 2)

        def forward(self, x: Any) -> Any:
            maxima = [torch.relu(conv(x)).amax(dim=2) for conv in self.convs]
            return torch.softmax(self.fc(torch.cat(maxima, 1)), 1)

    def charcnn(frames: int, fc: int) -> Any:
        layers: list[Any] = []
        width = 70
        for kernel, pool in ((7, True), (7, True), (3, False), (3, False), (3, False), (3, True)):
            layers += [nn.Conv1d(width, frames, kernel), nn.ReLU()]
            layers += [nn.MaxPool1d(3)] if pool else []
            width = frames
        layers += [nn.Flatten(), nn.Linear(34 * frames, fc), nn.ReLU(), nn.Dropout(0.5)]
        layers += [nn.Linear(fc, fc), nn.ReLU(), nn.Dropout(0.5), nn.Linear(fc, 4)]
        return nn.Sequential(*layers, nn.Softmax(1))

    def up(c_in: int, c_out: int) -> list[Any]:
        return [nn.ConvTranspose2d(c_in, c_out, 5, 2, 2, output_padding=1, bias=False)]

    def down(c_in: int, c_out: int) -> list[Any]:
        return [nn.Conv2d(c_in, c_out, 5, 2, 2, bias=False)]

    nets: dict[str, tuple[Any, tuple[int, ...]]] = {
        "kim2014": (Kim(), (300, 64)),
        "charcnn_zhang2015_small": (charcnn(256, 1024), (70, 1014)),
        "charcnn_zhang2015_large": (charcnn(1024, 2048), (70, 1014)),
        "dcgan_generator": (
            nn.Sequential(
                nn.Flatten(),
                nn.Linear(100, 16384, bias=False),
                nn.BatchNorm1d(16384),
                nn.ReLU(),
                nn.Unflatten(1, (1024, 4, 4)),
                *up(1024, 512), nn.BatchNorm2d(512), nn.ReLU(),
                *up(512, 256), nn.BatchNorm2d(256), nn.ReLU(),
                *up(256, 128), nn.BatchNorm2d(128), nn.ReLU(),
                *up(128, 3), nn.Tanh(),
            ),
            (100, 1, 1),
        ),
        "dcgan_discriminator": (
            nn.Sequential(
                *down(3, 128), nn.LeakyReLU(0.2),
                *down(128, 256), nn.BatchNorm2d(256), nn.LeakyReLU(0.2),
                *down(256, 512), nn.BatchNorm2d(512), nn.LeakyReLU(0.2),
                *down(512, 1024), nn.BatchNorm2d(1024), nn.LeakyReLU(0.2),
                nn.Flatten(), nn.Linear(16384, 1, bias=False), nn.Sigmoid(),
            ),
            (3, 64, 64),
        ),
    }  # fmt: skip
    return nets[name]


def test_paper_presets_against_torch() -> None:
    """Parameters, MACs (torch's FlopCounterMode / 2) and output shape of each paper
    preset equal those of the same network written directly in torch.nn."""
    from conftest import need_torch

    torch = need_torch()
    from torch.utils.flop_counter import FlopCounterMode

    for name in (
        "kim2014",
        "charcnn_zhang2015_small",
        "charcnn_zhang2015_large",
        "dcgan_generator",
        "dcgan_discriminator",
    ):
        model, shape = _paper_nets_in_torch(name)
        model.eval()
        data = cli_json(name)
        assert tuple(data["input_shape"]) == shape, name
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            out = model(torch.zeros(1, *shape))
        assert data["total"]["params"] == sum(p.numel() for p in model.parameters()), name
        assert data["total"]["macs"] == counter.get_total_flops() // 2, name
        assert list(out.shape[1:]) == data["output_shape"], name


def test_densenet_presets_are_what_their_script_writes() -> None:
    """scripts/densenet_presets.py writes the four DenseNet presets (a dense layer
    reads up to 48 names: written by a program); the files must be its output."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "scripts" / "densenet_presets.py"
    spec = importlib.util.spec_from_file_location("densenet_presets", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.CONFIG) == ["densenet121", "densenet161", "densenet169", "densenet201"]
    for name in module.CONFIG:
        assert (module.FOLDER / f"{name}.yaml").read_text(encoding="utf-8") == module.write(name)


def test_presets_listing_fits_80_columns() -> None:
    """With COLUMNS=80 every line fits; a description too long for its row's line
    goes on the next, cut with '…'; each row still has its name and figures."""
    result = CliRunner().invoke(cli, ["presets"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line.split()[0] for line in lines if line.startswith("  ") and line[2] != " "]
    assert sorted(rows) == sorted(names())
