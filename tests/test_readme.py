"""The README's console examples are what the program prints.

Every ```` ```console ```` block of README.md is a list of ``$ command`` lines,
each followed by what it prints (stdout, then stderr). Each command runs in a
shell, as a reader would type it in a clone (``examples/`` at hand), and its
output must equal the text shown; a line ``...`` stands for any number of lines. With
CNNCALC_UPDATE_GOLDEN=1 the outputs of blocks without ``...`` are rewritten from
the program (review the diff).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import need_torch

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples(text: str) -> list[tuple[str, str]]:
    """(command, expected output) for every ``$`` line of every console block."""
    found = []
    for block in BLOCK.findall(text):
        parts = re.split(r"^\$ (.*)\n", block, flags=re.M)
        for command, output in zip(parts[1::2], parts[2::2], strict=True):
            found.append((command, output))
    return found


def run(command: str, tmp: Path) -> str:
    """The command in bash, with this Python's cnncalc first on PATH, in a
    directory that holds the README's ``examples/`` (so files it writes stay out
    of the tree)."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("COLUMNS", None)
    env["NO_COLOR"] = "1"
    (tmp / "examples").symlink_to(ROOT / "examples")
    done = subprocess.run(
        ["bash", "-c", command], cwd=tmp, env=env, capture_output=True, text=True, timeout=300
    )
    return done.stdout + done.stderr


def matches(expected: str, actual: str) -> bool:
    """Line by line; a ``...`` line matches any run of lines (the shortest that fits)."""
    pattern = "".join(
        r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n"
        for line in expected.splitlines()
    )
    return re.fullmatch(pattern, actual) is not None


CASES = examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_console_examples() -> None:
    assert len(CASES) >= 10
    assert all(command.startswith("cnncalc ") for command, _ in CASES)


@pytest.mark.parametrize(("command", "expected"), CASES, ids=[c for c, _ in CASES])
def test_console_example(command: str, expected: str, tmp_path: Path) -> None:
    if "python " in command:  # runs the emitted PyTorch module: needs torch
        need_torch()
    actual = run(command, tmp_path)
    if os.environ.get("CNNCALC_UPDATE_GOLDEN") and "..." not in expected.splitlines():
        text = README.read_text(encoding="utf-8")
        text = text.replace(f"$ {command}\n{expected}", f"$ {command}\n{actual}", 1)
        README.write_text(text, encoding="utf-8")
        return
    assert matches(expected, actual), f"$ {command}\n--- README\n{expected}--- program\n{actual}"
