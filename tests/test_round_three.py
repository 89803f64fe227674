"""Issue 20's CLI findings: options that would be ignored, targets checked before
any is written, the PNG's pixels bounded, a stored parsed form never overwritten,
a transposed 'same' convolution torch would refuse, a NaN --scale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cnncalc import pictures, presets

from conftest import invoke, need_torch


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--emit", "torch", "--explain"], "--explain"),
        (["--emit", "torch", "--depth", "1"], "--depth"),
        (["--emit", "torch", "--batch", "4"], "--batch"),
        (["--emit", "torch", "--batch", "1"], "--batch"),  # given, though the default
        (["--emit", "torch", "--rf"], "--rf"),
        (["--emit", "torch", "--memory"], "--memory"),
        (["--emit", "torch", "--dtype", "float16"], "--dtype"),
        (["--emit", "torch", "--no-inplace"], "--no-inplace"),
        (["--fit", "1GiB", "--explain"], "--explain"),
        (["--fit", "1GiB", "--depth", "1"], "--depth"),
        (["--fit", "1GiB", "--rf"], "--rf"),
        (["--fit", "1GiB", "--batch", "8"], "--batch"),
        (["--fit", "1GiB", "--compare"], "--compare"),
        (["--fit", "1GiB", "--svg", "x.svg"], "--svg"),
        (["--fit", "1GiB", "--html", "x.html"], "--html"),
    ],
)
def test_an_option_with_no_effect_is_named(
    args: list[str], flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("lenet5", *args)
    what = "--emit torch prints source code" if "--emit" in args else "--fit prints the batch"
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {what}") and f"; {flag} has no effect on it" in err
    assert err.count("\n") == 1 and list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_fit_refuses_a_format_it_cannot_write(fmt: str) -> None:
    code, _, err = invoke("lenet5", "--fit", "1GiB", "--format", fmt)
    assert code == 2 and f"--format {fmt} has no effect on it" in err


def test_options_that_do_work_together_still_do() -> None:
    # --fit with its memory options, --emit with --strict: each changes the answer
    assert invoke("lenet5", "--fit", "1GiB", "--dtype", "float16", "--amp", "bf16")[0] == 2
    assert invoke("lenet5", "--fit", "1GiB", "--dtype", "float16")[0] == 0
    assert invoke("lenet5", "--fit", "1GiB", "--json")[0] == 0
    assert invoke("lenet5", "--emit", "torch", "--strict")[0] == 0


def test_a_failing_target_leaves_every_other_one_as_it_was(tmp_path: Path) -> None:
    svg = tmp_path / "a.svg"
    svg.write_text("old")
    code, _, err = invoke("lenet5", "--svg", str(svg), "--html", str(tmp_path / "no" / "b.html"))
    assert code == 2 and err == f"error: cannot write {tmp_path / 'no' / 'b.html'}: " + (
        "No such file or directory\n"
    )
    assert svg.read_text() == "old"
    (tmp_path / "file").write_text("")
    code, _, err = invoke("lenet5", "--svg", str(svg), "--html", str(tmp_path / "file" / "b"))
    assert code == 2 and err.endswith(": Not a directory\n") and svg.read_text() == "old"


def test_a_failing_rasteriser_leaves_the_svg_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svg = tmp_path / "a.svg"
    svg.write_text("old")
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no rasteriser at all
    monkeypatch.setitem(__import__("sys").modules, "cairosvg", None)
    code, _, _ = invoke("lenet5", "--svg", str(svg), "--png", str(tmp_path / "a.png"))
    assert code == 2 and svg.read_text() == "old" and not (tmp_path / "a.png").exists()


def test_the_stored_parsed_form_of_a_preset_is_an_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "presets"  # a copy: a failure cannot damage the real folder
    folder.mkdir()
    # resnet18 is a variant of the ResNet family file: that file is an input too
    for name in ("resnet.family.yaml", "_variants.parsed.json", "resnet18.parsed.json"):
        shutil.copy(Path(presets.FOLDER) / name, folder / name)
    monkeypatch.setattr(presets, "FOLDER", str(folder))
    for target in (folder / "resnet18.parsed.json", folder / "resnet.family.yaml"):
        before = target.read_bytes()
        for option in ("--svg", "--html"):
            code, _, err = invoke("resnet18", option, str(target))
            assert code == 2
            assert err == f"error: {option} {target} is an input file: it would be overwritten\n"
        assert target.read_bytes() == before


@pytest.mark.parametrize("scale", ["nan", "NaN", "inf", "-inf", "0.1", "9"])
def test_a_scale_out_of_range_is_refused(scale: str, tmp_path: Path) -> None:
    code, _, err = invoke("lenet5", "--png", str(tmp_path / "x.png"), "--scale", scale)
    assert code == 2 and "Error: Invalid value for '--scale'" in err  # click's usage error
    assert not (tmp_path / "x.png").exists()


def test_a_big_picture_is_drawn_with_at_most_max_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[str] = []
    monkeypatch.setattr(pictures, "rasterise", lambda svg: handed.append(svg) or b"png")
    # a 6,000 x 4,000 picture at scale 2 would be 96 million pixels
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="6000" height="4000" viewBox="0 0 6 4">'
    files, note = pictures.drawings(svg + "</svg>", None, "x.png", 2.0)
    width, height = (float(v) for v in pictures.SIZE.search(handed[0]).groups()[1:])  # type: ignore[union-attr]
    assert width * height <= pictures.MAX_PIXELS and width * height > 0.99 * pictures.MAX_PIXELS
    assert files == [("x.png", b"png")]
    assert note is not None and "12000×8000 pixels" in note and "scale 0.577" in note
    # sqrt(8,000,000 / 24,000,000) = 0.5774: rounded down to 0.577
    small = '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400" viewBox="0 0 6 4">'
    assert pictures.drawings(small + "</svg>", None, "x.png", 2.0)[1] is None


def test_the_cli_says_when_a_png_is_drawn_smaller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pictures, "rasterise", lambda svg: pictures.PNG_SIGNATURE)
    spec = " | ".join(f"conv {8 + i % 9}x3x3 p1" for i in range(300))
    code, _, err = invoke(spec, "--input", "8x16x16", "--png", str(tmp_path / "x.png"))
    assert code == 0 and err.startswith("note: the PNG is drawn at scale ")


@pytest.mark.parametrize(
    "spec",
    ["deconv 8x2x2 s1 psame", "deconv 8x4 psame", "deconv 8x2x2x2 psame", "deconv 8x3x2 psame"],
)
def test_a_same_transposed_conv_torch_would_refuse_is_refused(spec: str) -> None:
    rank = spec.split()[1].count("x")
    code, _, err = invoke(spec, "--input", "x".join(["4"] + ["8"] * rank))
    assert code == 2 and "needs an output padding of 1" in err and err.count("\n") == 3


@pytest.mark.parametrize(
    ("spec", "dims"),
    [
        ("deconv 8x2x2 s2 psame", "4x8x8"),
        ("deconv 8x2 d2 psame", "4x8"),
        ("deconv 8x3 psame", "4x8"),
    ],
)
def test_a_same_transposed_conv_that_is_accepted_runs_in_torch(spec: str, dims: str) -> None:
    torch = need_torch()
    code, source, _ = invoke(spec, "--input", dims, "--emit", "torch")
    assert code == 0
    namespace: dict[str, object] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    net = namespace["Net"]()  # type: ignore[operator]
    sizes = [int(v) for v in dims.split("x")]
    stride = 2 if " s2 " in f"{spec} " else 1
    y = net(torch.zeros(1, *sizes))
    # 'same' for a transposed conv: W·S on every axis (Keras)
    assert list(y.shape[2:]) == [w * stride for w in sizes[1:]]


@pytest.mark.parametrize(
    ("fmt", "options", "said"),
    [
        ("csv", {"depth": 1}, "--depth folds the table's blocks; csv lists every layer"),
        ("torch", {"batch": 8}, "--emit torch prints source code; --batch has no effect"),
        ("torch", {"inplace_relu": False}, "--no-inplace has no effect"),
        ("json", {"wide": True}, "--wide is for the table; --format json is not one"),
        ("markdown", {"explain": True}, "markdown has no place for them"),
        ("pdf", {}, "unknown format 'pdf'"),
    ],
)
def test_the_python_api_checks_options_as_the_cli_does(
    fmt: str, options: dict[str, object], said: str
) -> None:
    from cnncalc import SpecError
    from cnncalc.render import Options

    with pytest.raises(SpecError, match=said):
        Options(**options).check(fmt)  # type: ignore[arg-type]
    Options(**options).check("table")  # type: ignore[arg-type]  # the table shows them all


# --- what a user meets (issue 25): the mistakes students make ------------------


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("conv 64x3x3, relu", "layers are separated by '|': conv 64x3x3 | relu"),
        ("conv 64x3x3 -> relu", "layers are separated by '|': conv 64x3x3 | relu"),
        ("conv 64x3x3 -> relu -> pool 2", "conv 64x3x3 | relu | pool 2"),
        ("conv 64x3x3 p=1", "write: conv 64x3x3 p1"),
        ("conv 64x3x3 s=2", "write: conv 64x3x3 s2"),
    ],
)
def test_a_mistake_says_what_to_type(spec: str, said: str) -> None:
    code, _, err = invoke(spec, "--input", "3x32x32")
    assert code == 2 and said in err.splitlines()[0]


def test_a_pasted_nchw_shape_is_told_the_batch_is_left_out() -> None:
    code, _, err = invoke("conv 8x3x3", "--input", "1x3x32x32")
    assert code == 2 and "leaves the batch out (it is --batch); give 3x32x32" in err
    # and a comma-separated one that is not a list of layers is not given that hint
    code, _, err = invoke("conv 64x3x3, bogus", "--input", "3x32x32")
    assert code == 2 and "separated by" not in err


def test_a_preset_given_its_input_channels_last_is_an_error() -> None:
    # resnet50 is built for 3x224x224: 224x224x3 is that input, channels last
    code, out, err = invoke("resnet50", "--input", "224x224x3")
    assert (code, out) == (2, "")
    assert err.startswith("error: --input 224x224x3 reads as 224 channels, but resnet50 is built")
    assert err.rstrip().endswith("--input 3x224x224") and err.count("\n") == 1
    # another channel count, channels last: one suggestion, the channels-first reading
    code, out, err = invoke("resnet50", "--input", "224x224x4")
    assert code == 0 and err == ""
    warned = [line for line in out.splitlines() if line.startswith("⚠ input")]
    assert warned == [
        "⚠ input: --input 224x224x4 reads as 224 channels: did you mean 4x224x224? cnncalc "
        "reads shapes channels first"
    ]


def _blank_ends(w: int, k: int, s: int, p: int, d: int) -> tuple[int, int]:
    """torch's answer: the output positions at each end of a 1-D convolution of a
    ones input with a ones kernel that come out 0 (read padding alone)."""
    torch = need_torch()
    conv = torch.nn.Conv1d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
    conv.weight.data.fill_(1)
    zero = (conv(torch.ones(1, 1, w))[0, 0] == 0).tolist()
    first = next((i for i, z in enumerate(zero) if not z), len(zero))
    last = next((i for i, z in enumerate(reversed(zero)) if not z), len(zero) - first)
    return first, min(last, len(zero) - first)


@pytest.mark.parametrize("w", [1, 5, 8])
@pytest.mark.parametrize(
    ("k", "s", "p", "d"),
    [(3, 1, 3, 1), (3, 2, 5, 1), (1, 1, 1, 1), (3, 3, 4, 1), (2, 1, 3, 2), (3, 1, 2, 1)],
)
def test_padding_as_wide_as_the_window_is_warned(w: int, k: int, s: int, p: int, d: int) -> None:
    first, last = _blank_ends(w, k, s, p, d)
    code, out, _ = invoke(f"conv 1x{k} s{s} p{p} d{d}", "--input", f"1x{w}", "--json")
    assert code == 0
    said = " ".join(json.loads(out)["layers"][0]["warnings"])
    if first or last:
        ends = [f"the first {first}" if first else "", f"the last {last}" if last else ""]
        assert f"{' and '.join(e for e in ends if e)} output positions read only zeros" in said
    else:
        assert "read only zeros" not in said
