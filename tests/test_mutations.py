"""Mutated real specs (the README's examples, every preset's YAML) through the CLI:
each ends in a result or a one-line error, never an internal error or a hang.
``benchmarks/fuzz.py`` runs the same mutations by the hundred thousand."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from mutate import cases, seeds
from test_robustness import check

ROOT = Path(__file__).resolve().parent.parent


def test_seeds_cover_the_readme_every_preset_and_the_examples() -> None:
    found = seeds(ROOT)
    assert sum(1 for _, dims in found if dims) >= 5  # README examples with --input
    files = [*(ROOT / "cnncalc" / "presets").glob("*.yaml"), *(ROOT / "examples").glob("*.yaml")]
    assert sum(1 for spec, _ in found if "layers:" in spec) == len(files)
    assert any(" as " in spec and "from " in spec for spec, _ in found)  # names are seeds


class Hang(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise Hang


@pytest.mark.parametrize(("spec", "dims"), cases(ROOT, 300, seed=1))
def test_mutated_spec(spec: str, dims: str) -> None:
    yaml_like = "\n" in spec or "layers:" in spec
    args = ["-", "--json"] if yaml_like else [spec, "--json"]
    if dims:
        args += ["--input", dims]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(10)  # a hang guard only: a case takes milliseconds
    try:
        check(args, stdin=spec if yaml_like else None)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
