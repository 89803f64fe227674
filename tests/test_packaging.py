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


def test_the_click_it_needs_is_the_click_it_asks_for() -> None:
    """``cli.Count`` subclasses ``click.ParamType[int, Any]``: two type
    parameters, which click 8.4.2 refuses at import (``TypeError: Too many
    arguments``) and 8.5.0 takes (both tried in a throwaway venv)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "click>=8.5" in project["project"]["dependencies"]


def test_a_wheel_builds_without_a_warning(tmp_path: Path) -> None:
    """What ``pip install`` prints while building: no setuptools deprecation (a
    ``project.license`` table was one), an SPDX ``License-Expression``, and the
    data files in the wheel. Built from a copy, so the tree gets no build/."""
    import shutil
    import subprocess
    import sys
    import zipfile

    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:  # an SPDX string needs 77
        pytest.skip(f"setuptools {setuptools.__version__} is older than the 77 the build asks for")
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    shutil.copytree(ROOT / "cnncalc", source / "cnncalc", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    build = ["wheel", "-v", "--no-deps", "--no-build-isolation", "--no-index"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", *build, "-w", str(tmp_path / "out"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "deprecat" not in said.lower() and "project.license" not in said
    (wheel,) = (tmp_path / "out").glob("cnncalc-*.whl")
    with zipfile.ZipFile(wheel) as built:
        names = set(built.namelist())
        metadata = built.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert b"\nLicense-Expression: MIT\n" in metadata
    assert b"\nRequires-Dist: click>=8.5\n" in metadata
    assert {"cnncalc/py.typed", "cnncalc/render/assets/page.js"} <= names
    presets = {n for n in names if n.startswith("cnncalc/presets/")}
    assert (
        "cnncalc/presets/lenet5.yaml" in presets and "cnncalc/presets/lenet5.parsed.json" in presets
    )
    assert any(n.endswith(".family.yaml") for n in presets)
