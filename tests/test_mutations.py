"""Mutated real specs (the README's examples, every preset's YAML) and hand-made
shapes (huge strides under repeats, names on every construct, views around every
kind, NaN and huge option values) through the CLI: each ends in a result or a
one-line error, never an internal error or a hang. ``benchmarks/fuzz.py`` runs
the same cases by the hundred thousand."""

from __future__ import annotations

import random
import signal
from pathlib import Path
from typing import Any

import pytest
from mutate import (
    NAMED,
    Case,
    argv,
    cases,
    huge_strides,
    named,
    seeds,
    solve_case,
    views,
)

from cnncalc.kinds import KINDS
from cnncalc.kinds.grammar import example

from conftest import check_outcome as check

ROOT = Path(__file__).resolve().parent.parent


def test_seeds_cover_the_readme_every_preset_and_the_examples() -> None:
    found = seeds(ROOT)
    assert sum(1 for _, dims in found if dims) >= 5  # README examples with --input
    files = [*(ROOT / "cnncalc" / "presets").glob("*.yaml"), *(ROOT / "examples").glob("*.yaml")]
    assert sum(1 for spec, _ in found if "layers:" in spec) == len(files)
    assert any(" as " in spec and "from " in spec for spec, _ in found)  # names are seeds


def test_the_shapes_cover_what_issue_20_asks() -> None:
    rng = random.Random(0)
    made = [huge_strides(rng)[0] for _ in range(2000)]
    assert any("deconv" in m and "9" * 30 in m and "]*9999" in m for m in made)
    constructs = {n.split("[")[0] for n in NAMED}
    assert {"res", "cat", "mul", "split", "catcrop", "side", ""} <= constructs
    assert any("shared" in n for n in NAMED)
    options = {o for _ in range(200) for o in named(rng)[2]} | {
        o for _ in range(200) for o in solve_case(rng)[2]
    }
    assert {"nan", "inf", "1e40", "9223372036854775807"} <= options


class Hang(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise Hang


def run(case: Case, scratch: Path) -> None:
    args, stdin = argv(case, str(scratch))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(10)  # a hang guard only: a case takes milliseconds
    try:
        check(args, stdin=stdin)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case", cases(ROOT, 300, seed=1))
def test_mutated_spec(case: Case, tmp_path: Path) -> None:
    run(case, tmp_path)


@pytest.mark.parametrize("case", views([example(kind) for kind in KINDS.values()]))
def test_views_around_every_kind(case: Case, tmp_path: Path) -> None:
    run(case, tmp_path)


def test_a_nan_scale_is_refused_before_any_picture(tmp_path: Path) -> None:
    """``--scale nan`` passed click's range check and reached the PNG writer (exit 1)."""
    run(
        ("conv 8x3x3 | relu", "3x8x8", ("--json", "--png", "{dir}/net.png", "--scale", "nan")),
        tmp_path,
    )
