"""Writing the diagram: the SVG as is, a PNG through whatever rasteriser is here.

cnncalc depends on no imaging library: a PNG is made by the first of
rsvg-convert, cairosvg, ImageMagick or a headless Chromium that is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from cnncalc.errors import SpecError

HOW = (
    "--png needs a rasteriser: install rsvg-convert (Debian: apt install librsvg2-bin), "
    "or cairosvg (pip install cairosvg), or use --svg"
)


def save(svg: str, svg_path: str | None, png_path: str | None) -> None:
    if svg_path:
        _write(svg_path, svg)
    if png_path:
        _write_png(svg, png_path)


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror}") from None


def _write_png(svg: str, path: str) -> None:
    try:
        import cairosvg  # type: ignore[import-not-found]

        cairosvg.svg2png(bytestring=svg.encode(), write_to=path)
        return
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "net.svg")
        _write(source, svg)
        for command in _commands(source, os.path.abspath(path), tmp):
            if shutil.which(command[0]) is None:
                continue
            done = subprocess.run(command, capture_output=True, timeout=120, check=False)
            if done.returncode == 0 and os.path.exists(path):
                return
            raise SpecError(
                f"{command[0]} could not make {path}: {done.stderr.decode()[-200:].strip()}"
            )
    raise SpecError(HOW)


def _commands(source: str, target: str, tmp: str) -> list[list[str]]:
    return [
        ["rsvg-convert", "-o", target, source],
        ["magick", source, target],
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--user-data-dir={tmp}/profile",
            f"--screenshot={target}",
            "--window-size=1600,900",
            f"file://{source}",
        ],
    ]
