"""Hostile YAML (issue 11): every document is answered or refused with one clean
error line, in work bounded by counting (aliases are counted, never expanded).

The subprocess timeout is only a hang guard; time and memory of each case are
measured by benchmarks/hostile_yaml.py.
"""

from __future__ import annotations

import subprocess
import sys

import hostile_yaml as hostile
import pytest
from click.testing import CliRunner

from cnncalc import SpecError
from cnncalc.cli import cli
from cnncalc.readers.yamlsafety import VALUE_LIMIT
from cnncalc.readers.yamlspec import _Reader, load


def check(text: str) -> str:
    """Run the CLI on ``text``; exit 0 or 2, and on 2 one short error line (plus the
    source line and its caret), never a traceback."""
    result = CliRunner().invoke(cli, ["-", "--json", "--input", "3"], input=text)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines[0].startswith("error: ") and "internal error" not in lines[0]
        assert len(lines) <= 3 and len(lines[0]) < 300, lines
    return result.stderr


@pytest.mark.parametrize("place", sorted(hostile.ALIAS_BOMBS))
def test_alias_bombs_everywhere(place: str) -> None:
    check(hostile.ALIAS_BOMBS[place])


@pytest.mark.parametrize(
    "place", ["input", "block params", "block argument", "block argument in a stage"]
)
def test_a_bombed_value_is_refused_by_counting(place: str) -> None:
    # 10 items, 10 of those, … 9 levels: 10 + 10² + … + 10⁹ = 1,111,111,110 under the top
    err = check(hostile.ALIAS_BOMBS[place])
    assert "expands to 1,111,111,111 items through YAML aliases" in err
    assert f"at most {VALUE_LIMIT:,}" in err


def test_a_bomb_in_notes_costs_nothing() -> None:
    result = CliRunner().invoke(
        cli, ["-", "--json", "--input", "3"], input=hostile.ALIAS_BOMBS["notes only"]
    )
    assert result.exit_code == 0, result.output


def test_sizes_are_counted_without_expanding() -> None:
    reader = _Reader(hostile.ALIAS_BOMBS["notes only"], "x")
    root = reader.root()
    assert root is not None
    reader.audit(root)
    notes = root.value[0][1]
    # each level: itself + 10 of the level below; level 0: itself + 10 leaves
    expected = 11
    for level in notes.value:
        assert reader.sizes[id(level)] == expected
        expected = 1 + 10 * expected
    assert not reader.aliased[id(notes.value[0])] and reader.aliased[id(notes.value[1])]


@pytest.mark.parametrize("place", sorted(hostile.RECURSIVE))
def test_recursive_aliases(place: str) -> None:
    with pytest.raises(SpecError) as info:
        load(hostile.RECURSIVE[place], "net.yaml")
    assert "recursive alias" in info.value.message
    assert "recursive alias" in check(hostile.RECURSIVE[place])


def test_recursive_alias_from_the_issue_has_a_caret() -> None:
    with pytest.raises(SpecError) as info:
        load("layers: &l [relu, *l]", "net.yaml")
    loc = info.value.location
    assert loc is not None and loc.where == "net.yaml:1"
    assert loc.line[loc.start : loc.end] == "&l [relu, *l]"  # the anchor and its value


@pytest.mark.parametrize("place", sorted(hostile.DUPLICATES))
def test_duplicate_keys(place: str) -> None:
    text, key = hostile.DUPLICATES[place]
    with pytest.raises(SpecError) as info:
        load(text, "net.yaml")
    assert info.value.message == f"'{key}' is given twice"
    loc = info.value.location
    assert loc is not None and loc.line[loc.start : loc.end] == key
    first = loc.line.find(key)
    # the caret is under the second one where both are on one line
    assert loc.start > first or loc.line.count(key) == 1
    check(text)


@pytest.mark.parametrize("place", sorted(hostile.TAGS))
def test_tags_other_than_plain_data(place: str) -> None:
    text, shown = hostile.TAGS[place]
    with pytest.raises(SpecError) as info:
        load(text, "net.yaml")
    assert info.value.message.startswith("unsupported YAML value: ")
    assert info.value.location is not None
    assert shown in info.value.location.line
    check(text)


def test_plain_tags_still_read() -> None:
    model = load("name: !!str 12\ninput: [!!int 3]\nlayers: [!!str relu]\nnotes: {a: ~, b: 1.5}")
    assert model.name == "12" and model.input_shape == (3,)


def test_aliases_inside_the_limits_still_work() -> None:
    text = (
        "input: &n [3, 8, 8]\n"
        "notes: {shape: *n}\n"
        "layers:\n"
        "  - &c {conv: {filters: 4, kernel: 3, padding: 1}}\n"
        "  - *c\n"
        "  - relu\n"
    )
    model = load(text)
    assert model.input_shape == (3, 8, 8) and len(model.layers) == 3


@pytest.mark.parametrize("name", sorted(hostile.OTHERS))
def test_deep_nesting_and_many_keys(name: str) -> None:
    check(hostile.OTHERS[name])


def test_messages_show_a_line_of_a_value_at_most() -> None:
    # a 10,000-item list (within the limit) where a number belongs
    items = ", ".join(["1"] * 9000)
    with pytest.raises(SpecError) as info:
        load(f"notes: &a [{items}]\nlayers:\n  - conv: {{filters: *a, kernel: 3}}")
    assert len(info.value.message) < 300
    with pytest.raises(SpecError) as info:
        load("layers:\n  - conv:\n      ? " + "k" * 100_000 + "\n      : 3")  # an explicit key
    assert len(info.value.message) < 300 and "…" in info.value.message


def test_in_a_subprocess() -> None:
    """Hang guard: the issue's 605-byte document, as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "cnncalc", "-"],
        input=hostile.ALIAS_BOMBS["input"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 2 and done.stderr.startswith("error: ")
