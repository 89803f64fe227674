"""The speech preset's two input organisations (Abdel-Hamid et al. 2014, Section
III-A, Fig. 1): 40 MFSC bands with delta and delta-delta over 15 frames, either
as 3 maps of 15 x 40 with filters spanning all 15 frames (the ``abdelhamid2014``
preset), or as 45 (= 3 x 15) 1-D maps along the 40 bands with 1-D filters. Both
must give the same figures, and the 1-D form those of torch.nn."""

from __future__ import annotations

import importlib
import json
from typing import Any

from click.testing import CliRunner

from cnncalc.cli import cli

from conftest import need_torch

# The 1-D organisation, as the README writes it.
ONE_D = (
    "conv 84x8 | sigmoid | maxpool 6 s2 | flatten"
    " | fc 1000 | sigmoid | fc 1000 | sigmoid | fc 183 | softmax"
)


def cli_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_both_organisations_give_the_same_figures() -> None:
    """By hand, for 84 filters of 8 bands:
    first layer params: 84 · (3 · 15 · 8) + 84 = 84 · 360 + 84 = 30,324 (2-D: 3 maps ×
      15 frames × 8 bands; 1-D: 45 maps × 8 bands, the same 360 weights a filter);
    its output: 40 − 8 + 1 = 33 bands (and 15 − 15 + 1 = 1 frame in the 2-D form);
    its MACs: 84 maps · 33 positions · 360 = 997,920;
    pool 6 shift 2 along frequency: ⌊(33 − 6)/2⌋ + 1 = 14, so 84 × 14 = 1,176 values;
    fc: 1,176 · 1000 + 1000 = 1,177,000; 1000 · 1000 + 1000 = 1,001,000;
        1000 · 183 + 183 = 183,183 (MACs 1,176,000, 1,000,000, 183,000);
    totals: 30,324 + 1,177,000 + 1,001,000 + 183,183 = 2,391,507 params,
            997,920 + 1,176,000 + 1,000,000 + 183,000 = 3,356,920 MACs."""
    two_d = cli_json("abdelhamid2014")
    one_d = cli_json(ONE_D, "--input", "45x40")
    assert two_d["input_shape"] == [3, 15, 40]
    assert one_d["input_shape"] == [45, 40]

    first_2d, first_1d = two_d["layers"][0], one_d["layers"][0]
    assert (first_2d["params"], first_2d["macs"]) == (30_324, 997_920)
    assert (first_1d["params"], first_1d["macs"]) == (30_324, 997_920)
    assert first_2d["output_shape"] == [84, 1, 33]
    assert first_1d["output_shape"] == [84, 33]

    pool_2d, pool_1d = two_d["layers"][2], one_d["layers"][2]
    assert pool_2d["output_shape"] == [84, 1, 14]
    assert pool_1d["output_shape"] == [84, 14]

    # layer for layer, the same parameters and MACs; the same output from flatten on
    def figures(data: dict[str, Any]) -> list[tuple[int, int]]:
        return [(layer["params"], layer["macs"]) for layer in data["layers"]]

    assert figures(one_d) == figures(two_d)
    assert [layer["output_shape"] for layer in one_d["layers"][3:]] == [
        [1176], [1000], [1000], [1000], [1000], [183], [183]
    ]  # fmt: skip
    assert [layer["output_shape"] for layer in two_d["layers"][3:]] == [
        layer["output_shape"] for layer in one_d["layers"][3:]
    ]
    for data in (two_d, one_d):
        assert (data["total"]["params"], data["total"]["macs"]) == (2_391_507, 3_356_920)


def torch_modules(one_d: bool) -> Any:
    torch = need_torch()
    nn = torch.nn
    if one_d:
        features = [nn.Conv1d(45, 84, 8), nn.Sigmoid(), nn.MaxPool1d(6, 2)]
    else:
        features = [nn.Conv2d(3, 84, (15, 8)), nn.Sigmoid(), nn.MaxPool2d((1, 6), (1, 2))]
    return nn.Sequential(
        *features,
        nn.Flatten(),
        nn.Linear(84 * 14, 1000), nn.Sigmoid(),
        nn.Linear(1000, 1000), nn.Sigmoid(),
        nn.Linear(1000, 183), nn.Softmax(dim=1),
    )  # fmt: skip


def test_both_organisations_against_torch() -> None:
    """Conv1d(45, 84, 8) on 45 x 40 and Conv2d(3, 84, (15, 8)) on 3 x 15 x 40, each
    followed by the same pool and classifier, run on the meta device: their output
    shape after every layer, parameters and MACs (FlopCounterMode counts 2 FLOPs a
    MAC, convolutions and matrix products only) are cnncalc's."""
    torch = need_torch()
    counter_mode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode
    cases = [
        (True, (45, 40), cli_json(ONE_D, "--input", "45x40")),
        (False, (3, 15, 40), cli_json("abdelhamid2014")),
    ]
    for one_d, shape, data in cases:
        model = torch_modules(one_d).to("meta").eval()
        x = torch.empty((1, *shape), device="meta")
        shapes = []
        with counter_mode(display=False) as counter:
            for module in model:
                x = module(x)
                shapes.append(list(x.shape[1:]))
        assert shapes == [layer["output_shape"] for layer in data["layers"]]
        assert sum(p.numel() for p in model.parameters()) == data["total"]["params"]
        assert counter.get_total_flops() // 2 == data["total"]["macs"]


def test_the_two_organisations_compute_the_same_function() -> None:
    """The 45 maps are the 3 maps' 15 frames laid side by side (map 15·c + t is
    feature c at frame t), so a Conv2d(3, 84, (15, 8)) whose weights are reshaped to
    84 × 45 × 8 is a Conv1d(45, 84, 8): the same outputs on the same speech."""
    torch = need_torch()
    torch.manual_seed(0)
    conv2d = torch.nn.Conv2d(3, 84, (15, 8))
    conv1d = torch.nn.Conv1d(45, 84, 8)
    with torch.no_grad():
        conv1d.weight.copy_(conv2d.weight.reshape(84, 45, 8))
        conv1d.bias.copy_(conv2d.bias)
        x = torch.randn(2, 3, 15, 40)
        y2 = conv2d(x)  # 2 x 84 x 1 x 33
        y1 = conv1d(x.reshape(2, 45, 40))  # 2 x 84 x 33
    assert tuple(y2.shape) == (2, 84, 1, 33)
    assert tuple(y1.shape) == (2, 84, 33)
    assert torch.allclose(y2[:, :, 0, :], y1, atol=1e-5)
