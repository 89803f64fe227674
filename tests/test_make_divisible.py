"""``make_divisible`` in YAML templates is exact (issue 20, item 9): torchvision's
formula in fractions, the same as its floats on ordinary values, exact past 2^53
(through floats, ``make_divisible(9007199254740993, 1)`` gave …992)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.errors import LayerError
from cnncalc.readers import templates


def torchvision(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision.models._utils._make_divisible, as written there."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def template(text: str, **env: object) -> object:
    return templates._resolve(text, env)


MULTS = ["0.25", "0.35", "0.5", "0.75", "1.0", "1.3", "1.4", "2"]


@pytest.mark.parametrize("mult", MULTS)
def test_the_same_as_torchvision_on_ordinary_values(mult: str) -> None:
    """The formula on the same v: the template's product is exact (90·0.35 is 31.5,
    where floats make it 31.499999999999996), so torchvision's is given that v."""
    for base in range(1, 321):
        v = float(base * Fraction(mult))
        for divisor in (1, 2, 3, 4, 5, 7, 8, 16, 32):
            got = template(f"{{make_divisible({base}*m, {divisor})}}", m=float(mult))
            assert got == torchvision(v, divisor), (base, mult, divisor)
    for least in (1, 8, 16, 100):
        got = template(f"{{make_divisible(40*m, 8, {least})}}", m=float(mult))
        assert got == torchvision(float(40 * Fraction(mult)), 8, least), (mult, least)


def test_exact_past_two_to_the_53() -> None:
    # divisor 1: int(v + 1/2) = v; the float formula rounds 2^53 + 1 to 2^53 first
    assert template("{make_divisible(9007199254740993, 1)}") == 9007199254740993
    # divisor 2: (2^53 + 1 + 1)//2·2 = 2^53 + 2, not below 0.9·v (floats: 2^53)
    assert template("{make_divisible(9007199254740993, 2)}") == 2**53 + 2
    # 10^29 + 3: (10^29 + 7)//8·8 = 10^29 (10^29 = 2^29·5^29 is a multiple of 8)
    assert template("{make_divisible(100000000000000000000000000003, 8)}") == 10**29


def test_a_result_past_the_bound_is_refused() -> None:
    # (9·10^29 + 3·10^29)//(6·10^29)·6·10^29 = 1.2·10^30: 31 digits
    with pytest.raises(LayerError, match="a value of 30 digits or more"):
        template("{make_divisible(900000000000000000000000000000, 600000000000000000000000000000)}")
