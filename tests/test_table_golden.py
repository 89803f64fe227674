"""What users read: the table at 60, 80, 100 and 160 columns, compared exactly
with files under tests/golden/, laid out as on a terminal (Rich, the width
given, colour off). After a deliberate change, regenerate them with
``CNNCALC_UPDATE_GOLDEN=1 pytest tests/test_table_golden.py`` and read every
changed file before committing it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cnncalc import sources
from cnncalc.engine import analyze
from cnncalc.memory import estimate
from cnncalc.render import table
from cnncalc.render.columns import columns

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CNNCALC_UPDATE_GOLDEN") == "1"
WIDTHS = (60, 80, 100, 160)
CASES = {  # file stem: (spec, --compare, --depth)
    "lenet5": ("lenet5", False, None),
    "slides-compare": ("slides", True, None),
    "vgg16-compare": ("vgg16", True, None),
    "resnet50-depth2": ("resnet50", False, 2),
}


def terminal(spec: str, width: int, compare: bool = False, depth: int | None = None) -> str:
    """The table as a terminal ``width`` columns wide shows it, without colour."""
    report = analyze(sources.load(spec))
    cols = columns(compare)
    return table.render(report, cols, depth, True, estimate(report), width=width, color=False)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, width: int) -> None:
    spec, compare, depth = CASES[case]
    text = terminal(spec, width, compare, depth)
    path = GOLDEN / f"{case}-{width}.txt"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with CNNCALC_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= width
