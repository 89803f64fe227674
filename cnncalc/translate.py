"""A pasted PyTorch or Keras layer, written as cnncalc's spec text.

``Conv2d(3, 64, kernel_size=3, padding=1)`` → ``conv 64x3x3 p1``. Only for an
error's suggestion: the text is matched by regular expressions and its values
read as integers, tuples of integers, quoted words and True/False — never
evaluated. A call it does not know, or an argument it cannot read, gives
``None`` (no suggestion rather than a wrong one).
"""

from __future__ import annotations

import re

_CALL = re.compile(
    r"^\s*(?:(?:tf\.)?(?:keras\.)?(?:torch\.)?(?:nn|layers)\.)?([A-Za-z][A-Za-z0-9_]*)\s*\((.*)\)\s*$",
    re.DOTALL,
)
_INT = re.compile(r"^\d{1,9}$")
_FLOAT = re.compile(r"^\d*\.?\d+(?:[eE][-+]?\d+)?$")
_RANK = re.compile(r"([123])[dD]$")

Value = int | float | str | bool | tuple[int, ...] | None

_ACTIVATIONS = {
    "relu": "relu",
    "relu6": "relu6",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "gelu": "gelu",
    "silu": "silu",
    "swish": "silu",
    "hardswish": "hardswish",
    "softmax": "softmax",
    "flatten": "flatten",
    "identity": "",
}
"""Calls (lower case) that take no size, to the keyword they become."""

_WORDS = {
    "globalavgpool": "gap",
    "globalaveragepool": "gap",
    "globalaveragepooling": "gap",
    "globalmaxpool": "gmp",
    "globalmaxpooling": "gmp",
    "avgpooling": "avgpool",
    "averagepool": "avgpool",
    "averagepooling": "avgpool",
    "maxpooling": "pool",
    "batchnormalization": "bn",
    "conv2d": "conv",
    "relu": "relu",
}
"""Bare words (lower case, ``_`` and the rank left out) to the cnncalc keyword."""


_RECURRENT = ("lstm", "gru", "rnn", "simplernn", "bidirectional")
"""Recurrent layers (torch's nn.LSTM/GRU/RNN and their cells, Keras's
SimpleRNN, Bidirectional, ConvLSTM2D): out of cnncalc's scope."""

RECURRENT = (
    "recurrent layers (lstm, gru, rnn) are out of scope: cnncalc runs feed-forward "
    "networks (convolutions, pools, dense and normalisation layers, attention over "
    "token sequences), not a state carried from step to step"
)
GLU = (
    "there is no glu layer: a GLU gates one half of the channels by the other; write "
    "it as that gate, for C channels: mul[ slice 0:C/2 ; slice C/2:C | sigmoid ] "
    "(torch's F.glu(x, dim=1))"
)


def out_of_scope(text: str) -> str | None:
    """What to say about a layer cnncalc does not model (``lstm``,
    ``nn.GRU(8, 16)``, ``ConvLSTM2D``, ``glu``), or ``None``."""
    name = _MODULE.sub("", text.strip()).partition("(")[0].lower().replace("_", "")
    name = _RANK.sub("", name)
    if name in ("glu", "gatedlinearunit"):
        return GLU
    for prefix in ("conv", "bi", "q"):
        name = name.removeprefix(prefix)
    name = name.removesuffix("cell").removesuffix("layer")
    return RECURRENT if name in _RECURRENT else None


_MODULE = re.compile(r"^(?:(?:tf|torch|keras|nn|layers|F)\.)+")


def chain(line: str) -> str | None:
    """A pasted line of layers, ``nn.Conv2d(3, 64, 3) | nn.ReLU() | pool 2``, all
    at once: every stage that is a call translated, the others kept as written;
    ``None`` when a call is not known or the line has blocks (``[``, ``;``)."""
    if any(mark in line for mark in "[];") or len(line) > 4096:
        return None
    out = []
    for stage in line.split("|"):
        text = stage.strip()
        meant = translate(text) if "(" in text else text
        if meant is None or not text:
            return None
        if meant:  # nn.Identity() is no stage
            out.append(meant)
    return " | ".join(out) or None


def word(text: str) -> str | None:
    """A bare keyword from another library: ``globalavgpool`` → ``gap``."""
    key = _RANK.sub("", text.lower().replace("_", "")).rstrip("0123456789")
    return _WORDS.get(key)


def translate(text: str) -> str | None:
    """The cnncalc stage for a PyTorch or Keras layer call, or ``None``."""
    match = _CALL.match(text)
    if match is None or len(text) > 400:
        return None
    name, inside = match.group(1), match.group(2)
    args = _arguments(inside)
    if args is None:
        return None
    positional, named = args
    low = name.lower()
    rank_match = _RANK.search(name)
    rank = int(rank_match.group(1)) if rank_match else 2
    base = _RANK.sub("", low)
    if base in _ACTIVATIONS:
        return _ACTIVATIONS[base] or None
    if base == "activation":
        act = _get(positional, named, 0, "activation")
        return _ACTIVATIONS.get(act) if isinstance(act, str) else None
    if base in ("leakyrelu",):
        slope = _get(positional, named, 0, "negative_slope", "alpha")
        return "leakyrelu" + (f" {slope}" if isinstance(slope, int | float) else "")
    if base == "dropout":
        rate = _get(positional, named, 0, "p", "rate")
        return "dropout" + (f" {rate}" if isinstance(rate, int | float) else "")
    if base in ("batchnorm", "batchnormalization"):
        return "bn"
    if base in ("linear", "dense"):
        keras = base == "dense"
        units = _get(positional, named, 0 if keras else 1, "units", "out_features")
        if not isinstance(units, int):
            return None
        bias = _get(positional, named, None, "use_bias" if keras else "bias")
        text = f"fc {units}" + (" nobias" if bias is False else "")
        return _activation(text, named)
    if base == "embedding":
        vocab = _get(positional, named, 0, "num_embeddings", "input_dim")
        dim = _get(positional, named, 1, "embedding_dim", "output_dim")
        return f"embed {vocab}x{dim}" if isinstance(vocab, int) and isinstance(dim, int) else None
    keras_conv = re.fullmatch(r"(?:Separable)?Conv[123]D(Transpose)?", name)
    if keras_conv and not name.startswith("Separable"):  # Keras: filters, kernel
        kind = "kerast" if keras_conv.group(1) else "keras"
        return _conv(kind, int(name[4]), positional, named, torch=False)
    if base in ("conv", "convtranspose"):  # PyTorch: in, out, kernel
        return _conv(base, rank, positional, named, torch=True)
    if base in ("maxpool", "avgpool", "maxpooling", "averagepooling"):
        return _pool(base, rank, positional, named)
    if base in ("globalaveragepooling", "adaptiveavgpool") or low.startswith("globalaverage"):
        size = _get(positional, named, 0, "output_size")
        if base == "adaptiveavgpool" and size not in (1, (1,) * rank):
            return f"adaptivepool {_axes(size, rank, True)}" if size is not None else None
        return "gap"
    if base in ("globalmaxpooling", "adaptivemaxpool"):
        return "gmp"
    return None


def _conv(
    base: str, rank: int, positional: list[Value], named: dict[str, Value], torch: bool
) -> str | None:
    transposed = base in ("convtranspose", "kerast")
    if torch:
        filters = _get(positional, named, 1, "out_channels")
        kernel = _get(positional, named, 2, "kernel_size")
        stride = _get(positional, named, 3, "stride")
        padding = _get(positional, named, 4, "padding")
        dilation = _get(positional, named, None, "dilation")
        groups = _get(positional, named, None, "groups")
        bias = _get(positional, named, None, "bias")
        extra = _get(positional, named, None, "output_padding")
    else:
        filters = _get(positional, named, 0, "filters")
        kernel = _get(positional, named, 1, "kernel_size")
        stride = _get(positional, named, 2, "strides")
        padding = _get(positional, named, 3, "padding")
        dilation = _get(positional, named, None, "dilation_rate")
        groups = _get(positional, named, None, "groups")
        bias = _get(positional, named, None, "use_bias")
        extra = _get(positional, named, None, "output_padding")
    if not isinstance(filters, int) or kernel is None:
        return None
    words = [f"{'deconv' if transposed else 'conv'} {filters}x{_axes(kernel, rank)}"]
    for letter, value, default in (("s", stride, 1), ("d", dilation, 1), ("g", groups, 1)):
        if value is not None and value != default and value != (default,) * rank:
            words.append(f"{letter}{_axes(value, rank, square=True)}")
    if isinstance(padding, str):
        if padding.lower() == "same":
            words.append("psame")
    elif padding not in (None, 0, (0,) * rank):
        words.append(f"p{_axes(padding, rank, square=True)}")
    if extra not in (None, 0, (0,) * rank):
        words.append(f"op{_axes(extra, rank, square=True)}")
    if bias is False:
        words.append("nobias")
    text = " ".join(words)
    return text if torch else _activation(text, named)


def _pool(base: str, rank: int, positional: list[Value], named: dict[str, Value]) -> str | None:
    keras = base.endswith("ing")
    kernel = _get(positional, named, 0, "pool_size" if keras else "kernel_size")
    stride = _get(positional, named, 1, "strides" if keras else "stride")
    padding = _get(positional, named, 2, "padding")
    if kernel is None:
        kernel = 2 if keras else None
    if kernel is None:
        return None
    word = "pool" if base.startswith("max") else "avgpool"
    words = [f"{word} {_axes(kernel, rank, square=True)}"]
    if stride is not None and stride != kernel:
        words.append(f"s{_axes(stride, rank, square=True)}")
    if isinstance(padding, str):
        if padding.lower() == "same":
            words.append("psame")
    elif padding not in (None, 0):
        words.append(f"p{_axes(padding, rank, square=True)}")
    if _get(positional, named, None, "ceil_mode") is True:
        words.append("ceil")
    return " ".join(words)


def _activation(text: str, named: dict[str, Value]) -> str:
    """Keras's ``activation='relu'`` argument becomes a layer of its own."""
    act = named.get("activation")
    keyword = _ACTIVATIONS.get(act) if isinstance(act, str) else None
    return f"{text} | {keyword}" if keyword else text


def _axes(value: Value, rank: int, square: bool = False) -> str:
    """``3`` → ``3x3`` for a 2-D kernel (``3`` for a window, which is square
    anyway, when ``square``); ``(3, 5)`` → ``3x5``."""
    if isinstance(value, tuple):
        if square and len(set(value)) == 1:
            return str(value[0])
        return "x".join(str(v) for v in value)
    return str(value) if square else "x".join([str(value)] * rank)


def _get(positional: list[Value], named: dict[str, Value], index: int | None, *names: str) -> Value:
    for key in names:
        if key in named:
            return named[key]
    if index is not None and index < len(positional):
        return positional[index]
    return None


def _arguments(inside: str) -> tuple[list[Value], dict[str, Value]] | None:
    """Split ``3, 64, kernel_size=(3, 3), padding='same'`` at its top-level commas."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in inside:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    positional: list[Value] = []
    named: dict[str, Value] = {}
    for part in parts:
        key, eq, rest = part.partition("=")
        if eq and re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*", key):
            named[key.strip()] = _value(rest)
        else:
            positional.append(_value(part))
    return positional, named


def _value(text: str) -> Value:
    text = text.strip()
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if text in ("True", "False"):
        return text == "True"
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text[:1] in "([" and text[-1:] in ")]":
        items = [t.strip() for t in text[1:-1].split(",") if t.strip()]
        if items and all(_INT.match(t) for t in items):
            return tuple(int(t) for t in items)
    return None
