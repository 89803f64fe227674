"""A YAML file's layers are counted as reading counts them (issue 20, item 13):
each item of a layer list once, whatever its form, and a block's lists inside
it. Every YAML node once counted as a layer, so 2,501 ``conv: {filters: 8,
kernel: 1}`` (four nodes each) were refused as "expands to more than 10,000
layers (YAML aliases?)". Aliases that expand past the limit are still refused
before a layer is read."""

from __future__ import annotations

import json

import pytest

from cnncalc.errors import SpecError
from cnncalc.readers import yamlspec

from conftest import invoke

FORMS = [
    "conv: {filters: 8, kernel: 1}",
    "conv: {filters: 8, kernel: [1, 1], stride: [1, 1], padding: [0, 0], bias: false}",
    "{conv: {filters: 8, kernel: 1, name: null}}",
    "relu: {}",
    "conv 8x1x1",
]


@pytest.mark.parametrize("form", FORMS)
def test_the_limit_counts_layers_in_any_form(form: str) -> None:
    def doc(count: int) -> str:
        return "input: [8, 2, 2]\nlayers:\n" + f"  - {form}\n" * count

    model = yamlspec.load(doc(100), max_layers=100)  # the limit itself: read
    assert len(model.layers) == 100
    with pytest.raises(SpecError, match="more than 100 layers"):
        yamlspec.load(doc(101), max_layers=100)


def test_ten_thousand_field_layers_from_the_issue() -> None:
    text = "input: [8, 2, 2]\nlayers:\n" + "  - conv: {filters: 8, kernel: 1}\n" * 10_000
    code, out, err = invoke("-", "--json", stdin=text)
    assert code == 0, err
    assert len(json.loads(out)["layers"]) == 10_000


def test_blocks_count_their_lists() -> None:
    # a residual is an item, and so is each layer of its body and shortcut: 3 per block
    block = "  - residual: {body: [conv: {filters: 8, kernel: 1}], shortcut: [relu]}\n"
    text = "input: [8, 2, 2]\nlayers:\n" + block * 33
    assert len(yamlspec.load(text, max_layers=99).layers) == 33
    with pytest.raises(SpecError, match="more than 98 layers"):
        yamlspec.load(text, max_layers=98)
    # branches: the concat and each layer of its two branches, 2 + 1
    cat = "  - concat: [[conv: {filters: 8, kernel: 1, stride: [1, 1]}, relu], [relu]]\n"
    text = "input: [8, 2, 2]\nlayers:\n" + cat * 25
    assert len(yamlspec.load(text, max_layers=100).layers) == 25
    with pytest.raises(SpecError, match="more than 99 layers"):
        yamlspec.load(text, max_layers=99)


def test_aliases_past_the_limit_are_refused_before_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 100 layers behind one alias, used by 101 groups: 101 · (1 + 100) = 10,201 items
    lines = ["input: [8, 2, 2]", "notes:", "  - &g [" + ", ".join(["relu"] * 100) + "]"]
    lines += ["layers:"] + ["  - group: {layers: *g}"] * 101
    read: list[object] = []
    original = yamlspec._Reader.item
    monkeypatch.setattr(yamlspec._Reader, "item", lambda *a: read.append(a) or original(*a))
    with pytest.raises(SpecError, match="expands to more than 10,000 layers"):
        yamlspec.load("\n".join(lines) + "\n")
    assert read == []
    # 99 groups: 99 · 101 = 9,999 items, read
    lines = lines[:4] + ["  - group: {layers: *g}"] * 99
    assert len(yamlspec.load("\n".join(lines) + "\n").layers) == 99
