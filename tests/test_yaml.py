"""The YAML form: every way to write a layer, and every error with its line."""

from __future__ import annotations

import pytest

from cnncalc import SpecError, analyze, parse
from cnncalc.canonical import format_layer
from cnncalc.readers.yamlspec import load


def layers_of(body: str):  # type: ignore[no-untyped-def]
    return load("input: [3, 32, 32]\nlayers:\n" + body, "net.yaml")


def test_string_mapping_and_bare_forms_are_the_same_model() -> None:
    yaml_model = layers_of(
        "  - conv 6x5x5 s1\n"
        "  - conv: {filters: 16, kernel: [5, 5], stride: 1, padding: 0}\n"
        "  - pool: 2\n"
        "  - relu:\n"
        "  - tanh\n"
        "  - dropout: 0.5\n"
        "  - adaptivepool: [2, 3]\n"
        "  - fc: {units: 10, bias: false}\n"
    )
    string_model = parse(
        "conv 6x5x5 | conv 16x5x5 p0 | pool 2 | relu | tanh | dropout 0.5 | adaptivepool 2x3"
        " | fc 10 nobias"
    )
    assert yaml_model.input_shape == (3, 32, 32)
    a = analyze(yaml_model)
    b = analyze(string_model, (3, 32, 32))
    assert a.spec == b.spec
    assert a.layers == b.layers


def test_mapping_fields() -> None:
    model = layers_of(
        "  - conv: {filters: 8, kernel: 3, padding: same, dilation: 2, groups: 1, name: c1}\n"
        "  - conv: {filters: 8, kernel: 3, depthwise: true, trainable: false}\n"
        "  - deconv: {filters: 4, kernel: 2, stride: 2, output_padding: 1}\n"
        "  - pool: {size: 3, stride: 2, padding: 1, ceil: true}\n"
        "  - conv: {filters: 2, kernel: 1, table: [[0, 1], [2, 3]]}\n"
        "  - leakyrelu: {slope: 0.1}\n"
        "  - bn: {trainable: false}\n"
    )
    conv, dw, deconv, pool, table, leaky, bn = model.layers
    assert (conv.padding, conv.dilation, conv.name, conv.per_axis) == ("same", (2,), "c1", False)
    assert dw.depthwise and not dw.trainable
    assert deconv.output_padding == (1,)
    assert (pool.kernel, pool.stride, pool.padding, pool.ceil) == ((3,), (2,), (1,), True)
    assert table.table == ((0, 1), (2, 3))
    assert leaky.slope == 0.1
    assert not bn.trainable
    report = analyze(model)
    assert report.layers[0].spec == "conv 8x3x3 psame d2"  # a single kernel size fills the rank
    assert report.layers[1].costs.trainable_params == 0
    assert report.layers[6].costs.trainable_params == 0


def test_input_forms() -> None:
    assert load("input: 3x32x32\nlayers: [relu]").input_shape == (3, 32, 32)
    assert load("input: 50\nlayers: [relu]").input_shape == (50,)
    assert load("layers: [relu]").input_shape is None


def error(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        load(text, "net.yaml")
    return info.value


@pytest.mark.parametrize(
    ("text", "message", "where", "marked"),
    [
        ("layers: [conv 8x3x3 s0]", "stride must be at least 1, got 0", "net.yaml:1", "s0"),
        (
            "layers:\n  - cnov 8x3x3",
            "unknown layer 'cnov' — did you mean 'conv'?",
            "net.yaml:2",
            "cnov",
        ),
        (
            "layers:\n  - conv: {filters: 8, kernel: 2.5}",
            "kernel must be a whole number, got 2.5",
            "net.yaml:2",
            "2.5",
        ),
        (
            "layers:\n  - conv: {filters: 0, kernel: 3}",
            "filters must be at least 1, got 0",
            "net.yaml:2",
            "0",
        ),
        (
            "layers:\n  - conv: {kernel: 3}",
            "conv needs NxF[xF[xF]], e.g. conv 64x3x3",
            "net.yaml:2",
            "conv",
        ),
        (
            "layers:\n  - pool: {size: 2, groups: 2}",
            "pool does not take groups; pool takes sK (stride), pK (padding), dK (dilation), ceil",
            "net.yaml:2",
            "2",
        ),
        (
            "layers:\n  - conv: {filters: 8, kernel: 3, bias: no2}",
            "bias must be true or false, got 'no2'",
            "net.yaml:2",
            "no2",
        ),
        (
            "layers:\n  - {conv: 8x3x3, relu: null}",
            "a layer is a string ('conv 6x5x5') or one 'kind: value' pair",
            "net.yaml:2",
            "{conv: 8x3x3, relu: null}",
        ),
        (
            "layer: [relu]",
            "unknown key 'layer' — did you mean 'layers'?; a spec file has name, "
            "description, input, layers, blocks, source, notes, intended",
            "net.yaml:1",
            "layer",
        ),
        ("name: x", "no 'layers:' list in this file", "net.yaml:1", "name: x"),
        ("layers: []", "'layers:' must be a non-empty list", "net.yaml:1", "[]"),
        (
            "- relu",
            "a spec file is a mapping with 'layers:' (and optionally 'name:', 'input:')",
            "net.yaml:1",
            "- relu",
        ),
        ("input: [3, 0]\nlayers: [relu]", "input sizes must be at least 1", "net.yaml:1", "[3, 0]"),
    ],
)
def test_errors_name_the_line_and_token(text: str, message: str, where: str, marked: str) -> None:
    exc = error(text)
    assert exc.message == message
    assert exc.location is not None
    assert exc.location.where == where
    loc = exc.location
    assert loc.line[loc.start : loc.end] == marked


def test_malformed_yaml() -> None:
    exc = error("layers: [relu\n")
    assert exc.message.startswith("malformed YAML: ")
    # PyYAML's mark is on line 2, past the file's one line: cnncalc points at its end
    assert exc.location is not None and exc.location.where == "net.yaml:1"
    assert (exc.location.line, exc.location.start) == ("layers: [relu", 13)


def test_short_form_numbers_are_read_as_written() -> None:
    """``kind: value`` is the string form ``kind value``: the number as the user
    wrote it, not as YAML 1.1 resolves it (``1:2`` is 62 in base 60, ``010`` is
    8 in octal, ``0x10`` 16, ``1_000`` 1000)."""
    model = load("layers:\n  - pad: 1:2\n  - fc: 010\n")
    assert [format_layer(layer) for layer in model.layers] == ["pad 1:2", "fc 10"]  # type: ignore[arg-type]
    for text in ("fc: 0x10", "fc: 1_000"):
        with pytest.raises(SpecError, match="is not a number"):
            load(f"layers:\n  - {text}\n")


def test_mapping_form_numbers_are_read_as_written() -> None:
    """The mapping form too: ``filters: 010`` is 10 (YAML 1.1: 8, octal), a kernel
    list the same; ``0x10`` is not a number to cnncalc (YAML 1.1: 16)."""
    model = load("layers:\n  - conv: {filters: 010, kernel: [3, 03]}\n")
    assert format_layer(model.layers[0]) == "conv 10x3x3"  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="filters must be a whole number, got '0x10'"):
        load("layers:\n  - conv: {filters: 0x10, kernel: 3}\n")
