"""The README's first console example is exactly what the program prints
(piped: as wide as it needs, no colour)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from cnncalc.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def test_first_readme_example_is_what_cnncalc_prints() -> None:
    block = re.search(r"```console\n\$ (.*?)\n(.*?)```", README.read_text("utf-8"), re.S)
    assert block is not None
    command, shown = block.group(1), block.group(2)
    args = shlex.split(command)
    assert args[0] == "cnncalc"
    result = CliRunner().invoke(cli, args[1:])
    assert result.exit_code == 0
    assert result.output == shown
