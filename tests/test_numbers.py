"""Numbers (issue 11): ASCII digits only, at most 30 of them, finite rates, and
every figure cnncalc accepts printed without a float overflow.

Each reproducer of the issue is a case here: before the fix the Unicode-digit
ones ended in exit 1 (``str.isdigit`` said yes, ``int`` said no), ``٣`` and
``3_0`` were taken as 3 and 30, and results past 1e308 crashed the table.
"""

from __future__ import annotations

import itertools
import json
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

import pytest

from cnncalc import parse
from cnncalc.errors import LayerError, SpecError
from cnncalc.number import MAX_DIGITS, bounded, whole
from cnncalc.render.columns import fraction, nbytes, number, share, significant

from conftest import invoke


def caret_under(stderr: str, token: str) -> bool:
    """The error's source line and a caret line whose ^ run starts under ``token``."""
    lines = stderr.splitlines()
    for source, marks in itertools.pairwise(lines):
        at = marks.find("^")
        if at >= 0 and source[at : at + len(token)] == token:
            return True
    return False


# --- only ASCII digits ------------------------------------------------------

UNICODE_DIGITS = [
    # (spec, the token the caret must be under)
    ("conv 6x²x²", "6x²x²"),
    ("fc ²", "²"),
    ("[relu]*²", "²"),
    ("conv ３x3x3", "３x3x3"),  # fullwidth 3
    ("conv ٣x3x3", "٣x3x3"),  # Arabic-Indic 3: int() reads it as 3
    ("conv 3_0x3x3", "3_0x3x3"),  # int() reads it as 30
    ("pool 2 s²", "s²"),
    ("pool 2 p٣", "p٣"),
    ("conv 4x3x3 g²", "g²"),
    ("deconv 4x3x3 s2 op²", "op²"),
    ("conv 4x3x3 d1x²", "d1x²"),
    ("dropout ٠.٥", "٠.٥"),
    ("leakyrelu 0.0１", "0.0１"),
    ("[relu]*3_0", "3_0"),
]


@pytest.mark.parametrize(("spec", "token"), UNICODE_DIGITS)
def test_only_ascii_digits_are_digits(spec: str, token: str) -> None:
    code, _, err = invoke(spec, "--input", "3x8x8")
    assert code == 2, err
    assert err.startswith("error: ") and "internal error" not in err
    assert "is not a number" in err or "takes a number" in err, err
    assert caret_under(err, token), err


def test_arabic_indic_digit_alone_is_not_a_layer() -> None:
    code, _, err = invoke("٣", "--input", "3")
    assert code == 2 and caret_under(err, "٣"), err


def test_a_hint_names_the_digits_that_count() -> None:
    with pytest.raises(LayerError, match=r"'²' is not a number \(only the digits 0-9 count\)"):
        whole("²", "size")
    with pytest.raises(LayerError, match=r"'3_0' is not a number$"):
        whole("3_0", "size")


def test_ascii_numbers_still_read() -> None:
    assert whole("0030", "x") == 30 and whole("-4", "x") == -4 and whole("+7", "x") == 7


@pytest.mark.parametrize("value", ["²", "٣", "3_0", "３", "1e3", "", "12x"])
def test_batch_takes_ascii_digits_only(value: str) -> None:
    code, _, err = invoke("lenet5", "--batch", value, "--json")
    assert code == 2 and "Invalid value for '--batch'" in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["3x²x8", "٣x8x8", "3_0x8", "３x8"])
def test_input_takes_ascii_digits_only_and_names_the_part(value: str) -> None:
    code, _, err = invoke("relu", "--input", value)
    bad = next(p for p in value.split("x") if not p.isascii() or "_" in p)
    assert code == 2 and f"'{bad}' is not a number" in err, err


# --- at most 30 digits ----------------------------------------------------------


def test_thirty_digits_are_a_number_thirty_one_are_not() -> None:
    assert MAX_DIGITS == 30
    assert whole("9" * 30, "x") == 10**30 - 1
    assert whole("0" * 50 + "1", "x") == 1  # leading zeros are not digits of the size
    with pytest.raises(LayerError, match=r"number too large: 100000000000…\(31 digits\)"):
        whole("1" + "0" * 30, "x")
    assert bounded(10**30 - 1, "x") == 10**30 - 1
    with pytest.raises(LayerError, match=r"\(31 digits\)"):
        bounded(-(10**30), "x")


@pytest.mark.parametrize(
    "spec",
    [
        "conv " + "9" * 412 + "x3x3",
        "fc " + "7" * 5000,  # past Python's 4,300-digit int() limit
        "[relu]*" + "9" * 5000,
        "pool 2 s" + "1" * 40,
        "conv 4x3x3 table=0,1/" + "2" * 31,
    ],
)
def test_too_many_digits_is_one_short_line(spec: str) -> None:
    code, _, err = invoke(spec, "--input", "3x8x8")
    assert code == 2, err
    headline = err.splitlines()[0]
    assert "number too large" in headline and "numbers are at most 30 digits" in headline
    assert len(headline) < 200  # the digits are counted, not echoed


def test_batch_of_400_digits() -> None:
    code, _, err = invoke("lenet5", "--batch", "9" * 400, "--json")
    assert code == 2 and "(400 digits)" in err and "9" * 20 not in err, err
    code, out, _ = invoke("lenet5", "--batch", "9" * 30, "--json")
    assert code == 0
    # lenet5: input 1×32×32 float32, so the input bytes are 4·1024 per sample
    assert json.loads(out)["total"]["memory"]["input_bytes"] == (10**30 - 1) * 4 * 32 * 32


YAML_CASES = [
    ("layers: [{conv: {filters: 1" + "0" * 400 + ", kernel: 3}}]", "number too large"),
    ("layers: [{conv: {filters: 3, kernel: [3, 1" + "0" * 40 + "]}}]", "number too large"),
    ("layers: [{repeat: {times: 1" + "0" * 400 + ", layers: [relu]}}]", "number too large"),
    ("input: [3, 1" + "0" * 400 + "]\nlayers: [relu]", "number too large"),
    ("input: 3x²x8\nlayers: [relu]", "'²' is not a number"),
    ("layers: [{leakyrelu: {slope: .inf}}]", "must be a finite number"),
    ("layers: [{leakyrelu: {slope: .nan}}]", "must be a finite number"),
    ("layers: [{dropout: {p: -.inf}}]", "must be a finite number"),
    ("layers: [{leakyrelu: {slope: 1" + "0" * 400 + "}}]", "number too large"),
    (
        "blocks: {b: {params: {w: 4}, layers: [{conv: {filters: '{w*"
        + "9" * 40
        + "}', kernel: 3}}]}}\nlayers: [{b: {}}]",
        "number too large",
    ),
    (
        "blocks: {b: {params: {w: 4}, layers: ['conv {w*٣}x3x3']}}\nlayers: [{b: {}}]",
        "not a number",
    ),
]


@pytest.mark.parametrize(("doc", "message"), YAML_CASES)
def test_yaml_numbers(doc: str, message: str) -> None:
    code, _, err = invoke("-", "--input", "3x8x8", stdin=doc + "\n")
    assert code == 2, err
    assert message in err.replace("takes a finite number", "must be a finite number"), err
    assert len(err.splitlines()[0]) < 300


def test_yaml_integer_past_pythons_limit() -> None:
    code, _, err = invoke("-", stdin="layers: [{fc: {units: 1" + "0" * 5000 + "}}]\n")
    assert code == 2, err


# --- finite rates -----------------------------------------------------------------


@pytest.mark.parametrize("spec", ["leakyrelu 1e999", "dropout 1e999", "leakyrelu -1e400"])
def test_rates_must_be_finite(spec: str) -> None:
    code, _, err = invoke(spec, "--input", "8")
    assert code == 2 and "takes a finite number" in err, err
    assert caret_under(err, spec.split()[1]), err


def test_dropout_nan_is_refused() -> None:
    code, _, err = invoke("dropout nan", "--input", "8")
    assert code == 2 and caret_under(err, "nan"), err


def test_tiny_rates_are_numbers() -> None:
    assert invoke("leakyrelu 1e-400", "--input", "8")[0] == 0  # underflows to 0.0: finite


# --- printing huge figures ---------------------------------------------------------


def four_digits(value: int | Fraction) -> tuple[str, int]:
    """``value`` to 4 significant digits by the decimal module (another method
    than cnncalc's integer code): (digits, exponent of the first digit)."""
    context = Context(prec=4, rounding=ROUND_HALF_EVEN, Emax=10**6)  # one rounding: the quotient
    d = context.divide(Decimal(value.numerator), Decimal(value.denominator))
    _, digits, exp = d.as_tuple()
    text = "".join(map(str, digits)).ljust(4, "0")
    return text, exp + len(digits) - 1  # type: ignore[operator]


@pytest.mark.parametrize(
    "value",
    [10**12, 145_924_000_000_000, 27 * 10**21, 123_456_789 * 10**25, 7**400, 3 * 10**320 + 1],
)
def test_number_matches_decimal_rounding(value: int) -> None:
    digits, power = four_digits(value)
    text = number(value)
    shown, prefix = text.split(" ")
    unit = "TPEZYRQ".index(prefix) * 3 + 12
    if "e+" in shown:
        mantissa, extra = shown.split("e+")
        assert int(extra) + unit == power
        assert mantissa.replace(".", "").ljust(4, "0") == digits
    else:
        assert Decimal(shown) == Decimal(f"{digits[0]}.{digits[1:]}e{power - unit}")


def test_number_by_hand() -> None:
    assert number(999_999_999_999) == "999,999,999,999"
    assert number(145_924_000_000_000) == "145.9 T"
    assert number(10**400) == "1e+370 Q"  # 10^400 = 10^370 · 10^30 (Q)
    assert number(-(10**400)) == "-1e+370 Q"
    assert number(123_456 * 10**30) == "1.235e+05 Q"
    assert number(7**100_000).endswith(" Q")  # 84,510 digits: from its leading bits
    assert significant(9_999_500, 4) == (1000, 4)  # rounds up to 10,000 × 10^3


def test_nbytes_is_exact_and_never_overflows() -> None:
    assert nbytes(1023) == "1023 B"
    assert nbytes(1024) == "1.0 KiB"
    assert nbytes(235_300) == "229.8 KiB"  # 235,300 / 1024 = 229.785...
    assert nbytes(3 * 2**60) == "3072.0 PiB"
    digits, power = four_digits(Fraction(10**400, 2**50))  # PiB of 10^400 bytes
    assert nbytes(10**400) == f"{digits[0]}.{digits[1:].rstrip('0')}e+{power - 30} Q PiB"


def test_share_and_fraction_are_integer_arithmetic() -> None:
    assert share(102_764_544, 138_357_544) == 74  # 74.27 %
    assert share(102_764_544, 138_357_544, 64) == 48  # eighths of an 8-wide bar: 47.5 → 48
    assert share(2, 3) == 67 and share(1, 8) == 12  # 12.5: half to even, as round()
    assert share(10**400, 3 * 10**400) == 33
    assert fraction(Fraction(7, 3)) == "2.33" and fraction(Fraction(5, 2)) == "2.5"
    assert fraction(Fraction(10**400, 3)).startswith("3333") and fraction(4) == "4"


HUGE = "conv 999999999999999999999999999999x1x1x1 | fc 999999999999999999999999999999"
"""On a 3×10^29×10^29×10^29 input (every size under 10^30): the conv's 10^87
positions × 10^30 filters × 3 = 3·10^117 MACs and outputs; the fc reads those
10^117 and writes 10^30: 3·10^147 weights, past a float's 53 bits by far."""
N = 10**30 - 1


@pytest.mark.parametrize(
    "args",
    [["-f", "table"], ["-f", "markdown"], ["-f", "csv"], ["--json"], ["--explain"], ["--compare"]],
)
def test_results_past_a_float_render_exactly(args: list[str]) -> None:
    dims = "x".join(["3"] + ["1" + "0" * 29] * 3)
    code, out, err = invoke(HUGE, "--input", dims, *args)
    assert code == 0, err
    inputs = N * 10**87  # the conv's output elements, read by the fc
    if args == ["--json"]:
        fc = json.loads(out)["layers"][1]
        assert fc["params"] == inputs * N + N  # weights and biases, exact
    elif args[-1] in ("table", "markdown"):
        assert " Q" in out


def test_sizes_of_thirty_one_digits_are_refused() -> None:
    """Repeated upsampling grows sizes without end: 10^30 is where they stop, so no
    figure ever reaches Python's 4,300-digit limit for printing an integer."""
    code, _, err = invoke(
        "[deconv 1x2x2 s100000000000000000000000000000]*200 | conv 2x1x1", "--input", "1x2x2"
    )
    assert code == 2
    assert "an output size of 59 digits is too large: sizes have at most 30 digits" in err


def test_parse_of_a_thirty_digit_size() -> None:
    model = parse("conv 2x1x1 p" + "9" * 30)
    assert model.layers[0].padding == (10**30 - 1,)  # type: ignore[union-attr]


def test_spec_error_for_too_large_keeps_the_layer() -> None:
    with pytest.raises(SpecError) as info:
        parse("relu | fc " + "1" * 31)
    assert info.value.layer is not None and info.value.layer.startswith("layer 2 'fc 1111")
