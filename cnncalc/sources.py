"""Turning the command-line argument into a model: file, preset, stdin or string."""

from __future__ import annotations

import codecs
import io
import os
import sys
from typing import BinaryIO

from cnncalc import presets, readers
from cnncalc.errors import Location, SpecError
from cnncalc.layer import DEFAULT_MAX_LAYERS, MAX_DEPTH, Model
from cnncalc.record import Record

DEFAULT_MAX_BYTES = 16 * 2**20
"""The largest spec or YAML text read (16 MiB); ``--max-bytes`` raises it."""


PRESET_PREFIX = "preset:"
"""``preset:NAME`` always means the preset, whatever files lie in the directory."""

_CHUNK = 1 << 16


class Source(Record):
    """What a SPEC argument names: ``kind`` is stdin, file, preset or string;
    ``path`` is the file read for a file or a preset (None otherwise)."""

    _compared = ("kind", "path")
    __slots__ = _compared

    def __init__(self, kind: str, path: str | None = None) -> None:
        self.kind = kind
        self.path = path


def resolve(argument: str) -> Source:
    """Decide what ``argument`` names, refusing to guess between a file and a preset.

    ``-`` is stdin; ``preset:NAME`` a preset; a path with a slash or a .yaml/.yml
    suffix, when it exists, a file; a bare word that is both an existing file and
    a preset name an error; otherwise an existing file, a preset, a spec string.
    """
    if argument == "-":
        return Source("stdin")
    if argument.startswith(PRESET_PREFIX):
        name = argument[len(PRESET_PREFIX) :]
        path = presets.find(name)
        if path is None:
            raise SpecError(_no_preset(name), Location(argument, len(PRESET_PREFIX), len(argument)))
        return Source("preset", path)
    explicit = "/" in argument or os.sep in argument or _is_yaml_name(argument)
    if explicit:
        if os.path.exists(argument) and not os.path.isdir(argument):
            return Source("file", argument)  # also /dev/stdin, <(...) pipes
        if _is_yaml_name(argument):
            raise SpecError(f"no such file: {argument}", Location(argument, 0, len(argument)))
        return Source("string")
    preset = presets.find(argument)
    if os.path.isfile(argument):
        if preset is not None:
            raise SpecError(
                f"'{argument}' is both a file here and a preset: write ./{argument} "
                f"for the file or {PRESET_PREFIX}{argument} for the preset"
            )
        return Source("file", argument)
    if preset is not None:
        return Source("preset", preset)
    return Source("string")


def _is_yaml_name(argument: str) -> bool:
    return argument.lower().endswith((".yaml", ".yml"))


def _no_preset(name: str) -> str:
    from difflib import get_close_matches

    close = get_close_matches(name.lower(), presets.names(), n=1)
    hint = f" — did you mean '{close[0]}'?" if close else " (cnncalc presets lists them)"
    return f"no preset named '{name}'{hint}"


def load(
    argument: str,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Model:
    """The model ``argument`` names (see :func:`resolve`): a file in the form its
    suffix names (:data:`cnncalc.readers.FORMS`; else its text says), a preset,
    stdin (YAML or a spec string) or a spec string."""
    source = resolve(argument)
    if source.kind == "stdin":
        text = read_stdin(max_bytes)
        return from_text(text, "<stdin>", max_layers, max_bytes, max_depth)
    if source.kind == "file":
        return load_file(argument, max_layers, max_bytes, max_depth)
    if source.kind == "preset":
        name = os.path.basename(source.path or "")[: -len(".yaml")]
        return presets.load(name, max_layers)
    check_size(argument, "the spec", max_bytes)
    if not argument.strip():
        raise SpecError(_EMPTY)
    return readers.SPEC.read(argument, "", max_layers, max_depth)


def load_file(
    path: str,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Model:
    """The model in the file ``path``, in the form its suffix names
    (:data:`cnncalc.readers.FORMS`), else as its text says."""
    text = read_file(path, max_bytes)
    form = readers.for_file(path)
    if form is None:
        return from_text(text, path, max_layers, max_bytes, max_depth)
    check_size(text, path, max_bytes)
    return form.read(text, path, max_layers, max_depth)


_EMPTY = (
    'the spec is empty: give layers ("conv 6x5x5 | pool 2 | fc 10"), a YAML file or a '
    "preset name (cnncalc presets lists them)"
)


def from_text(
    text: str,
    where: str,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Model:
    """Text whose source names no form (stdin, a file named otherwise): YAML or a
    spec string, as the text says (:func:`cnncalc.readers.for_text`)."""
    check_size(text, where, max_bytes)
    form = readers.for_text(text)
    if form is readers.YAML:
        return form.read(text, where, max_layers, max_depth)
    if not text.strip():
        raise SpecError(f"{where} is empty: expected a spec string or YAML")
    return form.read(text, "", max_layers, max_depth)


def from_yaml(
    text: str,
    where: str,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Model:
    check_size(text, where, max_bytes)
    return readers.YAML.read(text, where, max_layers, max_depth)


def check_size(text: str, where: str, max_bytes: int) -> None:
    if len(text) > max_bytes:
        raise SpecError(
            f"{where} is longer than the limit of {max_bytes:,} characters "
            "(raise it with --max-bytes)"
        )


def read_file(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, at most ``max_bytes`` + 1 characters of it; read, never run."""
    try:
        with open(path, "rb") as f:
            return decode(f, path, max_bytes)
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_stdin(max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Standard input's text, at most ``max_bytes`` + 1 characters of it."""
    stream = sys.stdin
    if stream is None:
        raise SpecError("cannot read <stdin>: it is closed")
    try:
        binary = getattr(stream, "buffer", None)
        if binary is None:  # a text stream without bytes beneath (an embedding caller's)
            return stream.read(max_bytes + 1)
        return decode(binary, "<stdin>", max_bytes)
    except OSError as exc:
        raise SpecError(f"cannot read <stdin>: {exc.strerror or exc}") from None


def decode(stream: BinaryIO, where: str, max_bytes: int) -> str:
    """UTF-8 text from ``stream``, newlines made ``\\n``, stopping past ``max_bytes``
    characters. Bytes that are not UTF-8 are an error naming the line and byte offset."""
    decoder = io.IncrementalNewlineDecoder(codecs.getincrementaldecoder("utf-8")(), True)
    parts: list[str] = []
    count = offset = lines = 0
    while count <= max_bytes:
        chunk = stream.read(_CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            data = exc.object  # the bytes held over from the last chunk, then this one
            held = len(data) - len(chunk)
            at = offset - held + exc.start
            line = lines + data[: exc.start].count(b"\n") + 1
            raise SpecError(
                f"{where}:{line}: not UTF-8 text: byte 0x{data[exc.start]:02x} at byte "
                f"offset {at} (save the file as UTF-8)"
            ) from None
        parts.append(text)
        count += len(text)
        lines += text.count("\n")
        offset += len(chunk)
        if not chunk:
            break
    return "".join(parts)
