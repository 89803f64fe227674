"""The summary block under the table, laid out as torchinfo and Keras users read
one: Total / Trainable / Non-trainable params, buffers, then MACs, FLOPs and
connections with a short form next to the exact count (``4.09 G (4,089,184,256)``).

Conventions, stated once: non-trainable params are those of ``frozen`` layers;
batch norm's running statistics are *buffers* (torch's word), which Keras's
``summary()`` adds to its "Non-trainable params". Sizes are binary (MiB = 2²⁰
bytes); the parameter size is also given in MB (10⁶ bytes), torchinfo's unit.
"""

from __future__ import annotations

from cnncalc.render.columns import number, significant
from cnncalc.report import Costs

BUFFERS = "(batch norm's running statistics)"
PREFIXES = ("", " K", " M", " G", " T", " P", " E", " Z", " Y", " R", " Q")


def short(value: int) -> str:
    """Three significant digits and an SI prefix: 4.09 G, 25.6 M, 340 K; below 1,000
    the number itself. Integer arithmetic, as :func:`~cnncalc.render.columns.number`."""
    if value < 1000:
        return str(value)
    digits, exponent = significant(value, 3)
    magnitude = exponent + len(str(digits)) - 1  # 10^magnitude ≤ the rounded value
    group = min(magnitude // 3, len(PREFIXES) - 1)
    shift = exponent - 3 * group
    text = str(digits)
    if shift >= 0:
        mantissa = text + "0" * shift
    else:
        text = text.rjust(-shift + 1, "0")
        whole, frac = text[:shift], text[shift:].rstrip("0")
        mantissa = f"{whole}.{frac}" if frac else whole
    return mantissa + PREFIXES[group]


def both(value: int) -> str:
    """``4.09 G (4,089,184,256)``; a number below 1,000 once."""
    return str(value) if value < 1000 else f"{short(value)} ({number(value)})"


def megabytes(count: int) -> str:
    """Bytes in MB (10⁶), to two decimals as torchinfo prints them."""
    hundredths = (count * 100 * 2 + 10**6) // (2 * 10**6)
    return f"{hundredths // 100}.{hundredths % 100:02d} MB"


def lines(total: Costs) -> list[tuple[str, str]]:
    """(label, value) pairs: the counts of the summary block."""
    frozen = total.params - total.trainable_params
    keras = ""
    if total.buffers:
        keras = f"  (Keras adds the {number(total.buffers)} buffers here)"
    return [
        ("Total params", both(total.params)),
        ("Trainable params", both(total.trainable_params)),
        ("Non-trainable params", f"{both(frozen)}{keras}"),
        ("Buffers", both(total.buffers) + (f"  {BUFFERS}" if total.buffers else "")),
        ("MACs", both(total.macs)),
        ("FLOPs", f"{both(total.flops)}  (2 per MAC)"),
        ("Connections", f"{both(total.connections)}  (MACs + biased outputs, LeCun's count)"),
    ]
