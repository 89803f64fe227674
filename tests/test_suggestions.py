"""Issue 14: errors that say what to type (the expected text written by hand)."""

from __future__ import annotations

import json

import pytest

from cnncalc.translate import translate

from conftest import invoke


@pytest.mark.parametrize(
    ("pasted", "cnncalc"),
    [
        ("Conv2d(3, 64, kernel_size=3, padding=1)", "conv 64x3x3 p1"),
        ("nn.Conv2d(3, 64, 3, 2, 1, bias=False)", "conv 64x3x3 s2 p1 nobias"),
        ("nn.Conv2d(3, 64, (3, 5), padding=(1, 2))", "conv 64x3x5 p1x2"),
        ("nn.Conv1d(1, 16, 5)", "conv 16x5"),
        ("nn.ConvTranspose2d(64, 32, 4, 2, 1)", "deconv 32x4x4 s2 p1"),
        ("nn.MaxPool2d(2)", "pool 2"),
        ("nn.MaxPool2d(kernel_size=3, stride=2, padding=1)", "pool 3 s2 p1"),
        ("nn.AvgPool2d(2)", "avgpool 2"),
        ("nn.AdaptiveAvgPool2d((1, 1))", "gap"),
        ("Linear(512, 10)", "fc 10"),
        ("nn.BatchNorm2d(64)", "bn"),
        ("nn.ReLU(inplace=True)", "relu"),
        ("nn.Dropout(0.5)", "dropout 0.5"),
        ("Conv2D(64, 3, padding='same')", "conv 64x3x3 psame"),
        ("layers.Conv2D(32, (3, 3), strides=2, activation='relu')", "conv 32x3x3 s2 | relu"),
        ("MaxPooling2D(2)", "pool 2"),
        ("MaxPooling2D()", "pool 2"),  # Keras's pool_size defaults to 2
        ("Dense(10)", "fc 10"),
        ("Dense(10, activation='softmax')", "fc 10 | softmax"),
        ("BatchNormalization()", "bn"),
        ("GlobalAveragePooling2D()", "gap"),
        ("ReLU()", "relu"),
        ("Flatten()", "flatten"),
    ],
)
def test_translations(pasted: str, cnncalc: str) -> None:
    assert translate(pasted) == cnncalc
    # and what it gives is a spec cnncalc reads
    shape = "1x64" if cnncalc == "conv 16x5" else "3x32x32"  # a 1-D conv, a 1-D input
    code, _, err = invoke(cnncalc, "--input", shape, "--format", "csv")
    assert code == 0, err


@pytest.mark.parametrize(
    "text",
    ["foo(1)", "Conv2d(__import__('os').system('x'))", "Conv2d(3)", "Linear(a, b)", "conv(("],
)
def test_unknown_or_unreadable_calls_get_no_translation(text: str) -> None:
    assert translate(text) is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "Conv2d(3, 64, kernel_size=3, padding=1)",
            "a PyTorch or Keras layer; write: conv 64x3x3 p1",
        ),
        ("conv 64x3x3 same", "unknown option 'same' for conv — write: conv 64x3x3 psame"),
        ("conv 64x3x3 padding=same", "— write: conv 64x3x3 psame"),
        ("conv 64x3x3 padding=1", "— write: conv 64x3x3 p1"),
        ("conv 64x3x3 stride=2", "— write: conv 64x3x3 s2"),
        ("conv 64x3x3 stride=(2, 1)", ""),  # two words: no guess
        ("conv 64x3x3 bias=False", "— write: conv 64x3x3 nobias"),
        ("globalavgpool", "unknown layer 'globalavgpool' — write: gap"),
        ("lenet", "did you mean the preset 'lenet5' or 'lenet5-modern'?"),
        ("resnet-50", "did you mean the preset 'resnet50'?"),
        ("vgg16bn", "did you mean the preset 'vgg16_bn'?"),
    ],
)
def test_errors_say_what_to_write(spec: str, expected: str) -> None:
    code, out, err = invoke(spec, "--input", "3x32x32")
    assert code == 2 and out == "" and err.startswith("error: ")
    assert expected in err.splitlines()[0]
    assert "^" in err  # a caret under the user's text


def test_an_empty_spec() -> None:
    for spec in ("", "   "):
        code, _, err = invoke(spec, "--input", "3x32x32")
        assert code == 2 and err.startswith("error: the spec is empty")


@pytest.mark.parametrize(
    "shape", ["3x224x224", "3,224,224", "3 224 224", "(3, 224, 224)", "[3,224,224]"]
)
def test_input_shape_forms(shape: str) -> None:
    code, out, err = invoke("conv 8x3x3", "--input", shape, "--json")
    assert code == 0, err
    assert json.loads(out)["input_shape"] == [3, 224, 224]


def test_solve_points_to_transposed() -> None:
    code, _, err = invoke("solve", "--in", "5", "--out", "100")
    assert code == 2 and "try --transposed" in err
