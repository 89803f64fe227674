"""The memory options of the command line: --amp, --inplace/--no-inplace, --memory,
--fit, and the table footer's peak locations. Figures by hand (in the comments)
or from the shared H100 measurements (tests/data)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cnncalc import parse, sources
from cnncalc.cli import cli
from cnncalc.engine import analyze
from cnncalc.memory import estimate
from cnncalc.memory.fit import largest, parse_size
from cnncalc.memory.rules import CUBLAS_WORKSPACE
from cnncalc.memory.walk import Peak

DATA = Path(__file__).parent / "data"
NET = "conv 4x3x3 p1 nobias | bn | relu | pool 2 | flatten | fc 10"
"""The hand-worked net of tests/test_memory.py, on 3x8x8 at batch 2."""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def kept_column(*args: str) -> list[int]:
    result = invoke(NET, "--input", "3x8x8", "--batch", "2", "--memory", "-f", "csv", *args)
    assert result.exit_code == 0, result.output
    return [int(row["kept_bytes"]) for row in csv.DictReader(io.StringIO(result.stdout))]


def test_memory_column_float32() -> None:
    # test_memory.test_kept_by_hand: the conv keeps the input 2·3·8·8·4 = 1536; bn its
    # input 2·4·8·8·4 = 2048 and mean and inverse std 2·4·4 = 32; the in-place relu its
    # result 2048 (bn's storage, counted once); pool its indices 2·4·4·4·8 = 1024 (its
    # input is the relu's); flatten nothing; fc its input 2·64·4 = 512
    assert kept_column() == [1536, 2080, 2048, 1024, 0, 512]


def test_memory_column_under_autocast() -> None:
    # bf16 autocast: the conv keeps the half copy of its input 2·3·8·8·2 = 768 and the
    # cached half weight 108·2 = 216 (984); bn runs in its input's dtype (half): input
    # 2·4·8·8·2 = 1024 + stats 32 (float32); relu the same storage, 1024; pool's indices
    # 1024; fc's input is already half, kept as is, 2·64·2 = 256, + its half weight
    # 640·2 = 1280 (1536)
    assert kept_column("--amp", "bf16") == [984, 1056, 1024, 1024, 0, 1536]
    assert kept_column("--amp", "fp16") == [984, 1056, 1024, 1024, 0, 1536]


def test_memory_column_in_every_tabular_format() -> None:
    markdown = invoke(NET, "-i", "3x8x8", "--batch", "2", "--memory", "-f", "markdown").stdout
    assert "| kept bytes |" in markdown.splitlines()[0]
    assert "| 2,080 |" in markdown.splitlines()[3]  # bn, row 2
    table = invoke(NET, "-i", "3x8x8", "--batch", "2", "--memory").stdout
    assert "kept bytes" in table and "2,080" in table
    assert "kept bytes" not in invoke(NET, "-i", "3x8x8").stdout  # only when asked for


def test_amp_reaches_the_json() -> None:
    args = [NET, "-i", "3x8x8", "--batch", "2", "--json"]
    memory = json.loads(invoke(*args, "--amp", "bf16").stdout)["total"]["memory"]
    assert memory["amp"] == "bfloat16" and memory["dtype"] == "float32"
    assert memory["kept_bytes"] == 984 + 1056 + 1024 + 1024 + 1536  # the column's sum
    fp16 = json.loads(invoke(*args, "--amp", "fp16").stdout)["total"]["memory"]
    assert fp16["amp"] == "float16"
    plain = json.loads(invoke(*args).stdout)["total"]["memory"]
    assert plain["amp"] is None and plain["kept_bytes"] == 7200


def test_no_inplace() -> None:
    # conv 4x1x1 | relu on 3x8x8, batch 2, no-grad forward: base = parameters (weight
    # 12·4 and bias 4·4, a 512-byte block each) + input 2·3·64·4 = 1536 + one cuBLAS
    # workspace; the 1x1 conv borrows no workspace; its output is 2·4·64·4 = 2048. In
    # place the relu writes over it: peak 2048. Out of place both live: 4096.
    base = 1024 + 1536 + CUBLAS_WORKSPACE
    args = ["conv 4x1x1 | relu", "-i", "3x8x8", "--batch", "2", "--json"]
    inplace = json.loads(invoke(*args).stdout)["total"]["memory"]
    apart = json.loads(invoke(*args, "--no-inplace").stdout)["total"]["memory"]
    assert inplace["inference_peak_bytes"] == base + 2048 and inplace["inplace_relu"] is True
    assert apart["inference_peak_bytes"] == base + 4096 and apart["inplace_relu"] is False
    assert json.loads(invoke(*args, "--inplace").stdout)["total"]["memory"] == inplace
    # kept either way: the conv's input 1536 and the relu's result 2048
    assert inplace["kept_bytes"] == apart["kept_bytes"] == 3584


def footer(*args: str) -> list[str]:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("memory ("))
    return lines[start : start + 3]


def test_footer_says_where_the_peaks_are() -> None:
    # test_memory: the training peak comes in relu's backward (layer 3), 66.0 MiB with the
    # two cuBLAS workspaces; the no-grad peak while the conv runs (layer 1), 33.0 MiB
    assert footer(NET, "-i", "3x8x8", "--batch", "2") == [
        "memory (float32, batch 2): activations 7.1 KiB, kept for backward 7.0 KiB",
        "training peak with adam 66.0 MiB during backward at layer 3 (relu)",
        "inference peak 33.0 MiB during forward at layer 1 (conv 4x3x3 p1 nobias)",
    ]


def test_footer_names_paths_the_step_and_joins() -> None:
    # VGG-16 at batch 1 peaks in Adam's step (test_memory): five float32 copies of its
    # 138,357,544 parameters (weights, two moments, gradients, Adam's sqrt temporary),
    # 2.58 GiB, + two 33 MiB cuBLAS workspaces + the rest (MiB): 2.6 GiB
    assert footer("vgg16")[1] == "training peak with adam 2.6 GiB in the optimizer step"
    # a residual add's output is made while its input lives: 2 × 8·4·4·4 bytes, more than
    # the conv's moment (one block); the add has no layer number, it is named by its path
    assert footer("conv 8x1x1 | res[relu]", "-i", "8x4x4")[2] == (
        "inference peak 33.0 MiB during forward at the residual add of block 1"
    )
    # a layer in a block is shown with its path
    lines = footer("conv 8x3x3 | res[conv 8x3x3 p1 | relu]", "-i", "3x32x32", "--batch", "64")
    assert lines[1].endswith("during backward at layer 2 (1.body.0: conv 8x3x3 p1)")
    options = footer(NET, "-i", "3x8x8", "--amp", "bf16", "--no-inplace")[0]
    assert options.startswith("memory (float32, batch 1, autocast bf16, ReLUs not in place)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24GiB", 24 * 1024**3),
        ("24GB", 24 * 10**9),
        ("80 GiB", 80 * 1024**3),
        ("24gib", 24 * 1024**3),
        ("1.5TiB", 3 * 1024**4 // 2),
        (".5KiB", 512),
        ("25769803776", 25_769_803_776),
        ("100 B", 100),
        ("1.9B", 1),  # a fraction of a byte is dropped
    ],
)
def test_sizes(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("24XB", "unknown unit 'XB'"),
        ("24XB", "unknown unit 'XB'"),
        ("GiB", "expected a size"),
        ("", "expected a size"),
        ("-1GiB", "expected a size"),
        ("1e9", "expected a size"),
        ("0", "at least 1 byte"),
        ("0.5B", "at least 1 byte"),
        ("1" * 31, "at most 30 digits"),
        ("２４GiB", "expected a size"),  # fullwidth digits are not ASCII
    ],
)
def test_bad_sizes_are_one_line_and_exit_2(text: str, message: str) -> None:
    result = invoke("resnet18", "--fit", text)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: --fit ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_option_clashes() -> None:
    result = invoke("resnet18", "--amp", "bf16", "--dtype", "float16")
    assert result.exit_code == 2 and "needs --dtype float32" in result.stderr
    result = invoke("resnet18", "--fit", "24GiB", "--emit", "torch")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert invoke("resnet18", "--amp", "fp32").exit_code == 2


def fit_json(*args: str) -> dict[str, Any]:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)["fit"]
    return found


@pytest.mark.parametrize("options", [[], ["--amp", "bf16"], ["--optimizer", "sgd"]])
def test_fit_is_the_largest_batch(options: list[str]) -> None:
    """The answer's peak is at most the size, one batch more's is over it (the
    model's own figures at both batches, through estimate, not the search)."""
    limit = 24 * 1024**3
    found = fit_json("resnet50", "--fit", "24GiB", *options)
    report = analyze(sources.load("resnet50"))
    amp = "bfloat16" if "--amp" in options else None
    optimizer = "sgd" if "sgd" in options else "adam"

    def memory(batch: int) -> Any:
        return estimate(report, batch, optimizer=optimizer, amp=amp)

    train, infer = found["training"]["batch"], found["inference"]["batch"]
    assert memory(train).training_bytes <= limit < memory(train + 1).training_bytes
    assert memory(infer).inference_peak_bytes <= limit < memory(infer + 1).inference_peak_bytes
    assert found["training"]["peak_bytes"] == memory(train).training_bytes
    assert found["training"]["next_peak_bytes"] == memory(train + 1).training_bytes
    assert found["training"]["peak_at"] == memory(train).training_peak_at
    # 24 GiB, less the fixed part (batch 1's peak), shared by about what one more
    # sample costs: an inference sample costs less than a training one
    assert 1 < train < infer


def test_fit_against_the_h100() -> None:
    """Given exactly what the H100 measured for resnet18's training step at batch 64,
    the largest batch that fits is 64 (the measured peak grows by 22 MB a sample
    between batch 32 and 64, so ±2 is ±3% of the peak)."""
    points = json.loads((DATA / "h100-torchvision-memory.json").read_text())["points"]
    measured = next(p for p in points if p["model"] == "resnet18" and p["batch"] == 64)
    found = fit_json("resnet18", "--fit", str(measured["train_peak_bytes"]))
    assert abs(found["training"]["batch"] - 64) <= 2
    # and the 24 GiB answer holds the measured batch 64 with room to spare
    assert fit_json("resnet18", "--fit", "24GiB")["training"]["batch"] >= 64


def test_fit_text() -> None:
    # lenet5 at batch 1 needs 67.2 MiB for training (its footer) and 33.3 MiB to infer
    result = invoke("lenet5", "--fit", "50MiB")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "lenet5: the largest batch whose predicted peak fits in 50.0 MiB "
        "(52,428,800 bytes; float32, adam)"
    )
    assert lines[1] == "training   none: batch 1 needs 67.2 MiB"
    assert lines[2].startswith("inference  batch ")
    found = fit_json("lenet5", "--fit", "50MiB")
    assert found["training"] == {
        "batch": 0,
        "peak_bytes": None,
        "peak_at": None,
        "next_peak_bytes": estimate(analyze(sources.load("lenet5"))).training_bytes,
    }


def test_search_is_bounded() -> None:
    """A peak linear in the batch, searched to a size near 10^30: the search walks
    only a few dozen batches (counted), and finds the exact answer."""
    calls = []

    def peak(batch: int) -> Peak:
        calls.append(batch)
        return Peak("forward", None, None, 1000 + 7 * batch + (batch > 10**20) * batch)

    limit = 10**29
    found = largest(peak, limit)
    # past 10^20 the peak is 1000 + 8b: the largest b with 1000 + 8b <= 10^29
    assert found.batch == (limit - 1000) // 8
    assert len(set(calls)) < 200
    step = largest(lambda b: Peak("forward", None, None, 100 if b < 5 else 10**9), 1000)
    assert step.batch == 4


SIDE_NAMED = "identity as b | side[ fc 3 ] as c | mul c,b"
"""Issue 20, item 5: ``c`` names the tensor the side block hands on (8×4×4), not
its branch's output (3)."""


@pytest.mark.parametrize("extra", [[], ["--json"], ["--fit", "1GiB"], ["--memory"]])
def test_a_named_side_block_hands_on_its_input(extra: list[str]) -> None:
    result = invoke(SIDE_NAMED, "--input", "8x4x4", *extra)
    assert result.exit_code == 0, result.output


def test_a_side_blocks_name_is_its_input() -> None:
    """The same graph in torch, the name on the side block or on the layer before
    (what torch runs: x * x, cat(x, x), x + x): one figure."""
    pairs = [
        ("side[ fc 3 ] as c | mul c,c", "identity as c | side[ fc 3 ] | mul c,c"),
        ("side[ fc 3 ] as c | catcrop c", "identity as c | side[ fc 3 ] | catcrop c"),
        ("side[ fc 3 ] as c | from c | add c", "identity as c | side[ fc 3 ] | from c | add c"),
    ]
    for on_side, before in pairs:
        a = estimate(analyze(parse(f"conv 8x1x1 | identity | {on_side}"), (8, 4, 4)), batch=2)
        b = estimate(analyze(parse(f"conv 8x1x1 | {before}"), (8, 4, 4)), batch=2)
        assert (a.training_bytes, a.kept_bytes, a.inference_peak_bytes) == (
            b.training_bytes,
            b.kept_bytes,
            b.inference_peak_bytes,
        ), on_side


@pytest.mark.parametrize(("text", "size"), [("24G", 24 * 2**30), ("512M", 512 * 2**20)])
def test_a_bare_unit_letter_is_binary_as_nvidia_smi_means_it(text: str, size: int) -> None:
    result = invoke("resnet18", "--fit", text, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["fit"]["limit_bytes"] == size
