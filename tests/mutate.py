"""Character-level mutations of real specs, for fuzzing the CLI as a user's typos,
a corrupted download or an attacker would change them.

The seeds are what users actually give cnncalc: the README's console examples
and every preset's YAML. Besides them, shapes that once broke cnncalc are made
by hand (issue 20): huge strides under repeats, a name on every construct,
views (identity, flatten, reshape) before and after every layer kind, and
options with NaN, infinite or huge values. Used by ``benchmarks/fuzz.py``
(100,000 cases, a report) and by ``tests/test_mutations.py`` (a few hundred,
every CI run).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

Case = tuple[str, str, tuple[str, ...]]
"""A spec (or a YAML document, or ``solve``), its ``--input`` (may be empty) and
the options that follow; ``{dir}`` in an option stands for a scratch folder."""

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


FIELD_SHOWN = [
    ("--json",),
    ("--rf",),
    ("--rf", "--format", "csv"),
    ("--rf", "--format", "markdown"),
    ("--json", "--html", "{dir}/page.html"),
    ("--json", "--svg", "{dir}/net.svg"),
]
"""Every place a receptive field is shown."""
OPTIONS = [
    *FIELD_SHOWN,
    ("--json", "--explain"),
    ("--json", "--memory"),
    ("--json", "--scale", "nan"),
    ("--json", "--scale", "inf"),
    ("--json", "--fit", "nan"),
    ("--json", "--fit", "inf"),
    ("--json", "--fit", "1e40"),
    ("--json", "--fit", "24GiB"),
    ("--json", "--batch", "1e40"),
    ("--json", "--batch", "9" * 30),
    ("--json", "--amp", "float16", "--batch", "1000000"),
    ("--json", "--max-layers", "9223372036854775807"),
    ("--json", "--strict"),
    ("--json", "--png", "{dir}/net.png", "--scale", "nan"),
]
"""Options, among them NaN, infinite and huge values (issue 20's fuzz additions)."""
HUGE = ["9" * 30, "1" + "0" * 15, "1" + "0" * 29, "999999999999", "2", "7"]
"""Strides and counts: the largest a spec may give, its square root, and small ones."""
STRIDED = ["conv 1x1", "deconv 1x1", "pool 1", "conv 1x2 p1", "deconv 1x2 p1", "avgpool 1"]
STRIDED += ["conv 2x1x1", "upsample 2", "maxpool 1", "sepconv 1x1x1", "local 1x1"]


def huge_strides(rng: random.Random) -> Case:
    """``[conv 1x1 s999…]*9999`` and its kin: receptive fields whose numbers grow
    by 30 digits a layer (issue 20, items 1 and 2), nested or followed by fc."""
    layer = rng.choice(STRIDED)
    if "upsample" not in layer:
        layer += f" s{rng.choice(HUGE)}"
    text = f"[{layer}]*{rng.choice(['2', '144', '150', '9999', '3'])}"
    if rng.random() < 0.3:
        text = f"[{text} | {rng.choice(STRIDED)}]*{rng.choice(['2', '70'])}"
    if rng.random() < 0.3:
        text += rng.choice([" | fc 2", " | gap", " | flatten", " | relu"])
    return text, rng.choice(["1x1", "1x1x1", "2x4x4", "1x9"]), rng.choice(FIELD_SHOWN)


NAMED = [
    "res[conv 8x3x3 p1]",
    "res[conv 8x3x3 p1 ; conv 8x1x1]",
    "cat[conv 8x1x1 ; conv 8x1x1]",
    "mul[gap | conv 8x1x1 | sigmoid]",
    "split[conv 4x1x1 ; ]",
    "catcrop[conv 8x3x3 ; ]",
    "side[gap | flatten | fc 10]",
    "[conv 8x3x3 p1 | relu]*2",
    "[conv 8x3x3 p1 | relu]*2 shared",
    "[relu]*3 shared",
    "conv 8x3x3 p1",
    "identity",
]
"""Every construct that takes ``as NAME`` after it (issue 20's fuzz additions)."""
READS = ["add x", "mul x", "cat x", "catcrop x", "from x", "cat x,x", "add x | from x"]


def named(rng: random.Random, options: list[tuple[str, ...]] = OPTIONS) -> Case:
    """A construct named ``x``, then layers, then a join that reads it (or none)."""
    parts = [rng.choice(["conv 8x3x3 p1", "identity", "relu", "bn"])]
    parts.append(f"{rng.choice(NAMED)} as x")
    parts += rng.sample(
        ["relu", "conv 8x3x3 p1", "pool 2", "identity", "flatten"], rng.randint(0, 2)
    )
    if rng.random() < 0.8:
        parts.append(rng.choice(READS))
    if rng.random() < 0.3:  # the whole inside a block of its own, named too
        parts = [f"{rng.choice(['res', 'cat', 'side', 'mul'])}[{' | '.join(parts)}] as y", "add y"]
    return " | ".join(parts), "8x8x8", rng.choice(options)


VIEWS = ["identity", "flatten", "reshape 8x8x8", "reshape 512", "reshape 2x16x16", "reshape 32x4x4"]


def views(kinds: list[str]) -> list[Case]:
    """Every layer kind (``kinds``: one example of each) with each view before and
    after it, and named so that a join kind reads the view before it."""
    out: list[Case] = []
    for layer in kinds:
        for view in VIEWS:
            out.append((f"{view} as p5 | {layer}", "8x8x8", ("--json",)))
            out.append((f"{layer} | {view}", "8x8x8", ("--json", "--memory", "--rf")))
            out.append((f"{view} as p5 | {layer} | {view}", "8x8x8", ("--json",)))
    return out


def solve_case(rng: random.Random) -> Case:
    """``cnncalc solve`` with huge or odd values, --limit past sys.maxsize among them."""
    sizes = ["1", "3", "224", "112", "1000000", "9" * 30, "0", "nan", "-1"]
    options = ["--in", rng.choice(sizes), "--out", rng.choice(sizes)]
    for option in rng.sample(
        ["--kernel", "--stride", "--padding", "--dilation"], rng.randint(0, 2)
    ):
        options += [option, rng.choice(sizes)]
    for option in ("--max-kernel", "--max-stride"):
        if rng.random() < 0.5:
            options += [option, rng.choice(["1000000", "100000000", "11", "9" * 30])]
    options += ["--limit", rng.choice(["9223372036854775807", "1000000", "100000000", "20"])]
    options += rng.sample(["--transposed", "--exact", "--json"], rng.randint(0, 2))
    return "solve", "", tuple(options)


def shapes(rng: random.Random) -> Case:
    """One of the hand-made shapes, sometimes mutated a little; ``elsewhere``: with
    the options of :data:`ELSEWHERE` among the choices."""
    choice = rng.choice([huge_strides, named, named, solve_case])
    if choice is named:
        spec, dims, options = named(rng, OPTIONS)
    else:
        spec, dims, options = choice(rng)
    if spec != "solve" and rng.random() < 0.3:
        spec = mutate(spec, rng, 1)
    return spec, dims, options


def argv(case: Case, scratch: str) -> tuple[list[str], str | None]:
    """The CLI arguments of a case and its stdin: a YAML document goes on stdin."""
    spec, dims, options = case
    yaml_like = "\n" in spec or "layers:" in spec
    args = ["-"] if yaml_like else [spec]
    if dims:
        args += ["--input", dims]
    args += [option.replace("{dir}", scratch) for option in options]
    return args, spec if yaml_like else None


def cases(root: Path, count: int, seed: int = 0) -> list[Case]:
    """``count`` cases, the same for the same seed: four in five mutated seeds
    (with ``--json``), one in five a hand-made shape (see :func:`shapes`)."""
    rng = random.Random(seed)
    base = seeds(root)
    out: list[Case] = []
    for _ in range(count):
        if rng.random() < 0.2:
            out.append(shapes(rng))
            continue
        spec, dims = rng.choice(base)
        spec = mutate(spec, rng)
        if dims and rng.random() < 0.2:
            dims = mutate(dims, rng, 1)
        out.append((spec, dims, ("--json",)))
    return out
