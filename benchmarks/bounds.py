"""Hostile spec strings of up to 16 MiB: time and peak memory of each answer.

    python benchmarks/bounds.py              # every case, 3 runs each (a minute or two)
    python benchmarks/bounds.py --runs 1

The goal (issue 11): every input of up to 16 MiB is answered or refused in
under 2 s and 300 MB. Each case is a whole process, ``cnncalc - --format json``
with the spec on stdin (a 16 MiB argument would pass the kernel's 128 KiB limit
on one argument), run from this checkout. Prints a Markdown table: the median
wall time, the CPU time (user + system: the figure to trust on a busy machine)
and the peak RSS, which ``os.wait4`` reports for that one child.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIB = 2**20
SIZE = 16 * MIB  # the default --max-bytes: the largest text read


def fill(unit: str, size: int = SIZE) -> str:
    """``unit`` repeated to just under ``size`` characters."""
    return unit * (size // len(unit))


def distinct_stages(count: int = 10_000, size: int = SIZE) -> str:
    """``count`` stages, no two alike (the parser's cache never helps), each with
    every option a conv takes and 26-digit paddings (sizes stay below 10^30 over
    all of them), padded out to ``size``: the
    costliest string the default limits accept."""
    stages = [f"conv 1x1x1 s1x1 p{10**25 + i}x{i + 1} d1x1 g1 nobias" for i in range(count)]
    text = " | ".join(stages)
    return text + " " * (size - len(text))


def table(entries: int = 99_000) -> str:
    """One conv with a connection table of ``entries`` links (LeNet's C3 has 60):
    rows of 1,000 input maps of a 1000-channel input."""
    rows = entries // 1000
    return f"conv {rows}x1x1 table=" + "/".join([",".join(map(str, range(1000)))] * rows)


Case = tuple[Callable[[], str], str, list[str]]
CASES: dict[str, Case] = {
    "16 MiB of `relu|`": (lambda: fill("relu|"), "8", []),
    "16 MiB: `cat[` + `;` × N + `]`": (lambda: "cat[" + ";" * (SIZE - 5) + "]", "8", []),
    "16 MiB of `[`": (lambda: fill("["), "8", []),
    "16 MiB of `]`": (lambda: fill("]"), "8", []),
    "16 MiB, one token": (lambda: fill("a"), "8", []),
    "16 MiB, one stage of 3.3 M words": (lambda: fill("relu "), "8", []),
    "16 MiB, one `1x1x1…` argument": (lambda: "conv 1x" + fill("1x")[:-1], "8", []),
    "10,000 layers (`relu | …`), valid": (lambda: " | ".join(["relu"] * 10_000), "8", []),
    "10,001 items: one too many": (lambda: " | ".join(["relu"] * 10_001), "8", []),
    "10,000 distinct conv stages, 16 MiB, valid": (distinct_stages, "1x1x1", []),
    "a 99,000-entry connection table, valid": (table, "1000x1x1", []),
    "3,333 named outputs, 3,333 joins of 64 names each, valid": (
        lambda: (
            "relu as a | "
            + " | ".join(
                f"relu as b{i} | from a | add " + ",".join(["a"] * 64) for i in range(3333)
            )
        ),
        "3x8x8",
        [],
    ),
    "`[deconv 1x1 s(30 digits)]*9999`: fields past 10^30": (
        lambda: "[deconv 1x1 s" + "9" * 30 + "]*9999",
        "1x1",
        [],
    ),
    "`[conv 1x2 s(30 digits) p1]*9999 --rf`": (
        lambda: "[conv 1x2 s" + "9" * 30 + " p1]*9999",
        "1x1",
        ["--rf"],
    ),
    "`sum[` with 9,991 identity branches, the table": (
        lambda: "conv 4x3x3 p1 | sum[" + " ;" * 9990 + " ]",
        "3x8x8",
        ["--format", "table"],
    ),
    "9,999 distinct named convs, --html": (
        lambda: " | ".join(f"conv {8 + i % 50}x1x1 as n{i}" for i in range(9999)),
        "8x4x4",
        ["--html", os.devnull],
    ),
    "4,000 convs, --png (rsvg-convert; at most 8 million pixels)": (
        lambda: " | ".join(f"conv {8 + i % 50}x3x3 p1" for i in range(4000)),
        "8x16x16",
        ["--png", os.devnull],
    ),
    "100,000 layers (`relu | …`), --max-layers 100000": (
        lambda: " | ".join(["relu"] * 100_000),
        "8",
        ["--max-layers", "100000"],
    ),
}


def run(text_file: str, shape: str, extra: list[str]) -> tuple[float, float, int, int]:
    """One process: (wall s, cpu s, peak RSS bytes, exit status)."""
    with open(text_file, "rb") as stdin:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "cnncalc", "-", "--format", "json", "--input", shape, *extra],
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss * 1024, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {args.runs}\n")
    print("| input | exit | wall | CPU | peak RSS |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (make, shape, extra) in CASES.items():
            path = os.path.join(tmp, "spec.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(make())
            results = [run(path, shape, extra) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in results)
            cpu = statistics.median(r[1] for r in results)
            rss = max(r[2] for r in results)
            codes = sorted({r[3] for r in results})
            print(
                f"| {name} | {','.join(map(str, codes))} | {wall:.2f} s | {cpu:.2f} s "
                f"| {rss / MIB:.0f} MiB |"
            )


if __name__ == "__main__":
    main()
