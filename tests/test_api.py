"""The Python API (issue 25): ``cnncalc.summary`` and what it returns.

Figures are worked out by hand in comments, taken from LeCun et al. 1998, or
measured with torch; the CLI's documents are the contract the summary's must
equal ("the same dict as --format json", "the table as the CLI prints it").
"""

from __future__ import annotations

import doctest
import json
import math
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc import SpecError, Summary, summary

from conftest import invoke, need_torch, saved_bytes

ROOT = Path(__file__).resolve().parent.parent
NET = "conv 6x5x5 | pool 2 | fc 10"
# on 1x32x32: conv (32 − 5)/1 + 1 = 28 → 6x28x28, 6·(5·5·1) + 6 = 156 params,
# 6·28·28·25 = 117,600 MACs; pool 2 → 6x14x14; fc 10 on 6·14·14 = 1,176 values:
# 1,176·10 + 10 = 11,770 params, 11,760 MACs. Total 11,926 params, 129,360 MACs.


def error(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(SpecError) as info:
        call(*args, **kwargs)
    return str(info.value)


# --- the package's names -----------------------------------------------------------


def test_dir_shows_the_api_and_every_name_resolves() -> None:
    shown = dir(cnncalc)
    for name in ("summary", "load", "analyze", "parse", "SpecError", "Summary", "preset_names"):
        assert name in shown
    for name in cnncalc.__all__:
        assert getattr(cnncalc, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        cnncalc.nothing  # noqa: B018


def test_importing_the_package_loads_no_api_module() -> None:
    probe = "import sys, cnncalc; print(sorted(m for m in sys.modules if m.startswith('cnncalc')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['cnncalc']"


def test_the_cli_does_not_import_the_api() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "sys.argv = ['cnncalc', 'conv 6x5x5', '--input', '1x32x32', '--json']\n"
        "from cnncalc.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main()\n"
        "    except SystemExit: pass\n"
        "print('cnncalc.api' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"


# --- what summary takes --------------------------------------------------------------


def test_a_spec_string_and_its_figures() -> None:
    s = summary(NET, input=(1, 32, 32))
    assert isinstance(s, Summary)
    assert (s.input_shape, s.output_shape) == ((1, 32, 32), (10,))
    assert [layer.output_shape for layer in s.layers] == [(6, 28, 28), (6, 14, 14), (10,)]
    assert (s.params, s.trainable_params, s.macs, s.flops) == (11926, 11926, 129360, 258720)
    assert s.total.params == 11926 and s.name == "model" and s.warnings == []


@pytest.mark.parametrize(
    "shape",
    [
        (1, 32, 32),
        [1, 32, 32],
        (32, 32),  # a 2-D conv's input without channels: C = 1
        "1x32x32",
        "1,32,32",
        "(1, 32, 32)",
        "32x32",
    ],
)
def test_shapes_as_tuples_lists_or_strings(shape: Any) -> None:
    s = summary(NET, input=shape)
    assert s.input_shape == (1, 32, 32) and s.layers[0].output_shape == (6, 28, 28)


def test_a_torch_size_and_numpy_like_integers_are_shapes() -> None:
    torch = need_torch()
    s = summary(NET, input=torch.Size([1, 32, 32]))
    assert s.layers[0].output_shape == (6, 28, 28)
    sizes = torch.tensor([1, 32, 32])  # 0-d tensors of an integer dtype have __index__
    assert summary(NET, input=[sizes[0], sizes[1], sizes[2]]).input_shape == (1, 32, 32)


@pytest.mark.parametrize(
    ("shape", "said"),
    [
        ((1, 32.0, 32), "input (1, 32.0, 32): sizes must be whole numbers, got 32.0 (a float)"),
        ([1, 28.5, 28], "input [1, 28.5, 28]: sizes must be whole numbers, got 28.5 (a float)"),
        ((1, -32, 32), "input (1, -32, 32): sizes must be at least 1, got -32"),
        ((0, 32, 32), "input (0, 32, 32): sizes must be at least 1, got 0"),
        ((True, 32, 32), "input (True, 32, 32): sizes must be whole numbers, got True (bool)"),
        (["1", "32"], "input ['1', '32']: sizes must be whole numbers, got '1' (str)"),
        ((1, (32, 32)), "input (1, (32, 32)): sizes must be whole numbers, got (32, 32) (tuple)"),
        ((), "input (): a size is missing (expected e.g. 3x224x224)"),
        (
            32,
            "input: expected a shape such as (3, 224, 224), [3, 224, 224] or '3x224x224', got int",
        ),
        (
            (1, 10**30, 32),
            "input (1, 1000000000000000000000000000000, 32): number too large: "
            "100000000000…(31 digits); numbers are at most 30 digits",
        ),
        ("1x32.5x32", "input 1x32.5x32: size must be a whole number, got 32.5"),
        ("1x-3x32", "input 1x-3x32: sizes must be at least 1, got -3"),
        ("1xx32", "input 1xx32: a size is missing (expected e.g. 3x224x224)"),
    ],
)
def test_floats_negatives_and_other_sizes_are_refused(shape: Any, said: str) -> None:
    assert error(summary, NET, input=shape) == said


def test_too_many_sizes_are_refused_before_they_are_read() -> None:
    # MAX_DIMS is 64: a 65-size shape is never walked
    assert error(summary, NET, input=[1] * 65) == "input <list of 65>: more than 64 sizes"


def test_a_preset_a_yaml_path_a_path_object_and_a_model(tmp_path: Path) -> None:
    # LeCun et al. 1998: LeNet-5 has 340,908 connections and 60,000 trainable parameters
    for model in ("lenet5", "preset:lenet5", cnncalc.load("lenet5")):
        s = summary(model)
        assert (s.name, s.input_shape, s.output_shape) == ("lenet5", (1, 32, 32), (10,))
        assert (s.trainable_params, s.total.connections) == (60000, 340908)
    net = tmp_path / "net.yaml"
    net.write_text("name: tiny\ninput: [1, 32, 32]\nlayers:\n  - conv 6x5x5\n  - pool 2\n")
    for model in (str(net), net):
        s = summary(model)
        assert (s.name, s.params, s.output_shape) == ("tiny", 156, (6, 14, 14))
    spec = tmp_path / "tiny"  # no suffix: read as its text says, a spec string here
    spec.write_text(NET)
    assert summary(spec, input=(1, 32, 32)).params == 11926


def test_what_is_not_a_model_is_an_error_naming_it(tmp_path: Path) -> None:
    said = "model: expected a spec string, a YAML path, a preset name or a parsed Model, got "
    assert error(summary, 42) == said + "int"
    assert error(summary, None) == said + "NoneType"
    assert error(summary, b"conv 6x5x5") == said + "bytes"
    gone = tmp_path / "gone.yaml"
    assert error(summary, gone) == f"cannot read {gone}: No such file or directory"
    assert error(summary, str(gone)) == f"no such file: {gone}"


def test_analyze_takes_lists_strings_and_spec_strings() -> None:
    """The symptoms of the issue: a list was unhashable, a string garbled, a
    float kept as a float, a string model an AttributeError."""
    from cnncalc import analyze, parse

    model = parse(NET)
    assert analyze(model, [1, 32, 32]).layers[0].output_shape == (6, 28, 28)
    assert analyze(model, "1x32x32").layers[0].output_shape == (6, 28, 28)
    assert analyze(NET, (1, 32, 32)).total.params == 11926
    assert analyze("lenet5").total.trainable_params == 60000
    said = "input (6, 28.0, 28): sizes must be whole numbers, got 28.0 (a float)"
    assert error(analyze, model, (6, 28.0, 28)) == said


def test_load_and_the_preset_names() -> None:
    model = cnncalc.load("lenet5")
    assert (model.name, model.input_shape) == ("lenet5", (1, 32, 32))
    assert cnncalc.load(model) is model
    names = cnncalc.preset_names()
    assert {"lenet5", "resnet18", "vgg16", "vit_b_16"} <= set(names)
    assert names == sorted(names)
    assert error(cnncalc.load, "preset:lenet") == "no preset named 'lenet' — did you mean 'lenet5'?"


# --- errors: the CLI's message --------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "shape", "first"),
    [
        # the README's "Errors and exit codes"
        (
            "conv 100x10x10 | pol 2",
            "28x28",
            "error: layer 2 'pol 2': unknown layer 'pol' — did you mean 'pool'?",
        ),
        (
            "conv 64x3x3 g5",
            "3x32x32",
            "error: layer 1 'conv 64x3x3 g5': groups=5 must divide the 3 input channels",
        ),
        (
            "examples/typo.yaml",
            None,
            "error: examples/typo.yaml:4: layer 2 (conv): unknown field 'kernal' — "
            "did you mean 'kernel'?",
        ),
    ],
)
def test_a_spec_error_says_what_the_cli_says(
    spec: str, shape: str | None, first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(SpecError) as info:
        summary(spec, input=shape)
    assert str(info.value) == first.removeprefix("error: ")
    args = [spec, "--input", shape] if shape else [spec]
    code, out, err = invoke(*args)
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == first
    assert info.value.render() + "\n" == err  # caret and all


# --- the options --------------------------------------------------------------------


def test_memory_keywords_give_the_hand_figures() -> None:
    # conv 8x3x3 p1 | bn | relu | pool 2 | fc 10 on 3x8x8: conv 8·27 + 8 = 224,
    # bn 2·8 = 16, fc 8·4·4·10 + 10 = 1,290: 1,530 params, all trainable
    spec = "conv 8x3x3 p1 | bn | relu | pool 2 | fc 10"
    s = summary(spec, input=(3, 8, 8), batch=4, dtype="float16", optimizer="momentum")
    m = s.memory
    assert (m.batch, m.dtype, m.optimizer) == (4, "float16", "momentum")
    assert m.param_bytes == 1530 * 2
    assert m.gradient_bytes == 1530 * 2
    assert m.optimizer_bytes == 1530 * 2  # one momentum buffer per parameter
    assert m.input_bytes == 4 * 3 * 8 * 8 * 2
    # outputs: 8x8x8 three times (conv, bn, relu), 8x4x4, 10 values
    assert m.activation_bytes == 4 * (3 * 512 + 128 + 10) * 2
    assert summary(spec, input=(3, 8, 8), optimizer="adam").memory.optimizer_bytes == 2 * 1530 * 4
    assert summary(spec, input=(3, 8, 8), optimizer="sgd").memory.optimizer_bytes == 0
    amp = summary(spec, input=(3, 8, 8), amp="bf16").memory
    assert (amp.amp, amp.param_bytes) == ("bfloat16", 1530 * 4)  # float32 weights kept


@pytest.mark.parametrize(("batch", "inplace"), [(2, True), (3, False)])
def test_kept_bytes_are_what_autograd_saves(batch: int, inplace: bool) -> None:
    torch = need_torch()
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(inplace=inplace),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(128, 10),
    )
    s = summary(
        "conv 8x3x3 p1 | bn | relu | pool 2 | fc 10", (3, 8, 8), batch=batch, inplace=inplace
    )
    assert s.params == sum(p.numel() for p in net.parameters())
    assert s.memory.kept_bytes == saved_bytes(net, torch.randn(batch, 3, 8, 8))


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"batch": 0}, "batch=0: must be at least 1"),
        ({"batch": 2.5}, "batch=2.5: expected a whole number"),
        ({"batch": True}, "batch=True: expected a whole number"),
        ({"batch": 10**30}, "batch: numbers are at most 30 digits"),
        (
            {"dtype": "float64"},
            "dtype='float64' is not one of 'float32', 'float16', 'bfloat16', 'int8'",
        ),
        ({"optimizer": "adamw"}, "optimizer='adamw' is not one of 'sgd', 'momentum', 'adam'"),
        ({"amp": "bfloat16"}, "amp='bfloat16' is not one of 'bf16', 'fp16'"),
        (
            {"amp": "bf16", "dtype": "float16"},
            "amp='bf16' keeps float32 weights: it needs dtype='float32', not 'float16'",
        ),
        (
            {"attention": "sdpa"},
            "attention='sdpa' is not one of 'auto', 'math', 'flash', 'efficient'",
        ),
        ({"inplace": "no"}, "inplace='no': expected True or False"),
        ({"memory": 1}, "memory=1: expected True or False"),
        ({"depth": 0}, "depth=0: must be at least 1"),
        ({"max_layers": 0}, "max_layers=0: must be at least 1"),
        ({"max_depth": 201}, "max_depth=201 is over the ceiling of 200"),
        ({"columns": "layer,bogus"}, "columns: unknown column 'bogus'; the columns are: "),
        ({"columns": [1, 2]}, "columns=[1, 2]: expected a string or a list of strings"),
    ],
)
def test_bad_options_are_errors_naming_them(options: dict[str, Any], said: str) -> None:
    message = error(summary, NET, input=(1, 32, 32), **options)
    assert message.startswith(said) and (said.endswith(": ") or message == said)


def test_the_limits_are_the_clis() -> None:
    assert error(summary, "[relu]*3", input=(4,), max_layers=2) == (
        "the network has 3 layers with repeats unrolled, more than the limit of 2 "
        "(raise it with --max-layers)"
    )
    assert error(summary, NET, input=(1, 32, 32), max_layers=2) == (
        "the spec has more than 2 layers, blocks and branches (raise the limit with --max-layers)"
    )
    assert error(summary, "[relu]*3", input=(4,), max_bytes=3) == (
        "the spec is longer than the limit of 3 characters (raise it with --max-bytes)"
    )
    deep = "[" * 70 + "relu" + "]*1" * 70
    assert "nest deeper than 64" in error(summary, deep, input=(4,))
    assert summary(deep, input=(4,), max_depth=80).output_shape == (4,)


def test_strict_refuses_what_is_a_warning_otherwise() -> None:
    # pool 2 on 6x29x29 (conv 6x4x4 on 32): (29 − 2)/2 + 1 = 14.5 → row and column 28 unread
    s = summary("conv 6x4x4 | pool 2", input=(1, 32, 32))
    assert len(s.warnings) == 1 and "never read" in s.warnings[0][1]
    assert error(summary, "conv 6x4x4 | pool 2", input=(1, 32, 32), strict=True).endswith(
        "(--strict)"
    )


def test_strict_notes_refuses_what_is_a_note() -> None:
    # a 1×1 convolution of stride 2 reads one pixel in four: a note, not a warning
    s = summary("conv 8x1x1 s2", input=(3, 8, 8))
    assert s.output_shape == (8, 4, 4) and not s.warnings
    assert summary("conv 8x1x1 s2", input=(3, 8, 8), strict=True).output_shape == (8, 4, 4)
    message = error(summary, "conv 8x1x1 s2", input=(3, 8, 8), strict_notes=True)
    assert message.endswith("(--strict-notes)") and "never read" in message


# --- what a summary gives -------------------------------------------------------------

CLI_CASES = [
    ({}, []),
    ({"batch": 4, "dtype": "bfloat16"}, ["--batch", "4", "--dtype", "bfloat16"]),
    ({"compare": True, "rf": True, "memory": True}, ["--compare", "--rf", "--memory"]),
    ({"columns": ["layer", "params"]}, ["--columns", "layer,params"]),
    ({"depth": 1, "explain": True}, ["--depth", "1", "--explain"]),
    ({"amp": "fp16", "inplace": False}, ["--amp", "fp16", "--no-inplace"]),
    ({"attention": "math", "optimizer": "sgd"}, ["--attention", "math", "--optimizer", "sgd"]),
]


@pytest.mark.parametrize(("options", "flags"), CLI_CASES)
def test_the_table_is_the_clis(options: dict[str, Any], flags: list[str]) -> None:
    s = summary("resnet18", **options)
    code, out, err = invoke("resnet18", *flags)
    assert (code, err) == (0, "")
    assert s.table() == out
    assert str(s) == repr(s) == out.rstrip("\n")


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_every_format_is_the_clis(fmt: str) -> None:
    s = summary("mobilenet_v2", batch=8, dtype="float16")
    code, out, _ = invoke("mobilenet_v2", "--batch", "8", "--dtype", "float16", "--format", fmt)
    assert code == 0 and s.render(fmt) == out


def test_to_dict_is_the_json_document() -> None:
    s = summary("lenet5", batch=2, explain=True)
    code, out, _ = invoke("lenet5", "--batch", "2", "--explain", "--json")
    assert code == 0 and s.to_dict() == json.loads(out) and s.to_json() == out
    d = s.to_dict()
    # LeCun et al. 1998: C1 is 6@28x28 with 156 parameters; 60,000 trainable in all
    assert d["layers"][0]["output_shape"] == [6, 28, 28] and d["layers"][0]["params"] == 156
    assert d["total"]["trainable_params"] == 60000
    assert d["total"]["memory"]["batch"] == 2 and d["layers"][0]["explain"]
    # activations: C1's 6·28·28 values at batch 2, float32
    assert d["layers"][0]["activation_bytes"] == 6 * 28 * 28 * 2 * 4


def test_torch_source_and_the_pictures() -> None:
    s = summary(NET, input=(1, 32, 32))
    assert "class Net(nn.Module)" in s.render("torch")
    assert s.render("svg").startswith("<svg")
    assert s.render("html").startswith("<!doctype html>")


def test_options_a_document_ignores_are_refused_as_on_the_cli() -> None:
    s = summary("lenet5", depth=1)
    said = "--depth folds the table's blocks; json lists every layer: leave --depth out"
    assert error(s.to_dict) == said
    assert error(summary("lenet5", batch=8).render, "torch") == (
        "--emit torch prints source code; --batch has no effect on it: leave one out"
    )
    bars = summary("lenet5", columns="layer,params_share")
    assert error(bars.render, "csv") == (
        "columns params_share: the share bars are in the table only, not csv"
    )
    assert error(s.render, "pdf").startswith("unknown format 'pdf': one of table, json")


def test_fit_finds_the_largest_batch_that_fits() -> None:
    s = summary("resnet18", amp="bf16")
    found = s.fit("8GiB")
    limit = 8 * 2**30
    assert found.limit == limit and found.amp == "bfloat16"
    for phase, peak in (("training", "training_bytes"), ("inference", "inference_peak_bytes")):
        batch = getattr(found, phase).batch
        assert batch > 1
        assert getattr(summary("resnet18", batch=batch, amp="bf16").memory, peak) <= limit
        assert getattr(summary("resnet18", batch=batch + 1, amp="bf16").memory, peak) > limit
    assert s.fit(limit) == found
    assert error(s.fit, "lots") == "--fit lots: expected a size such as 24GiB, 24GB or 25769803776"
    assert error(s.fit, 2.5) == "fit: expected a size such as '24GiB' or bytes, got 2.5"


def test_the_notebook_view_is_the_page_with_the_summarys_memory() -> None:
    s = summary("lenet5", batch=16, dtype="float16")
    shown = s._repr_html_()
    frame = re.fullmatch(r'<iframe sandbox="allow-scripts" [^>]* srcdoc="([^"]*)"></iframe>', shown)
    assert frame is not None
    page = unescape(frame.group(1))
    embedded = re.search(
        r'<script type="application/json" id="cnncalc-report">(.*?)</script>', page, re.S
    )
    assert embedded is not None
    document = json.loads(embedded.group(1))
    assert document == s.to_dict()
    assert document["total"]["memory"]["batch"] == 16
    assert document["total"]["memory"]["param_bytes"] == 60840 * 2  # 60,840 params, 2 bytes


def test_every_cli_option_of_show_has_a_keyword() -> None:
    """The keywords mirror ``cnncalc SPEC``'s options; those that pick another
    document or write a file are methods (``render``, ``fit``) or the CLI's own."""
    import inspect

    from cnncalc.cli import show

    elsewhere = {"fmt", "as_json", "emit", "svg_path", "png_path", "layout", "scale", "html_path"}
    elsewhere |= {"fit_size", "help"}
    renamed = {"input_": "input", "inplace_relu": "inplace", "kept": "memory"}
    renamed |= {"column_keys": "columns"}
    keywords = set(inspect.signature(summary).parameters)
    for param in show.params:
        assert param.name is not None
        if param.name in elsewhere or param.name == "spec":
            continue
        assert renamed.get(param.name, param.name) in keywords, param.name


def test_the_table_counts_add_up() -> None:
    """An invariant (torchinfo's ``assert_sum_column_totals_match``): the rows
    of the JSON document add up to its totals."""
    d = summary("resnet18").to_dict()
    for key in ("params", "macs", "connections"):
        assert sum(layer[key] for layer in d["layers"]) == d["total"][key]
    # resnet18: 11,689,512 parameters (torchvision's published figure)
    assert d["total"]["params"] == 11689512
    assert math.prod(d["input_shape"]) == 3 * 224 * 224


# --- the README's Python API section runs -----------------------------------------------


def readme_examples() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return "\n".join(block for block in blocks if block.lstrip().startswith(">>>"))


def test_the_readme_python_api_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples/net.yaml
    monkeypatch.delenv("COLUMNS", raising=False)
    source = readme_examples()
    assert source.count(">>>") >= 15
    test = doctest.DocTestParser().get_doctest(source, {}, "README Python API", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    lines: list[str] = []
    runner.run(test, out=lines.append)
    assert runner.failures == 0, "".join(lines)
    assert runner.tries == source.count(">>>")


def test_the_api_docstring_examples_run() -> None:
    import cnncalc.api

    failed, attempted = doctest.testmod(cnncalc.api, verbose=False)
    assert attempted >= 4 and failed == 0
