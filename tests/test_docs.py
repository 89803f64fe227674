"""The examples in the package's docstrings run and print what they say."""

from __future__ import annotations

import doctest

import cnncalc


def test_package_docstring_example() -> None:
    # conv 6x5x5 on 1x32x32: 6·25 + 6 = 156; pool 2 → 6x14x14; fc 10: 1176·10 + 10 = 11,770
    failed, attempted = doctest.testmod(cnncalc, verbose=False)
    assert attempted >= 2 and failed == 0
