"""Character-level mutations of real specs, for fuzzing the CLI as a user's typos,
a corrupted download or an attacker would change them.

The seeds are what users actually give cnncalc: the README's console examples
and every preset's YAML. Used by ``benchmarks/fuzz.py`` (100,000 cases, a
report) and by ``tests/test_mutations.py`` (a few hundred, every CI run).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

ODD = [
    "²", "٣", "３", "3_0", "1e999", "nan", "-0", "0", "9" * 40, "9" * 5000,
    "\x00", "\x1b[2J", "\x1b]52;c;aGk=\x07", "\u202e", "\ufffe", "\r", "\n", "\t", "\\",
    "'", '"', '"""', "{", "}", "{width*4}", "&a", "*a", "!!python/object:os.system", "!foo",
    "[", "]", ";", "|", "*", "x", "×", "res[", "cat[", "]*2", "]*1000000000", ":", "- ", "  ",
    "conv", "pool", "fc", "relu", "s2", "p1", "psame", "g3", "dw", "op1", "table=0,1/1",
    "adaptivepool 1000000001", "leakyrelu 1e999", "res[fc 1]", "name: ", "input: ",
]  # fmt: skip
"""Fragments worth inserting: Unicode digits, huge and non-finite numbers, control
and bidi characters, YAML syntax and tags, the grammar's own punctuation and words."""


def seeds(root: Path) -> list[tuple[str, str]]:
    """(spec, --input) pairs: the README's example commands, every preset's YAML and
    the README's example files (an empty input: the YAML names its own)."""
    found: list[tuple[str, str]] = []
    readme = (root / "README.md").read_text(encoding="utf-8")
    pattern = r'cnncalc "([^"]+)"(?: --input (\S+))?'
    for spec, dims in re.findall(pattern, readme):
        found.append((spec, dims))
    for path in sorted((root / "cnncalc" / "presets").glob("*.yaml")):
        found.append((path.read_text(encoding="utf-8"), ""))
    for path in sorted((root / "examples").glob("*.yaml")):  # fpn_resnet50: names
        found.append((path.read_text(encoding="utf-8"), ""))
    return found


def mutate(text: str, rng: random.Random, edits: int = 3) -> str:
    """``text`` with a few random edits: deletions, insertions of odd fragments or
    of a piece of itself, replacements, and swapped chunks."""
    for _ in range(rng.randint(1, edits)):
        at = rng.randint(0, len(text))
        op = rng.random()
        if op < 0.25 and text:
            end = min(len(text), at + rng.randint(1, 8))
            text = text[:at] + text[end:]
        elif op < 0.6:
            text = text[:at] + rng.choice(ODD) + text[at:]
        elif op < 0.75 and text:
            start = rng.randint(0, len(text) - 1)
            piece = text[start : start + rng.randint(1, 40)]
            text = text[:at] + piece * rng.randint(1, 3) + text[at:]
        elif op < 0.9 and text:
            text = text[:at] + chr(rng.randint(0, 0x2FF)) + text[at + 1 :]
        elif text:
            a, b = sorted(rng.sample(range(len(text) + 1), 2)) if len(text) > 1 else (0, 0)
            text = text[a:b] + text[:a] + text[b:]
    return text


def cases(root: Path, count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` mutated (spec, --input) pairs, the same for the same seed."""
    rng = random.Random(seed)
    base = seeds(root)
    out = []
    for _ in range(count):
        spec, dims = rng.choice(base)
        spec = mutate(spec, rng)
        if dims and rng.random() < 0.2:
            dims = mutate(dims, rng, 1)
        out.append((spec, dims))
    return out
