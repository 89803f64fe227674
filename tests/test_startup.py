"""A CLI call imports only what it needs (issue 6): start-up time is import time.

Each case runs the console script's ``main`` in a fresh interpreter and lists
the modules it ended with. Timings live in ``benchmarks/bench.py``; what is
checked here is which libraries a call loads, which does not vary from run to run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import contextlib, io, json, sys
sys.argv = ["cnncalc", *sys.argv[1:]]
from cnncalc.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit as done:
        assert not done.code, done.code
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(*args: str, stdin: str | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> set[str]:
    """Libraries or parts of cnncalc that a call may only load when it uses them."""
    watched = (
        "rich",
        "yaml",
        "cnncalc.readers.spec",
        "cnncalc.readers.yamlspec",
        "locale",
        "difflib",
    )
    return {m for m in modules if m.split(".")[0] in watched or m in watched}


def test_preset_as_json_loads_neither_rich_nor_yaml_nor_the_parser() -> None:
    """A preset is read from its stored parsed form: no PyYAML, no spec parser;
    JSON output: no Rich; no gettext message catalogue (locale)."""
    assert heavy(modules_after("lenet5", "--format", "json")) == set()


def test_string_spec_loads_the_parser_only() -> None:
    loaded = heavy(modules_after("conv 6x5x5 | pool 2 | fc 10", "--input", "1x32x32", "--json"))
    assert loaded == {"cnncalc.readers.spec"}


def test_yaml_file_loads_yaml_and_the_table_loads_rich(tmp_path: Path) -> None:
    net = tmp_path / "net.yaml"
    net.write_text("input: [1, 32, 32]\nlayers:\n  - conv 6x5x5\n  - fc 10\n")
    loaded = heavy(modules_after(str(net), "--format", "csv"))
    assert "yaml" in loaded and "rich" not in loaded
    assert "rich" in heavy(modules_after("lenet5"))
