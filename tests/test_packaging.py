"""What an install gets: a typed package with its data files, an SPDX licence."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_says_it_is_typed_and_ships_its_files() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"  # an SPDX expression, not a table
    data = project["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["cnncalc"] and (ROOT / "cnncalc" / "py.typed").exists()
    assert data["cnncalc.render"] == ["assets/*"]
    assert {p.name for p in (ROOT / "cnncalc" / "render" / "assets").iterdir()} >= {
        "page.css",
        "page.js",
        "top.html",
        "bottom.html",
    }
    assert (ROOT / "CHANGELOG.md").read_text().startswith("# Changelog")
