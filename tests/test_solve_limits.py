"""``solve``'s --limit is bounded (issue 20, items 3 and 17): any --limit is taken,
and at most :data:`~cnncalc.solve.LISTED` solutions are listed, so a call's work
stays bounded (the search's own BUDGET bounds the fruitless part)."""

from __future__ import annotations

import json
import subprocess
import sys

from cnncalc.solve import LISTED, Bounds

from conftest import invoke
from oracles import brute

WIDE = ["--in", "1000000", "--out", "3", "--max-kernel", "1000000", "--max-stride", "1000000"]


def test_a_limit_past_sys_maxsize_lists_every_solution() -> None:
    """Was exit 1 (islice takes at most sys.maxsize); the default search's
    solutions, all of them, against the brute force of test_bounds."""
    code, out, err = invoke(
        "solve", "--in", "224", "--out", "112", "--limit", str(2**63 - 1), "--json"
    )
    assert code == 0, err
    got = [(s["kernel"], s["stride"], s["padding"], s["dilation"]) for s in json.loads(out)]
    assert got == [(k, s, p, d) for k, s, p, d, _, _ in brute(224, 112, Bounds(), False, False)]
    code, out, _ = invoke("solve", "--in", "224", "--out", "112", "--limit", str(10**40))
    assert code == 0 and "more" not in out


def test_at_most_listed_solutions_are_listed() -> None:
    # kernel 1, padding 0: floor((10^6 − 1)/S) + 1 = 3 for 333,334 ≤ S ≤ 499,999
    # (166,666 strides), the first solutions in order: stride 333,334 + i
    assert LISTED == 10_000
    code, out, err = invoke("solve", *WIDE, "--limit", "1000000")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 + LISTED + 1
    assert lines[2].split() == ["1", "333334", "0", "1", "no"]
    assert lines[-2].split() == ["1", str(333_334 + LISTED - 1), "0", "1", "no"]
    assert lines[-1] == "… more: pin --kernel/--stride (at most 10,000 are listed)"
    code, out, _ = invoke("solve", *WIDE, "--limit", "5")
    assert out.splitlines()[-1] == "… more: pin --kernel/--stride or raise --limit (5)"
    code, out, _ = invoke("solve", *WIDE, "--limit", str(10**8), "--json")
    solutions = json.loads(out)
    assert len(solutions) == LISTED
    assert solutions[-1] == {
        "kernel": 1,
        "stride": 333_334 + LISTED - 1,
        "padding": 0,
        "dilation": 1,
        "output_padding": 0,
        "exact": False,  # 999,999 = 2 · 343,333 + 313,333: a remainder
    }


def test_the_issue_s_reproducer_in_a_subprocess() -> None:
    """Hang guard only (3.9 s and 418 MB at --limit 10^6, 10 s past 10^8 before)."""
    for limit in ("1000000", "100000000", str(2**63 - 1)):
        done = subprocess.run(
            [sys.executable, "-m", "cnncalc", "solve", *WIDE, "--limit", limit, "--json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
