"""Writes the DenseNet presets (121, 161, 169, 201): torchvision's _DenseBlock by names.

    python scripts/densenet_presets.py            # rewrite the YAML files
    python -m cnncalc.presets                     # then their parsed forms

Each dense layer reads the concatenation of every earlier output of its block
(``from f0 | cat f1,f2,...``): up to 48 names a line, too many to write by hand.
tests/test_presets.py checks that the files are what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "cnncalc" / "presets"

CONFIG: dict[str, tuple[int, tuple[int, ...], int, str, str]] = {
    "densenet121": (32, (6, 12, 24, 16), 64, "7,978,856 params, 2.834 GMACs", "8.0M, 2.83"),
    "densenet161": (48, (6, 12, 36, 24), 96, "28,681,000 params, 7.728 GMACs", "28.7M, 7.73"),
    "densenet169": (32, (6, 12, 32, 32), 64, "14,149,480 params, 3.36 GMACs", "14.1M, 3.36"),
    "densenet201": (32, (6, 12, 48, 32), 64, "20,013,928 params, 4.291 GMACs", "20.0M, 4.29"),
}
"""Each preset's _densenet(growth_rate, block_config, num_init_features) as in
torchvision's builders, and its published figures (its header and description)."""


def channels(growth: int, blocks: tuple[int, ...], init: int) -> str:
    """The channel arithmetic of the header: each block's growth, each transition's halving."""
    steps, now = [], init
    for b, count in enumerate(blocks, 1):
        step = f"{now} + {count}*{growth} = {now + growth * count}"
        now += growth * count
        if b < len(blocks):
            step += f" -> {now // 2}"
            now //= 2
        steps.append(step)
    return "(" + "; ".join(steps[:3]) + ";\n# " + "; ".join(steps[3:]) + ")"


def write(name: str) -> str:
    growth, blocks, init, published, short = CONFIG[name]
    params, gmacs = short.split(", ")
    depth = int(name.removeprefix("densenet"))
    layer = f"bn | relu | conv {4 * growth}x1x1 nobias | bn | relu | conv {growth}x3x3 p1 nobias"
    out = [
        f"# DenseNet-{depth} as in torchvision (Huang et al. 2017; torchvision/models/densenet.py,",
        f"# _densenet({growth}, {blocks}, {init})): growth rate {growth}, bottleneck width"
        f" 4 x {growth},",
        f"# blocks of {', '.join(map(str, blocks))} layers, transitions halving the channels",
        f"# {channels(growth, blocks, init)}. torchvision: {published}.",
        "#",
        "# Each dense block is written as torchvision's _DenseBlock computes it, by names:",
        f"# the block's input (f0) and every layer's {growth} new maps (f1, f2, ...) are kept in a",
        "# list, each layer reads torch.cat of all of them so far ('from f0 | cat f1,...'),",
        "# and the block ends in the cat of the whole list. The same parameters and MACs as",
        "# concatenating onto a growing tensor (cat[ ; layer ]), and the tensors PyTorch",
        "# holds: what the memory model needs (its inference peak follows torchvision's).",
        "# (torchvision's first layer also concatenates a list of one tensor, a copy of f0,",
        "# which is not written here.) Written by scripts/densenet_presets.py; the counts",
        "# are checked in tests/test_architectures.py.",
        f"name: {name}",
        f"description: DenseNet-{depth} as in torchvision ({params} params, {gmacs} GMACs)",
        "source: torchvision/models/densenet.py",
        "input: [3, 224, 224]",
        "blocks:",
        "  transition:",
        "    params: {out: 128}",
        "    layers:",
        "      - bn | relu | conv {out}x1x1 nobias | avgpool 2",
        "layers:",
        f"  - conv {init}x7x7 s2 p3 nobias | bn | relu | maxpool 3 s2 p1",
    ]
    channels_now = init
    for b, count in enumerate(blocks, 1):
        out += ["  - group:", f"      name: denseblock{b}", "      layers:"]
        out.append("        - identity as f0                # the block's input, the list's first")
        for k in range(1, count + 1):
            names = ",".join(f"f{j}" for j in range(1, k))
            read = f"from f0 | cat {names} | " if k > 1 else ""
            out.append(f"        - {read}{layer} as f{k}")
        out.append("        - from f0 | cat " + ",".join(f"f{j}" for j in range(1, count + 1)))
        channels_now += growth * count
        if b < len(blocks):
            channels_now //= 2
            out.append(f"  - transition: {{out: {channels_now}, name: transition{b}}}")
    out += ["  - bn | relu", "  - adaptivepool 1", "  - flatten", "  - fc 1000", ""]
    return "\n".join(out)


def main() -> None:
    for name in sys.argv[1:] or sorted(CONFIG):
        (FOLDER / f"{name}.yaml").write_text(write(name), encoding="utf-8")


if __name__ == "__main__":
    main()
