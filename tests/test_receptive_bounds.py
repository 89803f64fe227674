"""Receptive fields stay bounded (issue 20, items 1 and 2): once a size, jump or
start (a fraction's numerator or denominator) exceeds 10^30 the field is no
longer worked out, and every renderer shows it as beyond the bound.

The expected values are worked out by hand in the comments: a conv of stride S
multiplies the jump by S, a transposed conv of stride S divides it by S, and
Araujo et al.'s recurrences give the sizes and starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc import receptive
from cnncalc.kinds import Reach
from cnncalc.number import LIMIT
from cnncalc.receptive import Field

from conftest import invoke, run

BIG = "9" * 30  # 10^30 − 1, the largest stride a spec may give


def fields(spec: str, *dims: int) -> list[Field]:
    report = run(spec, *dims)
    found = [layer.field for layer in report.layers]
    assert all(f is not None for f in found)
    return found  # type: ignore[return-value]


def test_jump_at_the_bound_is_exact_and_past_it_beyond() -> None:
    # strides of 10^15: jumps 10^15, 10^30 (the bound itself: still shown), 10^45
    first, second, third = fields("[conv 1x1 s1000000000000000]*3", 1, 1)
    assert (first.jumps, first.beyond) == ((10**15,), False)
    assert (second.jumps, second.beyond) == ((10**30,), False)
    assert third.beyond and not third.whole


def test_a_fraction_s_denominator_past_the_bound_is_beyond() -> None:
    # transposed strides of 10^15: jumps 1/10^15, 1/10^30, then 1/10^45
    first, second, third = fields("[deconv 1x1 s1000000000000000]*3", 1, 1)
    assert first.jumps == (Fraction(1, 10**15),)
    assert second.jumps == (Fraction(1, 10**30),) and not second.beyond
    assert third.beyond


def test_size_and_start_past_the_bound_are_beyond() -> None:
    # the recurrences by hand: size + (span − 1)·jump, start + begin·jump
    near = Field((LIMIT - 5,), (1,), (-(LIMIT - 2),))
    assert not receptive.step(near, Reach((6,), (1,), (0,)), (1,)).beyond  # size 10^30
    assert receptive.step(near, Reach((7,), (1,), (0,)), (1,)).beyond  # size 10^30 + 1
    assert not receptive.step(near, Reach((1,), (1,), (-2,)), (1,)).beyond  # start −10^30
    assert receptive.step(near, Reach((1,), (1,), (-3,)), (1,)).beyond  # start −10^30 − 1
    # a fraction's numerator past the bound though its value is about 1: with a
    # jump of 1/(10^30 − 1), size 1 + (span − 1)/(10^30 − 1) is (10^30 − 2 + span)/(10^30 − 1),
    # in lowest terms for span 2 (10^30 over it) and span 3 (10^30 + 1, both odd)
    fine = Field((1,), (Fraction(1, LIMIT - 1),), (0,))
    assert receptive.step(fine, Reach((2,), (1,), (0,)), (1,)).sizes == (
        Fraction(LIMIT, LIMIT - 1),
    )
    assert not receptive.step(fine, Reach((2,), (1,), (0,)), (1,)).beyond
    assert receptive.step(fine, Reach((3,), (1,), (0,)), (1,)).beyond


def test_a_field_beyond_the_bound_is_kept_as_is_then_whole_after_fc() -> None:
    found = fields(f"[conv 1x1 s{BIG}]*5 | fc 3", 1, 1)
    assert not found[0].beyond and all(f.beyond for f in found[1:5])
    assert found[2] is found[1] and found[4] is found[1]  # no more work once beyond
    assert found[5].whole and found[5].sizes == (1,)  # fc sees the whole 1-wide input


def test_a_path_beyond_the_bound_makes_the_join_beyond() -> None:
    report = run(f"res[conv 1x1 s{BIG} | conv 1x1 s{BIG} ; conv 1x1 s{BIG}]", 1, 1)
    body2, shortcut = report.layers[1].field, report.layers[2].field
    assert body2 is not None and body2.beyond  # jump (10^30 − 1)^2
    assert shortcut is not None and not shortcut.beyond  # jump 10^30 − 1
    assert report.tree[0].field is not None and report.tree[0].field.beyond
    # a crop moves the start by cut·jump: 10 · 10^29 is the bound itself, 11 · 10^29 past it
    wide = Field((1,), (10**29,), (0,), bound=10**29)
    assert receptive.cropped(wide, [10]).starts == (10**30,)
    assert not receptive.cropped(wide, [10]).beyond
    assert receptive.cropped(wide, [11]).beyond


def test_every_renderer_shows_the_bound() -> None:
    spec = f"[conv 1x2 s{BIG} p1]*3"  # the issue's (×150): size 2, then 2 + (10^30 − 1)
    code, out, _ = invoke(spec, "--input", "1x1", "--json")
    assert code == 0
    layers = json.loads(out)["layers"]
    assert layers[0]["receptive_field"] == {"size": [2], "jump": [10**30 - 1], "start": [-1]}
    for layer in layers[1:]:
        assert layer["receptive_field"] == {
            "size": None,
            "jump": None,
            "start": None,
            "exceeds_1e30": True,
        }
    code, out, _ = invoke(spec, "--input", "1x1", "--rf", "--format", "csv")
    assert code == 0
    assert [row.rsplit(",", 1)[1] for row in out.splitlines()[1:]] == ["2", ">10^30", ">10^30"]
    code, out, _ = invoke(spec, "--input", "1x1", "--rf", "--format", "markdown")
    assert code == 0
    cells = [row.rstrip(" |").rsplit("| ", 1)[1] for row in out.splitlines()[2:5]]
    assert cells == ["2", "&gt;10^30", "&gt;10^30"]  # Markdown writes > as an entity
    code, out, _ = invoke(spec, "--input", "1x1", "--rf")
    assert code == 0 and out.count(">10^30") == 3  # the block's row and its layers 2, 3


def test_the_issue_s_reproducers_answer_at_once() -> None:
    """Each ran 1–8 s, 0.7–1.3 GB or ended in exit 1 (int to str past 4,300 digits)."""
    for spec, options in [
        (f"[deconv 1x1 s{BIG}]*9999", ["--json"]),
        (f"[conv 1x1 s{BIG}]*9999", ["--format", "csv"]),
        (f"[conv 1x1 s{BIG}]*144", ["--json"]),
        (f"[pool 1 s{BIG}]*144", ["--json"]),
        (f"[conv 1x2 s{BIG} p1]*150", ["--rf", "--format", "markdown"]),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "cnncalc", spec, "--input", "1x1", *options],
            capture_output=True,
            text=True,
            timeout=60,  # a hang guard only: the bound is checked on the values above
        )
        assert done.returncode == 0, (spec, done.stderr)


INTS = st.integers(-(10**31), 10**31)


@given(
    st.lists(
        st.tuples(st.integers(1, 10**31), st.integers(1, 10**31), INTS), min_size=1, max_size=8
    ),
)
@settings(max_examples=300, deadline=None)
def test_the_bound_never_misses_a_value_past_it(layers: list[tuple[int, int, int]]) -> None:
    """A chain of 1-D layers (span, step, begin): the values by the recurrences,
    here in plain ints, are beyond 10^30 exactly from the first layer where one is."""
    size, jump, start = 1, 1, 0
    field = receptive.start(1)
    past = False
    for span, step, begin in layers:
        size, jump, start = size + (span - 1) * jump, jump * step, start + begin * jump
        past = past or max(size, jump, abs(start)) > LIMIT
        field = receptive.step(field, Reach((span,), (step,), (begin,)), (1,))
        assert field.beyond == past
        if not past:
            assert (field.sizes, field.jumps, field.starts) == ((size,), (jump,), (start,))


def test_the_page_says_beyond_the_bound(tmp_path: Path) -> None:
    """The page embeds the JSON document (with the new key) and its script shows
    such a field as >10^30 instead of reading a size that is null."""
    page = tmp_path / "page.html"
    code, _, err = invoke(f"[conv 1x1 s{BIG}]*3", "--input", "1x1", "--html", str(page))
    assert code == 0, err
    text = page.read_text(encoding="utf-8")
    assert text.count('"exceeds_1e30": true') == 2  # layers 2 and 3
    assert 'l.receptive_field.exceeds_1e30 ? ">10^30"' in text


STEPS = st.integers(1, 10**31) | st.integers(1, 10**31).map(lambda s: Fraction(1, s))


@given(st.lists(st.tuples(st.integers(1, 10**31), STEPS, INTS), min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_the_bound_never_misses_a_fraction_past_it(
    layers: list[tuple[int, int | Fraction, int]],
) -> None:
    """As above with transposed steps (1/S): a numerator or a denominator past
    10^30 makes the field beyond, from that layer on."""
    size, jump, start = Fraction(1), Fraction(1), Fraction(0)
    field = receptive.start(1)
    past = False
    for span, step, begin in layers:
        size, jump, start = size + (span - 1) * jump, jump * step, start + begin * jump
        numbers = [abs(v.numerator) for v in (size, jump, start)]
        numbers += [v.denominator for v in (size, jump, start)]
        past = past or max(numbers) > LIMIT
        field = receptive.step(field, Reach((span,), (step,), (begin,)), (1,))
        assert field.beyond == past
        if not past:
            assert (field.sizes, field.jumps, field.starts) == ((size,), (jump,), (start,))
