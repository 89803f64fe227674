"""Time and peak memory of cnncalc on each hostile YAML document (issue 11).

    python benchmarks/hostile_yaml.py

Each case runs as its own process (``python -m cnncalc - --json --input 3``, the
document on stdin); the table gives its exit code, wall time and peak RSS (from
``resource.getrusage`` of the child), against the goal of 2 s and 300 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile_yaml as hostile  # noqa: E402


def cases() -> dict[str, str]:
    found = {f"alias bomb: {k}": v for k, v in hostile.ALIAS_BOMBS.items()}
    found |= {f"recursive: {k}": v for k, v in hostile.RECURSIVE.items()}
    found |= {f"duplicate key: {k}": v[0] for k, v in hostile.DUPLICATES.items()}
    found |= {f"tag: {k}": v[0] for k, v in hostile.TAGS.items()}
    return found | hostile.OTHERS


def measure(text: str) -> tuple[int, float, float]:
    """Exit code, seconds, peak RSS in MB of one run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", _CHILD]
    start = time.perf_counter()
    done = subprocess.run(argv, input=text, capture_output=True, text=True, env=env, timeout=60)
    seconds = time.perf_counter() - start
    code, rss = done.stdout.strip().rsplit(" ", 1)
    return int(code), seconds, int(rss) / 1024


# Runs cnncalc's main in the child and reports its exit code and peak RSS (kB on Linux).
_CHILD = """
import resource, sys
from cnncalc.cli import main
sys.argv = ["cnncalc", "-", "--json", "--input", "3"]
out = sys.stdout
sys.stdout = open("/dev/null", "w")
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
out.write(f"{code} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n")
"""


def main() -> None:
    print("| case | bytes | exit | seconds | peak MB |")
    print("|---|---:|---:|---:|---:|")
    worst = (0.0, 0.0)
    for name, text in cases().items():
        code, seconds, mb = measure(text)
        worst = (max(worst[0], seconds), max(worst[1], mb))
        print(f"| {name} | {len(text.encode()):,} | {code} | {seconds:.2f} | {mb:.0f} |")
    print(f"\nworst: {worst[0]:.2f} s, {worst[1]:.0f} MB (goal: 2 s, 300 MB)")


if __name__ == "__main__":
    main()
