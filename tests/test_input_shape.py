"""``--input`` with a size left out is refused wherever it is (issue 20, item 11):
``3,,224,224`` and ``,3,224,224`` were read as 3×224×224 while ``3xx224x224`` was
refused. Each is exit 2, one line, and a caret under the spot."""

from __future__ import annotations

import json

import pytest

from conftest import invoke


@pytest.mark.parametrize(
    ("shape", "column"),  # the caret's column in the echoed value: the separator after the gap
    [
        ("3,,224,224", 2),
        (",3,224,224", 0),
        ("3xx224x224", 2),
        ("x3x224", 0),
        ("3x224x", 6),  # past the end: nothing follows the last x
        ("3,224,224,,", 10),  # one trailing comma is Python's; two leave a gap
        ("(3,,224)", 3),  # inside the brackets
        ("  3, ,224", 5),
        ("3,x224", 2),
    ],
)
def test_a_missing_size_is_refused_with_a_caret(shape: str, column: int) -> None:
    code, out, err = invoke("conv 8x3x3", "--input", shape, "--json")
    assert code == 2 and out == ""
    head, echoed, caret = err.splitlines()
    assert head == f"error: --input {shape}: a size is missing (expected e.g. 3x224x224)"
    assert echoed == "  " + shape
    assert caret == "  " + " " * column + "^"


@pytest.mark.parametrize("shape", ["3, 224, 224", "3,224,224,", "(3, 224, 224,)", " 3  224  224 "])
def test_spaces_and_one_trailing_comma_are_fine(shape: str) -> None:
    code, out, err = invoke("conv 8x3x3", "--input", shape, "--json")
    assert code == 0, err
    assert json.loads(out)["input_shape"] == [3, 224, 224]
    code, out, err = invoke("fc 10", "--input", "(50,)", "--json")
    assert code == 0 and json.loads(out)["input_shape"] == [50]
