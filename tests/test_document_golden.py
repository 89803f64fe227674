"""What programs read: the JSON document and the emitted PyTorch source,
compared exactly with files under tests/golden/, as the tables are. After a
deliberate change, regenerate them with
``CNNCALC_UPDATE_GOLDEN=1 pytest tests/test_document_golden.py`` and read every
changed file before committing it: a changed field of the JSON is a change of
the public contract (extend it, never rename or drop one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import invoke

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CNNCALC_UPDATE_GOLDEN") == "1"
CONSTRUCTS = (
    "conv 8x3x3 p1 | res[conv 8x3x3 p1 | bn ; conv 8x1x1] | cat[ ; conv 4x1x1] "
    "| mul[gap | conv 12x1x1 | hardsigmoid] | split[ ; conv 6x3x3 p1] | shuffle 2 "
    "| catcrop[conv 4x3x3 ; ] | sum[conv 16x3x3 p1 ; ] | side[gap | flatten | fc 3] "
    "| [conv 16x3x3 p1 | relu]*2 | [conv 16x1x1]*2 shared | relu as r | conv 16x1x1 | add r"
)
"""Every construct and a named join, in one spec."""
CASES = {  # file name: the arguments
    "lenet5.json": ["lenet5", "--json"],
    "lenet5.torch.txt": ["lenet5", "--emit", "torch"],
    "constructs.json": [CONSTRUCTS, "--input", "3x16x16", "--json", "--explain"],
    "constructs.torch.txt": [CONSTRUCTS, "--input", "3x16x16", "--emit", "torch"],
    "resnet18.torch.txt": ["resnet18", "--emit", "torch"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_document(name: str) -> None:
    code, text, err = invoke(*CASES[name])
    assert code == 0, err
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with CNNCALC_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
