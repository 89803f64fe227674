"""The front ends: readers that turn a source into the same :class:`~cnncalc.layer.Model`.

:mod:`.spec` reads the spec string, :mod:`.yamlspec` a YAML document (with
:mod:`.yamlsafety` for what a document may hold and :mod:`.templates` for the
``{…}`` arithmetic), :mod:`cnncalc.presets` the stored presets. Which reader
reads a source is one table, :data:`FORMS`: :mod:`cnncalc.sources` finds the
form of a file by its suffix and of an argument by its prefix; a reader's
module is imported only when its form is read (PyYAML only for YAML).
"""

from __future__ import annotations

import importlib
import re

from cnncalc.layer import Model
from cnncalc.record import Record


class Form(Record):
    """A source form: the ``prefix`` of an argument or the ``suffixes`` of a file
    that name it, and the module whose ``read(text, where, max_layers, max_depth)``
    reads it."""

    name: str
    module: str
    suffixes: tuple[str, ...] = ()
    prefix: str | None = None

    def read(self, text: str, where: str, max_layers: int, max_depth: int) -> Model:
        reader = importlib.import_module(self.module)
        model: Model = reader.read(text, where, max_layers, max_depth)
        return model


YAML = Form("yaml", "cnncalc.readers.yamlspec", (".yaml", ".yml"))
SPEC = Form("spec", "cnncalc.readers.spec", (".spec",))
FORMS = (YAML, SPEC)
"""Every form a file or text is read in (a preset is a YAML file of its own folder)."""

_LOOKS_LIKE_YAML = r"^\s*(layers|name|input|blocks)\s*:"  # compiled by re on first use


def for_file(path: str) -> Form | None:
    """The form a file's name says, or None (its text then says: :func:`for_text`)."""
    lower = path.lower()
    return next((form for form in FORMS if lower.endswith(form.suffixes)), None)


def for_text(text: str) -> Form:
    """Text on stdin or in a file whose name says nothing: YAML when it starts a
    YAML document's top-level key, else a spec string."""
    return YAML if re.search(_LOOKS_LIKE_YAML, text, re.MULTILINE) else SPEC
