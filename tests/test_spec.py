"""The string syntax: every option, the canonical form, every error with its caret."""

from __future__ import annotations

import pytest

from cnncalc import SpecError, parse
from cnncalc.canonical import format_layer

from conftest import run


def only(spec: str):  # type: ignore[no-untyped-def]
    (layer,) = parse(spec).layers
    return layer


def test_conv_arguments_and_every_option() -> None:
    layer = only("CONV 64x3x5 s2x1 p1 d2 g4 nobias frozen")
    assert (layer.kind, layer.filters, layer.size, layer.per_axis) == ("conv", 64, (3, 5), True)
    assert (layer.stride, layer.padding, layer.dilation, layer.groups) == ((2, 1), (1,), (2,), 4)
    assert (layer.bias, layer.trainable) == (False, False)


def test_flags_and_padding_words() -> None:
    assert only("conv 8x3 psame").padding == "same"
    assert only("conv 8x3 pvalid").padding == (0,)
    assert only("conv 8x3x3 dw").depthwise
    assert only("pool 3 s2 p1 ceil").ceil
    assert only("deconv 8x4x4 s2 op1").output_padding == (1,)
    assert only("convt 8x4x4").kind == "deconv"
    assert only("conv 16x5x5 table=0,1/2").table == ((0, 1), (2,))


def test_aliases() -> None:
    kinds = [
        layer.kind
        for layer in parse("maxpool 2|dense 3|linear 3|batchnorm|adaptiveavgpool 5").layers
    ]
    assert kinds == ["pool", "fc", "fc", "bn", "adaptivepool"]


def test_whitespace_is_free() -> None:
    assert parse("conv 6x5x5|pool 2").layers == parse("  conv   6x5x5 |\n pool 2 ").layers


def test_single_size_is_not_per_axis() -> None:
    assert not only("pool 2").per_axis
    assert only("pool 2x2").per_axis
    assert only("conv 64x5").per_axis  # a 1-D kernel


def test_dropout_rate_and_optional_arguments() -> None:
    assert only("dropout 0.5").value == 0.5
    assert only("dropout").value is None
    assert only("leakyrelu 0.01").value == 0.01
    assert only("lrn 5").size == (5,)


@pytest.mark.parametrize(
    ("spec", "canonical"),
    [
        ("conv 100x10x10 s1 p0", "conv 100x10x10"),
        ("conv 64x3x3 S2 P1", "conv 64x3x3 s2 p1"),
        ("conv 64x3x3 s2x1 p1x1", "conv 64x3x3 s2x1 p1"),
        ("pool 2 s2", "pool 2"),
        ("pool 3 s1 p1", "pool 3 s1 p1"),
        ("pool 3 s2 p1 ceil", "pool 3 s2 p1 ceil"),
        ("conv 32x3x3 dw nobias", "conv 32x3x3 dw nobias"),
        ("dense 10", "fc 10"),
        ("dropout 0.5", "dropout 0.5"),
        ("embed 1000x16", "embed 1000x16"),
    ],
)
def test_canonical_form(spec: str, canonical: str) -> None:
    dims = (1000,) if spec.startswith("embed") else (32, 16, 16)
    (layer,) = run(spec, *dims).layers
    assert layer.spec == canonical


def test_canonical_round_trip() -> None:
    spec = "conv 32x3x3 s2 p1 | bn | relu | conv 64x3x3 g4 | pool 3 s2 p1 ceil | gap | fc 10 nobias"
    first = run(spec, 3, 64, 64)
    again = run(first.spec, 3, 64, 64)
    assert again.spec == first.spec
    assert again.total == first.total


def error(spec: str, *dims: int) -> SpecError:
    with pytest.raises(SpecError) as info:
        run(spec, *(dims or (3, 32, 32)))
    return info.value


@pytest.mark.parametrize(
    ("spec", "message", "marked"),
    [
        ("conv 6x5x5 | cnov 3x3x3", "unknown layer 'cnov' — did you mean 'conv'?", "cnov"),
        ("conv 64", "'64' gives no kernel size: write conv 64x3x3 (filters x kernel)", "64"),
        ("conv s2", "conv needs NxF[xF[xF]], e.g. conv 64x3x3", "conv s2"),
        ("conv 0x3x3", "filters must be at least 1, got 0", "0x3x3"),
        ("conv 8x3.5", "kernel size must be a whole number, got 3.5", "8x3.5"),
        ("conv 8x3x3 s0", "stride must be at least 1, got 0", "s0"),
        ("conv 8x3x3 s-1", "stride must be at least 1, got -1", "s-1"),
        ("conv 8x3x3 pq", "unknown option 'pq' for conv", "pq"),
        ("conv 8x3x3 relu", "'relu' is a layer: is a '|' missing before it?", "relu"),
        ("relu 3", "unexpected number '3': relu takes no argument", "3"),
        (
            "pool 2 g2",
            "pool does not take groups; pool takes sK (stride), pK (padding), dK (dilation), ceil",
            "g2",
        ),
        ("conv 8x3x3 s1 s2", "stride is given twice", "s2"),
        ("conv 8x3x3 g2 dw", "groups and depthwise cannot be combined", "dw"),
        ("conv 8x3x3x3x3", "a kernel has 1 to 3 sizes, got 4", "8x3x3x3x3"),
        ("dropout 1.5", "dropout probability must be between 0 and 1, got 1.5", "1.5"),
        ("conv 6x5x5 | | relu", "empty stage: a layer is missing here", "|"),
    ],
)
def test_syntax_errors_point_at_the_token(spec: str, message: str, marked: str) -> None:
    exc = error(spec)
    assert exc.message == message
    assert exc.location is not None
    assert exc.location.line == spec
    assert spec[exc.location.start : exc.location.end] == marked


def test_error_rendering_has_caret_line() -> None:
    exc = error("conv 100x10x10 | pol 2")
    assert exc.render() == (
        "error: layer 2 'pol 2': unknown layer 'pol' — did you mean 'pool'?\n"
        "  conv 100x10x10 | pol 2\n"
        "                   ^^^"
    )


def test_format_layer_of_unresolved_spec() -> None:
    assert format_layer(only("conv 8x3x3 s2 psame")) == "conv 8x3x3 s2 psame"
