"""Writes the field lists of the hand-written records from their ``__init__``.

The records made once per layer (:class:`~cnncalc.layer.LayerSpec`,
:class:`~cnncalc.report.LayerReport`…) write ``__init__`` out for speed (see
:mod:`cnncalc.record`), which would list every field four times: in
``__init__``'s signature, its body, ``_compared`` and ``_values``. Only the
signature is written by hand; this tool writes the rest from it::

    python -m cnncalc.recordgen            # rewrite what is out of date
    python -m cnncalc.recordgen --check    # list it and exit 1 (a test runs this)

A name in ``__slots__`` after ``*_compared`` (``origin``) is a field that
equality leaves out. Never imported by cnncalc itself.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MODULES = (
    "layer.py",
    "errors.py",
    "report.py",
    "receptive.py",
    "sources.py",
    "kinds/base.py",
)
"""Where the hand-written records live, relative to the package."""
WIDTH = 100


def _tuple(names: list[str], indent: str, prefix: str) -> list[str]:
    """``prefix("a", "b")`` on one line if it fits, else one name a line."""
    one = f"{indent}{prefix}({', '.join(repr(n).replace(chr(39), chr(34)) for n in names)})"
    if len(names) == 1:
        one = one[:-1] + ",)"
    if len(one) <= WIDTH:
        return [one]
    return [f"{indent}{prefix}(", *(f'{indent}    "{n}",' for n in names), f"{indent})"]


def _assignment(cls: ast.ClassDef, name: str) -> ast.Assign | None:
    """The statement ``name = …`` in the class body, if any."""
    for node in cls.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node
    return None


def _class(cls: ast.ClassDef, lines: list[str]) -> list[tuple[int, int, list[str]]]:
    """The edits (first line, last line, new lines; 1-based, inclusive) that bring
    ``cls``'s generated parts in line with its ``__init__``."""
    body = {getattr(node, "name", None): node for node in cls.body}
    init = body.get("__init__")
    compared = _assignment(cls, "_compared")
    if not isinstance(init, ast.FunctionDef) or compared is None:
        return []
    params = [a.arg for a in (*init.args.args[1:], *init.args.kwonlyargs)]
    slots = _assignment(cls, "__slots__")
    extra = []
    if slots is not None and isinstance(slots.value, ast.Tuple):
        extra = [e.value for e in slots.value.elts if isinstance(e, ast.Constant)]
    fields = [p for p in params if p not in extra]
    indent = " " * compared.col_offset
    edits = [
        (
            compared.lineno,
            compared.end_lineno or compared.lineno,
            _tuple(fields, indent, "_compared = "),
        )
    ]
    first = init.body[0]
    keep_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    statements = init.body[1:] if keep_doc else init.body
    start = statements[0].lineno if statements else init.end_lineno or init.lineno
    end = statements[-1].end_lineno or start if statements else start
    pad = " " * (init.col_offset + 4)
    edits.append((start, end, [f"{pad}self.{p} = {p}" for p in params]))
    values = body.get("_values")
    if isinstance(values, ast.FunctionDef):
        ret = values.body[-1]
        pad = " " * ret.col_offset
        arg = values.args.args[0].arg
        new = [f"{pad}return (", *(f"{pad}    {arg}.{f}," for f in fields), f"{pad})"]
        edits.append((ret.lineno, ret.end_lineno or ret.lineno, new))
    return edits


def generate(text: str) -> str:
    """``text`` (a module's source) with every hand-written record's lists regenerated."""
    lines = text.splitlines()
    edits = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            edits += _class(node, lines)
    for first, last, new in sorted(edits, reverse=True):
        lines[first - 1 : last] = new
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent
    stale = []
    for name in MODULES:
        path = root / name
        text = path.read_text(encoding="utf-8")
        new = generate(text)
        if new != text:
            stale.append(name)
            if "--check" not in argv:
                path.write_text(new, encoding="utf-8")
    for name in stale:
        print(f"{'stale' if '--check' in argv else 'rewrote'}: cnncalc/{name}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
