"""Writes the densenet121 and densenet169 presets: torchvision's _DenseBlock by names.

    python scripts/densenet_presets.py            # rewrite both YAML files
    python -m cnncalc.presets                     # then their parsed forms

Each dense layer reads the concatenation of every earlier output of its block
(``from f0 | cat f1,f2,...``): 6 to 32 names a line, too many to write by hand.
tests/test_presets.py checks that the files are what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "cnncalc" / "presets"

CONFIG: dict[str, tuple[tuple[int, ...], str, str, str]] = {
    "densenet121": (
        (6, 12, 24, 16),
        "7,978,856 params, 2.834 GMACs",
        "8.0M params, 2.83 GMACs",
        "(64 + 6*32 = 256 -> 128; 128 + 12*32 = 512 -> 256; 256 + 24*32 = 1024 -> 512;\n"
        "# 512 + 16*32 = 1024)",
    ),
    "densenet169": (
        (6, 12, 32, 32),
        "14,149,480 params, 3.36 GMACs",
        "14.1M params, 3.36 GMACs",
        "(64 + 6*32 = 256 -> 128; 128 + 12*32 = 512 -> 256; 256 + 32*32 = 1280 -> 640;\n"
        "# 640 + 32*32 = 1664)",
    ),
}
"""Each preset's block sizes, published figures (its header and description) and
channel arithmetic."""
LAYER = "bn | relu | conv 128x1x1 nobias | bn | relu | conv 32x3x3 p1 nobias"


def write(name: str) -> str:
    blocks, published, short, channels = CONFIG[name]
    depth = {"densenet121": 121, "densenet169": 169}[name]
    out = [
        f"# DenseNet-{depth} as in torchvision (Huang et al. 2017; torchvision/models/densenet.py,",
        f"# _densenet(32, {blocks}, 64)): growth rate 32, bottleneck width 4 x 32,",
        f"# blocks of {', '.join(map(str, blocks))} layers, transitions halving the channels",
        f"# {channels}. torchvision: {published}.",
        "#",
        "# Each dense block is written as torchvision's _DenseBlock computes it, by names:",
        "# the block's input (f0) and every layer's 32 new maps (f1, f2, ...) are kept in a",
        "# list, each layer reads torch.cat of all of them so far ('from f0 | cat f1,...'),",
        "# and the block ends in the cat of the whole list. The same parameters and MACs as",
        "# concatenating onto a growing tensor (cat[ ; layer ]), and the tensors PyTorch",
        "# holds: what the memory model needs (its inference peak follows torchvision's).",
        "# (torchvision's first layer also concatenates a list of one tensor, a copy of f0,",
        "# which is not written here.) Written by scripts/densenet_presets.py; the counts",
        "# are checked in tests/test_architectures.py.",
        f"name: {name}",
        f"description: DenseNet-{depth} as in torchvision ({short})",
        "source: torchvision/models/densenet.py",
        "input: [3, 224, 224]",
        "blocks:",
        "  transition:",
        "    params: {out: 128}",
        "    layers:",
        "      - bn | relu | conv {out}x1x1 nobias | avgpool 2",
        "layers:",
        "  - conv 64x7x7 s2 p3 nobias | bn | relu | maxpool 3 s2 p1",
    ]
    channels_now = 64
    for b, count in enumerate(blocks, 1):
        out += ["  - group:", f"      name: denseblock{b}", "      layers:"]
        out.append("        - identity as f0                # the block's input, the list's first")
        for k in range(1, count + 1):
            names = ",".join(f"f{j}" for j in range(1, k))
            read = f"from f0 | cat {names} | " if k > 1 else ""
            out.append(f"        - {read}{LAYER} as f{k}")
        out.append("        - from f0 | cat " + ",".join(f"f{j}" for j in range(1, count + 1)))
        channels_now += 32 * count
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
