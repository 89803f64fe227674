"""Files: --svg/--png never destroy a file, a bare word never silently picks a file
over a preset, and output that cannot be written or input that is not UTF-8 is
one line and exit 2.

Real files in tmp_path, real subprocesses where the behaviour belongs to the
process (its stdout, its file-size limit); no test assumes root or its absence.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cnncalc import presets

from conftest import invoke

PNG = b"\x89PNG\r\n\x1a\n"
NET = "name: mine\ninput: [1, 8, 8]\nlayers:\n  - conv 4x3x3\n  - relu\n"
# conv 4x3x3 over 1x8x8: 4·(1·3·3) + 4 = 40 parameters, output 4x6x6


def cnncalc(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """A real ``python -m cnncalc`` process."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "cnncalc", *args],
        stderr=subprocess.PIPE,
        check=False,
        timeout=60,
        **kwargs,
    )


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.fixture
def net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "net.yaml"
    path.write_text(NET)
    return path


# --- an output that is an input -----------------------------------------------------


@pytest.mark.parametrize("spelling", ["net.yaml", "./net.yaml", "ABS", "sym.yaml", "hard"])
@pytest.mark.parametrize("option", ["--svg", "--png"])
def test_an_input_is_never_an_output(net: Path, spelling: str, option: str) -> None:
    (net.parent / "sym.yaml").symlink_to("net.yaml")
    os.link(net, net.parent / "hard")
    target = str(net) if spelling == "ABS" else spelling
    before = net.stat()
    code, out, err = invoke("net.yaml", option, target)
    assert (code, out) == (2, "")
    assert err == f"error: {option} {target} is an input file: it would be overwritten\n"
    assert net.read_text() == NET and net.stat().st_mtime_ns == before.st_mtime_ns
    assert listing(net.parent) == {"net.yaml", "sym.yaml", "hard"}  # nothing left beside


def test_stdin_read_from_a_file_is_an_input(net: Path) -> None:
    with net.open("rb") as stdin:
        proc = cnncalc("-", "--svg", "net.yaml", stdin=stdin, cwd=net.parent)
    assert proc.returncode == 2
    assert proc.stderr == b"error: --svg net.yaml is an input file: it would be overwritten\n"
    assert net.read_text() == NET


def test_a_preset_file_is_an_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a copy of the presets folder, so that a failure cannot damage the real one
    folder = tmp_path / "presets"
    folder.mkdir()
    for name in ("lenet5.yaml", "lenet5.parsed.json"):
        shutil.copy(Path(presets.FOLDER) / name, folder / name)
    monkeypatch.setattr(presets, "FOLDER", str(folder))
    original = (folder / "lenet5.yaml").read_bytes()
    target = str(folder / "lenet5.yaml")
    code, _, err = invoke("lenet5", "--svg", target)
    assert code == 2 and err == f"error: --svg {target} is an input file: it would be overwritten\n"
    assert (folder / "lenet5.yaml").read_bytes() == original


def test_the_file_stdout_goes_to_is_refused(net: Path) -> None:
    # /dev/stdout would resolve to report.txt and replace it: the report would be lost
    with (net.parent / "report.txt").open("wb") as report:
        proc = cnncalc("net.yaml", "--svg", "/dev/stdout", stdout=report, cwd=net.parent)
    assert proc.returncode == 2
    assert proc.stderr == (
        b"error: --svg /dev/stdout is the file stdout goes to: the report would be lost\n"
    )
    assert listing(net.parent) == {"net.yaml", "report.txt"}
    proc = cnncalc("net.yaml", "--svg", "/dev/stdout", "--json", cwd=net.parent)  # a pipe
    assert (
        proc.returncode == 0 and proc.stdout.startswith(b"<svg") and b'"params": 40,' in proc.stdout
    )


@pytest.mark.parametrize(("svg", "png"), [("a.svg", "a.svg"), ("a.svg", "./a.svg")])
def test_svg_and_png_on_one_file_are_refused(net: Path, svg: str, png: str) -> None:
    code, _, err = invoke("net.yaml", "--svg", svg, "--png", png)
    assert code == 2 and err == f"error: --svg and --png name the same file: {svg}\n"
    assert listing(net.parent) == {"net.yaml"}


def test_svg_and_png_on_two_links_to_one_file_are_refused(net: Path) -> None:
    (net.parent / "a.svg").write_text("old")
    (net.parent / "b.png").symlink_to("a.svg")
    code, _, err = invoke("net.yaml", "--svg", "a.svg", "--png", "b.png")
    assert code == 2 and err == "error: --svg and --png name the same file: a.svg\n"
    assert (net.parent / "a.svg").read_text() == "old"


# --- replacing a file whole -------------------------------------------------------------


def test_svg_replaces_the_old_file_whole_and_keeps_its_mode(net: Path) -> None:
    old = net.parent / "net.svg"
    old.write_text("old picture")
    old.chmod(0o640)
    code, _, err = invoke("net.yaml", "--svg", "net.svg", "--json")
    assert (code, err) == (0, "")
    root = ET.parse(old).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    assert listing(net.parent) == {"net.yaml", "net.svg"}


def test_a_link_is_followed_and_its_target_replaced(net: Path) -> None:
    pictures = net.parent / "pictures"
    pictures.mkdir()
    (pictures / "real.svg").write_text("old")
    (net.parent / "link.svg").symlink_to("pictures/real.svg")
    code, _, _ = invoke("net.yaml", "--svg", "link.svg")
    assert code == 0
    assert (net.parent / "link.svg").is_symlink()
    assert (pictures / "real.svg").read_text().startswith("<svg")
    assert listing(pictures) == {"real.svg"}


def test_a_full_disk_leaves_the_old_file_and_nothing_else(
    net: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = net.parent / "net.svg"
    old.write_text("old picture")

    def full(fd: int) -> None:  # where a full disk (or NFS quota) reports it last
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    code, out, err = invoke("net.yaml", "--svg", "net.svg")
    assert (code, out) == (2, "")
    assert err == "error: cannot write net.svg: No space left on device\n"
    assert old.read_text() == "old picture"
    assert listing(net.parent) == {"net.yaml", "net.svg"}


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))


def test_a_write_cut_short_in_a_real_process_leaves_the_old_file(net: Path) -> None:
    # A file-size limit of 200 bytes: writing the SVG (over 1,000 bytes) fails part
    # way with EFBIG, as a full disk would with ENOSPC. Python ignores SIGXFSZ.
    old = net.parent / "net.svg"
    old.write_text("old picture")
    proc = cnncalc("net.yaml", "--svg", "net.svg", cwd=net.parent, preexec_fn=_limit_file_size)
    assert proc.returncode == 2
    assert proc.stderr == b"error: cannot write net.svg: File too large\n"
    assert proc.stdout == b""  # nothing reported for a picture not drawn
    assert old.read_text() == "old picture"
    assert listing(net.parent) == {"net.yaml", "net.svg"}


def test_a_missing_directory_is_one_line(net: Path) -> None:
    code, _, err = invoke("net.yaml", "--svg", "no/such/dir/x.svg")
    assert code == 2 and err == "error: cannot write no/such/dir/x.svg: No such file or directory\n"


def test_a_device_is_written_into_not_replaced(net: Path) -> None:
    # /dev/null is a character device: replacing it would need root and be a disaster
    code, _, err = invoke("net.yaml", "--svg", os.devnull, "--json")
    assert (code, err) == (0, "")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


# --- rasterisers --------------------------------------------------------------------------


@pytest.fixture
def fake_rsvg(
    net: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """Install a fake rsvg-convert (``-o TARGET SOURCE``) that runs a given shell body."""
    monkeypatch.setitem(sys.modules, "cairosvg", None)
    folder = tmp_path_factory.mktemp("bin")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")

    def install(body: str) -> None:
        script = folder / "rsvg-convert"
        script.write_text(f'#!/bin/sh\ntarget="$2"\n{body}\n')
        script.chmod(0o755)

    return install


def test_a_rasteriser_failing_half_way_leaves_nothing(net: Path, fake_rsvg: Any) -> None:
    fake_rsvg(
        "printf '\\211PNG\\r\\n\\032\\nhalf' > \"$target\"\n"
        "echo 'line 1: something' >&2; echo 'out of memory' >&2; exit 1"
    )
    code, _, err = invoke("net.yaml", "--png", "net.png", "--svg", "net.svg")
    assert code == 2
    assert err == "error: rsvg-convert could not make a PNG (exit 1): out of memory\n"
    assert listing(net.parent) == {"net.yaml"}  # not even the SVG: nothing is half done


def test_a_rasteriser_that_writes_nothing_is_an_error(net: Path, fake_rsvg: Any) -> None:
    stale = net.parent / "net.png"
    stale.write_bytes(PNG + b"stale picture")
    fake_rsvg("exit 0")
    code, _, err = invoke("net.yaml", "--png", "net.png")
    assert code == 2 and err == "error: rsvg-convert reported success but wrote no PNG\n"
    assert stale.read_bytes() == PNG + b"stale picture"
    fake_rsvg(': > "$target"')  # an empty file
    code, _, err = invoke("net.yaml", "--png", "net.png")
    assert code == 2 and err == "error: rsvg-convert reported success but wrote no PNG\n"
    fake_rsvg('echo "<html>" > "$target"')
    code, _, err = invoke("net.yaml", "--png", "net.png")
    assert code == 2 and err == "error: rsvg-convert wrote something that is not a PNG\n"
    assert stale.read_bytes() == PNG + b"stale picture"
    assert listing(net.parent) == {"net.yaml", "net.png"}


def test_a_rasteriser_that_works_gives_its_png(net: Path, fake_rsvg: Any) -> None:
    # the fake checks it was given the SVG before writing its "PNG"
    checks = 'grep -q "<svg" "$3" || exit 3'
    fake_rsvg(checks + "\nprintf '\\211PNG\\r\\n\\032\\nnew picture' > \"$target\"")
    (net.parent / "net.png").write_bytes(PNG + b"old picture")
    code, _, err = invoke("net.yaml", "--png", "net.png", "--json")
    assert (code, err) == (0, "")
    assert (net.parent / "net.png").read_bytes() == PNG + b"new picture"
    assert listing(net.parent) == {"net.yaml", "net.png"}


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (b"", "error: cairosvg reported success but wrote no PNG\n"),
        (None, "error: cairosvg reported success but wrote no PNG\n"),
        (ValueError("bad"), "error: cairosvg could not make a PNG: bad\n"),
        (PNG + b"new", ""),
    ],
)
def test_cairosvg_is_checked_too(
    net: Path, monkeypatch: pytest.MonkeyPatch, result: Any, message: str
) -> None:
    def svg2png(bytestring: bytes, write_to: Any = None) -> bytes | None:
        assert write_to is None and bytestring.startswith(b"<svg")
        if isinstance(result, Exception):
            raise result
        return result  # type: ignore[no-any-return]

    monkeypatch.setitem(sys.modules, "cairosvg", SimpleNamespace(svg2png=svg2png))
    (net.parent / "net.png").write_bytes(PNG + b"old")
    code, _, err = invoke("net.yaml", "--png", "net.png", "--json")
    assert (code, err) == (2 if message else 0, message)
    assert (net.parent / "net.png").read_bytes() == (PNG + b"new" if not message else PNG + b"old")
    assert listing(net.parent) == {"net.yaml", "net.png"}


# --- a file named like a preset -------------------------------------------------------


def test_a_bare_word_naming_a_file_and_a_preset_is_refused(net: Path) -> None:
    (net.parent / "resnet18").write_text(NET)
    code, out, err = invoke("resnet18", "--emit", "torch")
    assert (code, out) == (2, "")
    assert err == (
        "error: 'resnet18' is both a file here and a preset: write ./resnet18 for the file "
        "or preset:resnet18 for the preset\n"
    )
    code, out, _ = invoke("./resnet18", "--json")  # the file: 40 parameters (see NET)
    assert code == 0 and '"params": 40,' in out
    code, out, _ = invoke("preset:resnet18", "--json")  # torchvision's resnet18: 11,689,512
    assert code == 0 and '"params": 11689512,' in out


def test_preset_names_match_files_case_and_dash_insensitively(net: Path) -> None:
    (net.parent / "LeNet5").write_text(NET)  # presets.find('LeNet5') is lenet5
    code, _, err = invoke("LeNet5")
    assert code == 2 and "is both a file here and a preset" in err


def test_one_meaning_is_taken_without_a_word(net: Path) -> None:
    (net.parent / "lenet5.yaml").write_text(NET)
    (net.parent / "alexnet").mkdir()  # a directory is no spec file
    code, out, _ = invoke("lenet5.yaml", "--json")  # a .yaml name is always a file
    assert code == 0 and '"params": 40,' in out
    code, out, _ = invoke("alexnet", "--json")  # torchvision's alexnet: 61,100,840
    assert code == 0 and '"params": 61100840,' in out
    code, out, _ = invoke("lenet5", "--json")  # no file named lenet5: the preset
    assert code == 0 and '"connections": 340908,' in out  # LeCun et al. 1998


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("preset:resnt18", "no preset named 'resnt18' — did you mean 'resnet18'?"),
        ("preset:../net", "no preset named '../net' — did you mean 'unet'?"),
        ("preset:../nowhere", "no preset named '../nowhere' (cnncalc presets lists them)"),
    ],
)
def test_an_unknown_explicit_preset(net: Path, arg: str, message: str) -> None:
    code, _, err = invoke(arg)
    assert code == 2 and err.splitlines()[0] == f"error: {message}"


# --- stdout that cannot be written ---------------------------------------------------------

FAILING_OUTPUTS = [
    ("lenet5",),
    ("lenet5", "--emit", "torch"),
    ("--help",),
    ("--version",),
    ("show", "--help"),
    ("presets",),
    ("solve", "--in", "224", "--out", "112"),
    (),  # bare `cnncalc` prints its help
]


@pytest.mark.parametrize("args", FAILING_OUTPUTS)
def test_a_full_disk_on_stdout_is_one_line(args: tuple[str, ...]) -> None:
    with open("/dev/full", "wb") as full:
        proc = cnncalc(*args, stdout=full)
    assert proc.returncode == 2
    assert proc.stderr == b"error: cannot write output: No space left on device\n"


@pytest.mark.parametrize("args", FAILING_OUTPUTS[:3])
@pytest.mark.parametrize(
    ("redirect", "reason"),
    [(">&-", "stdout is closed"), ("1</dev/null", "Bad file descriptor")],
)
def test_a_closed_or_unwritable_stdout_is_one_line(
    args: tuple[str, ...], redirect: str, reason: str
) -> None:
    command = " ".join(["exec", '"$0"', "-m", "cnncalc", '"$@"', redirect])
    proc = subprocess.run(
        ["sh", "-c", command, sys.executable, *args],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"error: cannot write output: {reason}\n".encode()


def test_a_closed_stdout_is_said_before_a_picture_is_drawn(net: Path) -> None:
    proc = subprocess.run(
        ["sh", "-c", 'exec "$0" -m cnncalc net.yaml --svg net.svg >&-', sys.executable],
        capture_output=True,
        check=False,
        cwd=net.parent,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr == b"error: cannot write output: stdout is closed\n"
    assert listing(net.parent) == {"net.yaml"}


def test_a_reader_that_goes_away_is_still_a_quiet_exit_0() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnncalc", "resnet50", "--explain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before cnncalc has written a byte
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


# --- input that is not UTF-8 ----------------------------------------------------------------


def test_latin1_on_stdin_is_one_line(net: Path) -> None:
    text = NET.replace("mine", "café").encode("latin-1")  # é is byte 0xe9, at offset 9
    proc = cnncalc("-", input=text)
    assert proc.returncode == 2
    assert proc.stderr == (
        b"error: <stdin>:1: not UTF-8 text: byte 0xe9 at byte offset 9 (save the file as UTF-8)\n"
    )
    code, _, err = invoke("-", stdin=text)  # the same in-process
    assert code == 2 and err.startswith("error: <stdin>:1: not UTF-8 text: byte 0xe9")


def test_latin1_in_a_file_names_the_line_and_offset(net: Path) -> None:
    head = "# a comment line\n" * 5000  # 85,000 bytes: past the first 64 KiB read
    net.write_bytes(head.encode() + b"name: caf\xe9\n" + NET.encode())
    offset = len(head) + len("name: caf")
    code, _, err = invoke("net.yaml")
    assert code == 2
    assert err == (
        f"error: net.yaml:5001: not UTF-8 text: byte 0xe9 at byte offset {offset} "
        "(save the file as UTF-8)\n"
    )


def test_utf8_split_across_reads_and_crlf_still_read(net: Path) -> None:
    # 65,535 ASCII bytes then "é": its two bytes straddle the 64 KiB read boundary
    head = "#" * 65_535
    net.write_bytes((head + "é\r\n" + NET.replace("\n", "\r\n")).encode())
    code, out, err = invoke("net.yaml", "--json")
    assert (code, err) == (0, "")
    assert '"params": 40,' in out
