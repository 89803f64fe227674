"""The string syntax: every option, the canonical form, every error with its caret."""

from __future__ import annotations

import pytest

from cnncalc import SpecError, parse
from cnncalc.canonical import format_layer

from conftest import error, run


def only(spec: str):  # type: ignore[no-untyped-def]
    (layer,) = parse(spec).layers
    return layer


def test_conv_arguments_and_every_option() -> None:
    layer = only("CONV 64x3x5 s2x1 p1 d2 g4 nobias frozen")
    assert (layer.kind, layer.filters, layer.kernel, layer.per_axis) == ("conv", 64, (3, 5), True)
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
    assert only("dropout 0.5").rate == 0.5
    assert only("dropout").rate is None
    assert only("leakyrelu 0.01").slope == 0.01
    assert only("lrn 5").size == 5


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


# --- bounded work on hostile strings (issue 11), checked by counting, not timing ---

MIB = 2**20


def counting_tokens(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count every token the parser makes (``spec.tokens`` is its one source)."""
    from cnncalc.readers import spec

    made = [0]
    original = spec.tokens

    def counted(text: str, offset: int = 0):  # type: ignore[no-untyped-def]
        for token in original(text, offset):
            made[0] += 1
            yield token

    monkeypatch.setattr(spec, "tokens", counted)
    return made


@pytest.mark.parametrize(
    "text",
    [
        ("relu|" * (16 * MIB // 5))[:-1],  # 3.3 M stages
        "cat[" + ";" * (16 * MIB - 5) + "]",  # 16 M empty branches
        "[" * (16 * MIB),
        " | ".join(["relu"] * 10_001),  # one over the default limit of 10,000
        "[relu]*1 | " * 5_000 + "relu",  # 5,001 stages + 5,000 blocks
    ],
    ids=["relu|", "cat[;;;]", "[[[", "10001 stages", "blocks count"],
)
def test_too_many_items_is_refused_before_tokenizing(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = counting_tokens(monkeypatch)
    with pytest.raises(SpecError, match="more than 10,000 layers, blocks and branches"):
        parse(text)
    assert made == [0]


def test_the_item_count_and_its_limit() -> None:
    from cnncalc.readers.spec import count_items, parse_stages

    # cat[;;] : 1 block, 3 branches (all empty): [ + 2 × ; + 1
    assert count_items("cat[;;]") == 4
    assert count_items("conv 8x3x3 | relu | res[conv 8x3x3 p1 ; conv 8x1x1]") == 5
    assert len(parse_stages("cat[;;]", max_items=4)) == 1
    with pytest.raises(SpecError, match="more than 3 layers"):
        parse_stages("cat[;;]", max_items=3)
    assert len(parse_stages("relu | relu", max_items=2)) == 2
    with pytest.raises(SpecError, match="more than 1 layers"):
        parse_stages("relu | relu", max_items=1)


def test_deep_nesting_tokenizes_only_what_the_parser_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """16 MiB of ``[`` under a raised item limit: refused at depth 65, having
    made one chunk of tokens, not 16 million."""
    from cnncalc.readers.spec import parse_stages

    made = counting_tokens(monkeypatch)
    with pytest.raises(SpecError, match="nest deeper than 64"):
        parse_stages("[" * (16 * MIB), max_items=10**9)
    assert 0 < made[0] <= 5_000


@pytest.mark.parametrize("text", ["relu " * (3 * MIB), "x|" + "relu " * (3 * MIB)])
def test_a_stage_of_millions_of_words_reads_thirteen(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cnncalc.readers.spec import MAX_STAGE_WORDS

    made = counting_tokens(monkeypatch)
    with pytest.raises(SpecError):
        parse(text)
    assert made[0] <= MAX_STAGE_WORDS + 1 + 4096 + 2  # at most one chunk past the stage


def test_every_stage_word_cap_is_an_error_anyway() -> None:
    """A stage can set each of its 10 option fields once: 12 words at most, so
    13 words are always an error (here: a field given twice)."""
    longest = "deconv 8x3x3 s2 p1 d1 g1 op1 nobias frozen"
    assert parse(longest)  # 9 words, all distinct fields
    with pytest.raises(SpecError, match="given twice"):
        parse(longest + " s1 s1 s1 s1")


def test_a_huge_word_is_quoted_short() -> None:
    with pytest.raises(SpecError) as info:
        parse("a" * (16 * MIB))
    assert "unknown layer 'aaaaaaaaaaaa…(16,777,216 characters)'" in info.value.message
    assert len(info.value.headline()) < 200


def test_dims_and_tables_are_bounded_before_splitting() -> None:
    with pytest.raises(SpecError, match="more than 64 sizes"):
        parse("conv 1x" + "1x" * (8 * MIB) + "1")
    with pytest.raises(SpecError, match="at most 100,000 entries in all"):
        parse("conv 2x1x1 table=" + "0," * 100_000 + "0")
    with pytest.raises(SpecError, match="at most 100,000 entries in all"):
        parse("conv 2x1x1 table=" + "0," * 60_000 + "0 | conv 2x1x1 table=" + "0," * 60_000 + "0")
    # LeNet-5's C3: 6 of its 16 rows, as a table entry count well under the bound
    assert parse("conv 6x5x5 table=0,1,2/1,2,3/2,3,4/3,4,5/4,5,0/5,0,1").layers
