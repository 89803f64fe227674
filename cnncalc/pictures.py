"""Writing the diagram: the SVG as is, a PNG through whatever rasteriser is here.

cnncalc depends on no imaging library: a PNG is made by the first of
cairosvg, rsvg-convert, ImageMagick or a headless Chromium that is installed.

A file is never written in place: the bytes go to a new file in the target's
directory, which replaces the target only once it is complete and on disk, so a
full disk or a failing rasteriser leaves the old file as it was and nothing
half-written beside it. A target that is one of the inputs is refused before
anything is written.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from typing import Any

from cnncalc.errors import SpecError

HOW = (
    "--png needs a rasteriser: install rsvg-convert (Debian: apt install librsvg2-bin), "
    "or cairosvg (pip install cairosvg), or use --svg"
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMEOUT_S = 120


MAX_PIXELS = 8_000_000
"""The most pixels a PNG is drawn with (4,000 × 2,000): past it the rasteriser's
time and memory grow with the picture (a 4,000-layer strip at scale 2 is 165
million pixels: 17.6 s and 901 MB in rsvg-convert), so the scale is lowered to
fit and the caller is told."""


def save(
    svg: str,
    svg_path: str | None,
    png_path: str | None,
    inputs: Iterable[os.stat_result] = (),
    scale: float = 1.0,
) -> None:
    """Write the SVG and/or its PNG, ``scale`` pixels per SVG unit; ``inputs`` are
    the files the model was read from."""
    check_targets({"--svg": svg_path, "--png": png_path}, inputs)
    for path, data in drawings(svg, svg_path, png_path, scale)[0]:
        write_file(path, data)


def drawings(
    svg: str, svg_path: str | None, png_path: str | None, scale: float = 1.0
) -> tuple[list[tuple[str, bytes]], str | None]:
    """The files to write (path, bytes), all made before any is written, so a
    rasteriser that fails leaves every target as it was; and a note when the PNG
    had to be drawn smaller than ``scale`` (:data:`MAX_PIXELS`)."""
    files: list[tuple[str, bytes]] = []
    note = None
    if png_path:
        width, height = _size(svg)
        fitted = fit_scale(width, height, scale)
        if fitted < scale:
            note = (
                f"note: the PNG is drawn at scale {fitted:.3g}, not {scale:g}: at {scale:g} it "
                f"would be {round(width * scale)}×{round(height * scale)} pixels, over the "
                f"{MAX_PIXELS // 1_000_000} million a PNG is given (the SVG is the full picture)"
            )
        png = rasterise(scaled(svg, fitted))
    if svg_path:
        files.append((svg_path, svg.encode("utf-8")))
    if png_path:
        files.append((png_path, png))
    return files, note


def fit_scale(width: int, height: int, scale: float) -> float:
    """``scale``, or the largest scale at which a ``width`` × ``height`` picture has
    at most :data:`MAX_PIXELS` pixels."""
    if width * height * scale * scale <= MAX_PIXELS:
        return scale
    return math.floor(math.sqrt(MAX_PIXELS / (width * height)) * 1000) / 1000


def check_targets(targets: dict[str, str | None], inputs: Iterable[os.stat_result] = ()) -> None:
    """Refuse, before anything is written, a target (``{"--svg": path, …}``) that
    is an input, a directory, the file stdout goes to, or another target."""
    read = [(s.st_dev, s.st_ino) for s in inputs]
    named = [(option, path) for option, path in targets.items() if path]
    for option, path in named:
        found = _stat(path)
        if found is None:
            _check_directory(path)
            continue
        if stat.S_ISDIR(found.st_mode):
            raise SpecError(f"cannot write {path}: Is a directory")
        if (found.st_dev, found.st_ino) in read:
            raise SpecError(f"{option} {path} is an input file: it would be overwritten")
        if (found.st_dev, found.st_ino) == _stdout_file():
            raise SpecError(f"{option} {path} is the file stdout goes to: the report would be lost")
    for i, (option, path) in enumerate(named):
        for other, other_path in named[i + 1 :]:
            if _same_target(path, other_path):
                raise SpecError(f"{option} and {other} name the same file: {path}")


def _check_directory(path: str) -> None:
    """A new file's directory must be there: found now, before anything is written."""
    directory = os.path.dirname(os.path.abspath(path))
    found = _stat(directory)
    if found is None:
        raise SpecError(f"cannot write {path}: No such file or directory")
    if not stat.S_ISDIR(found.st_mode):
        raise SpecError(f"cannot write {path}: Not a directory")


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None


def _stdout_file() -> tuple[int, int] | None:
    """The regular file stdout was redirected to, if it was."""
    try:
        found = os.fstat(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # closed, or not a real file
        return None
    return (found.st_dev, found.st_ino) if stat.S_ISREG(found.st_mode) else None


def _same_target(a: str, b: str) -> bool:
    first, second = _stat(a), _stat(b)
    if first is not None and second is not None:
        return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)
    return os.path.realpath(a) == os.path.realpath(b)


def write_file(path: str, data: bytes) -> None:
    """Put ``data`` at ``path`` whole or not at all (see the module's note).

    A regular file (or none yet) is replaced through a temporary file in the same
    directory; a link is followed and its target replaced. A device or a pipe
    (``/dev/stdout``, ``>(...)``) is written into as it is.
    """
    found = _stat(path)
    if found is not None and not stat.S_ISREG(found.st_mode):
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    try:
        fd, temporary = _create_beside(directory, name)
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())  # a full disk may only say so here
            if found is not None:
                os.chmod(temporary, stat.S_IMODE(found.st_mode))
            os.replace(temporary, target)
        except OSError as exc:
            raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(temporary)
        raise


def _create_beside(directory: str, name: str) -> tuple[int, str]:
    """A new, empty file next to ``name``, made with the umask's permissions."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {name}")


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


SIZE = re.compile(r'(<svg\b[^>]*?)\bwidth="([0-9.]+)" height="([0-9.]+)"')


def scaled(svg: str, scale: float) -> str:
    """``svg`` drawn ``scale`` times larger: its root's width and height
    multiplied, the viewBox kept, so every rasteriser makes that many pixels."""
    if scale == 1:
        return svg

    def grow(match: re.Match[str]) -> str:
        width, height = (round(float(match[i]) * scale) for i in (2, 3))
        return f'{match[1]}width="{width}" height="{height}"'

    return SIZE.sub(grow, svg, count=1)


def _size(svg: str) -> tuple[int, int]:
    found = SIZE.search(svg)
    return (round(float(found[2])), round(float(found[3]))) if found else (1600, 900)


def rasterise(svg: str) -> bytes:
    """The PNG of ``svg``, from the first rasteriser installed."""
    cairosvg = _cairosvg()
    if cairosvg is not None:
        try:
            png = cairosvg.svg2png(bytestring=svg.encode("utf-8"))
        except Exception as exc:  # its own failure on our SVG, whatever its type
            raise SpecError(f"cairosvg could not make a PNG: {exc}") from None
        return _checked(png, "cairosvg")
    try:
        return _run_rasteriser(svg)
    except OSError as exc:  # the private temporary directory: a full /tmp, say
        raise SpecError(f"cannot make a PNG: {exc.strerror or exc}") from None


def _cairosvg() -> Any:
    try:
        import cairosvg  # type: ignore[import-not-found]
    except ImportError:
        return None
    return cairosvg


def _run_rasteriser(svg: str) -> bytes:
    """Run the first rasteriser installed in a private directory; read its PNG back."""
    with tempfile.TemporaryDirectory(prefix="cnncalc-") as tmp:
        source, target = os.path.join(tmp, "net.svg"), os.path.join(tmp, "net.png")
        with open(source, "w", encoding="utf-8") as f:
            f.write(svg)
        for command in _commands(source, target, tmp, _size(svg)):
            if shutil.which(command[0]) is None:
                continue
            try:
                done = subprocess.run(
                    command,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=TIMEOUT_S,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise SpecError(f"{command[0]} took more than {TIMEOUT_S} s: no PNG") from None
            except OSError as exc:
                raise SpecError(f"cannot run {command[0]}: {exc.strerror or exc}") from None
            if done.returncode != 0:
                said = done.stderr.decode(errors="replace").strip().splitlines()
                reason = said[-1][-200:] if said else "no message"  # its last line only
                raise SpecError(
                    f"{command[0]} could not make a PNG (exit {done.returncode}): {reason}"
                )
            try:
                with open(target, "rb") as f:
                    png = f.read()
            except FileNotFoundError:
                png = b""
            return _checked(png, command[0])
    raise SpecError(HOW)


def _checked(png: bytes | None, by: str) -> bytes:
    if not png:
        raise SpecError(f"{by} reported success but wrote no PNG")
    if not png.startswith(PNG_SIGNATURE):
        raise SpecError(f"{by} wrote something that is not a PNG")
    return png


def _commands(source: str, target: str, tmp: str, size: tuple[int, int]) -> list[list[str]]:
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
            f"--window-size={size[0]},{size[1]}",
            f"file://{source}",
        ],
    ]
