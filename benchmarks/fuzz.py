"""Mutation fuzzing of the CLI: N character-level mutations of real specs, and shapes.

    python benchmarks/fuzz.py               # 100,000 cases (about 15 minutes here)
    python benchmarks/fuzz.py -n 2000       # a quick look

Every case runs the CLI in process (click's test runner) with a 2-second alarm.
A case must end in exit 0 or exit 2 (bad input, one ``error:`` line); an exit 1
(an internal error), a traceback, or a case still running at the alarm is a
failure, and its input is written to ``fuzz-failures.txt`` (spec<TAB>input<TAB>options,
escaped) to become a regression. The seeds, mutations and hand-made shapes
(huge strides under repeats, names on every construct, options with NaN,
infinite and huge values, ``solve``) are in ``tests/mutate.py``;
``tests/test_mutations.py`` runs a few hundred each CI run.
"""

from __future__ import annotations

import argparse
import collections
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from click.testing import CliRunner  # noqa: E402
from mutate import Case, argv, cases  # noqa: E402

from cnncalc.cli import cli  # noqa: E402

LIMIT_S = 2


class Timeout(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise Timeout


def outcome(case: Case, scratch: str) -> str:
    """``0``, ``2``, ``exit 1``, ``timeout``, ``traceback`` or ``exit N``."""
    args, stdin = argv(case, scratch)
    signal.alarm(LIMIT_S)
    try:
        result = CliRunner().invoke(cli, args, input=stdin)
    except Timeout:
        return "timeout"
    finally:
        signal.alarm(0)
    if isinstance(result.exception, Timeout):
        return "timeout"
    if "Traceback" in result.output:
        return "traceback"
    if result.exit_code == 2 and not result.stderr.startswith(("error: ", "Usage:")):
        return "exit 2 without an error line"
    return str(result.exit_code) if result.exit_code in (0, 2) else f"exit {result.exit_code}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="number of cases")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    counts: collections.Counter[str] = collections.Counter()
    failures = []
    slowest = (0.0, "")
    start = time.perf_counter()
    scratch = tempfile.TemporaryDirectory()  # --svg, --html and --png write here
    for case in cases(ROOT, args.n, args.seed):
        spec, dims, options = case
        t = time.perf_counter()
        result = outcome(case, scratch.name)
        took = time.perf_counter() - t
        slowest = max(slowest, (took, f"{spec[:80]} {dims} {' '.join(options)}"))
        counts[result] += 1
        if result not in ("0", "2"):
            failures.append(f"{spec!r}\t{dims!r}\t{' '.join(options)!r}\t{result}")
    scratch.cleanup()
    elapsed = time.perf_counter() - start
    print(f"{args.n:,} cases in {elapsed:.0f} s (seed {args.seed})")
    for result, n in sorted(counts.items()):
        print(f"  {result:>10}: {n:,}")
    print(f"slowest case: {slowest[0] * 1000:.0f} ms ({slowest[1]!r})")
    if failures:
        Path("fuzz-failures.txt").write_text("\n".join(failures) + "\n", encoding="utf-8")
        print(f"{len(failures)} failures written to fuzz-failures.txt")
        sys.exit(1)


if __name__ == "__main__":
    main()
