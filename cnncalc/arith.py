"""Output-size arithmetic for sliding windows, in integers only.

Each function states one formula from PyTorch's or Keras's documentation so it
can be checked against its origin in one place. No floats: sizes can be 10**12.
"""

from __future__ import annotations

from cnncalc.record import Record


def effective(kernel: int, dilation: int) -> int:
    """Span of a dilated kernel: D·(F−1) + 1."""
    return dilation * (kernel - 1) + 1


def window_out(
    size: int, kernel: int, stride: int, pad_l: int, pad_r: int, dilation: int = 1
) -> int:
    """torch.nn.Conv*d: floor((W + P_l + P_r − D·(F−1) − 1)/S) + 1.

    With symmetric padding this is (W − F + 2P)/S + 1 for D=1. The result may be
    below 1; the caller reports that as an error.
    """
    return (size + pad_l + pad_r - effective(kernel, dilation)) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """Keras/TF 'same': out = ceil(W/S); the odd pixel of padding goes right/bottom."""
    out = -(-size // stride)
    total = max((out - 1) * stride + effective(kernel, dilation) - size, 0)
    return total // 2, total - total // 2


def pool_out(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool) -> int:
    """torch's pooling_output_shape: in ceil mode the last window must start
    inside the input or its left padding, else it is dropped."""
    span = size + 2 * pad - effective(kernel, dilation)
    out = (span + (stride - 1 if ceil else 0)) // stride + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def transposed_out(
    size: int, kernel: int, stride: int, pad: int, dilation: int, output_padding: int
) -> int:
    """torch.nn.ConvTranspose*d: (W−1)·S − 2P + D·(F−1) + OP + 1."""
    return (size - 1) * stride - 2 * pad + dilation * (kernel - 1) + output_padding + 1


def same_transposed_padding(kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """torch (padding, output_padding) giving a transposed conv out = W·S, as Keras's
    'same' does: 2P − OP must equal D·(F−1) + 1 − S."""
    need = effective(kernel, dilation) - stride
    pad = max(-(-need // 2), 0)
    return pad, 2 * pad - need


class Unread(Record):
    """Input positions a floored window division never reads.

    ``first``/``last`` index the real input (``None`` when only padding is left
    over); ``padding`` counts unused padding positions at the far end.
    """

    first: int | None
    last: int | None
    padding: int


def unread_tail(
    size: int, kernel: int, stride: int, pad_l: int, pad_r: int, dilation: int, out: int
) -> Unread | None:
    """What the last window leaves unread when (W + P − F_eff) is not a multiple of S."""
    if (size + pad_l + pad_r - effective(kernel, dilation)) % stride == 0:
        return None
    last_read = (out - 1) * stride - pad_l + effective(kernel, dilation) - 1
    if last_read < size - 1:
        return Unread(last_read + 1, size - 1, pad_r)
    return Unread(None, None, size + pad_r - 1 - last_read)


def exact_ratio(num: int, den: int) -> str:
    """``num/den`` as a short decimal, exact when it is whole: 95, 95.5, 66.67.

    Integer arithmetic only, so a huge numerator is never rounded by a float.
    """
    if num < 0:
        return "-" + exact_ratio(-num, den)
    whole, rest = divmod(num, den)
    if rest == 0:
        return str(whole)
    hundredths = (rest * 100 * 2 + den) // (2 * den)  # rounded half up
    if hundredths == 100:
        return str(whole + 1)
    return f"{whole}.{hundredths:02d}".rstrip("0")
