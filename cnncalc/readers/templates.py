"""A YAML block's ``{…}`` templates: exact arithmetic on its parameters.

``{width}``, ``{width*0.75}``, ``{make_divisible(width*0.75, 8)}``: numbers,
parameters, ``* / + -`` and brackets, a list parameter's item (``{depths[2]}``,
counted from 0), ``ceil(v)``, ``floor(v)`` (Python's ``//``) and torchvision's
``_make_divisible``, in exact fractions; nothing else is evaluated.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from cnncalc import number
from cnncalc.errors import LayerError
from cnncalc.number import bounded, whole
from cnncalc.readers.yamlsafety import LINE, Env, _short

_EXPR = re.compile(r"\{([\w\s.*/+\-(),\[\]]*)\}")
"""A template: ``{width}``, ``{width*0.75}``, ``{make_divisible(width*0.75, 8)}``."""
_TOKEN = re.compile(r"\s*(?:([0-9]+(?:\.[0-9]+)?)|([^\W\d]\w*)|(\S))")
"""A template's words: an ASCII number, a name, or one other character."""
MAX_TEMPLATE = 200
"""The most characters inside one ``{...}``."""


def _is_template(node: yaml.Node) -> bool:
    """``{width}`` unquoted: a flow mapping of one key with no value."""
    return (
        isinstance(node, yaml.MappingNode)
        and bool(node.flow_style)
        and len(node.value) == 1
        and isinstance(node.value[0][1], yaml.ScalarNode)
        and node.value[0][1].value in ("", None)
        and node.value[0][1].tag.endswith(":null")
    )


def _evaluate(match: re.Match[str], env: Env) -> Any:
    """A template's value: a parameter alone as it is; arithmetic exactly
    (numbers, parameters, ``* / + -``, brackets and ``make_divisible(v, d)``), an
    int when whole, else a float. No ``eval``: a small parser of those words."""
    text = match.group(1).strip()
    if len(text) > MAX_TEMPLATE:
        raise LayerError(f"'{{{text[:40]}…}}': more than {MAX_TEMPLATE} characters")
    if re.fullmatch(r"[^\W\d]\w*", text):
        if text not in env:
            raise LayerError(f"unknown parameter '{{{text}}}'{_near(text, list(env))}")
        return env[text]
    value = _Template(match.group(), text, env).parse()
    return value.numerator if value.denominator == 1 else float(value)


class _Template:
    """expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
    factor := '-' factor | number | name | name '[' expr ']' | ceil '(' expr ')'
    | floor '(' expr ')'
    | make_divisible '(' expr ',' expr [',' expr] ')' | '(' expr ')'. Values are exact
    fractions, each below 10^30 in size."""

    def __init__(self, written: str, text: str, env: Env) -> None:
        from fractions import Fraction  # only for a template with arithmetic

        self.fraction = Fraction
        self.written, self.env = written, env
        self.words = [m.group(1) or m.group(2) or m.group(3) for m in _TOKEN.finditer(text)]
        self.words = [w for w in self.words if w]
        self.at = 0

    def fail(self, why: str) -> LayerError:
        return LayerError(f"'{_short(self.written)}': {why}")

    def peek(self) -> str:
        return self.words[self.at] if self.at < len(self.words) else ""

    def take(self, word: str | None = None) -> str:
        got = self.peek()
        if word is not None and got != word:
            raise self.fail(f"expected '{word}', got '{got}'" if got else f"'{word}' is missing")
        if not got:
            raise self.fail("a number or a parameter is missing")
        self.at += 1
        return got

    def parse(self) -> Any:
        value = self.expr()
        if self.peek():
            raise self.fail(f"unexpected '{self.peek()}'")
        return value

    def bounded(self, value: Any) -> Any:
        if not -number.LIMIT < value.numerator < number.LIMIT or value.denominator >= number.LIMIT:
            raise self.fail("a value of 30 digits or more")
        return value

    def expr(self) -> Any:
        value = self.term()
        while self.peek() in ("+", "-"):
            right = (self.take(), self.term())
            value = self.bounded(value + right[1] if right[0] == "+" else value - right[1])
        return value

    def term(self) -> Any:
        value = self.factor()
        while self.peek() in ("*", "/"):
            op, right = self.take(), self.factor()
            if op == "/" and right == 0:
                raise self.fail("division by zero")
            value = self.bounded(value * right if op == "*" else value / right)
        return value

    def factor(self) -> Any:
        word = self.take()
        if word == "-":
            return -self.factor()
        if word == "(":
            value = self.expr()
            self.take(")")
            return value
        if word[0].isdigit():
            if "." in word:
                whole(word.replace(".", ""), f"'{self.written}'")  # at most 30 digits
                return self.fraction(word)
            return self.fraction(whole(word, f"'{self.written}'"))
        if word == "make_divisible" and self.peek() == "(":
            return self.make_divisible()
        if word == "ceil" and self.peek() == "(":
            self.take("(")
            value = self.expr()
            self.take(")")
            return self.fraction(-(-value.numerator // value.denominator))
        if word == "floor" and self.peek() == "(":  # a // b is floor(a / b)
            self.take("(")
            value = self.expr()
            self.take(")")
            return self.fraction(value.numerator // value.denominator)
        if re.fullmatch(r"[^\W\d]\w*", word) and self.peek() == "[":
            return self.item(word)
        if re.fullmatch(r"[^\W\d]\w*", word):
            return self.parameter(word)
        raise self.fail(f"unexpected '{word}'")

    def item(self, name: str) -> Any:
        """``depths[i]``: item i (from 0) of a list parameter."""
        self.take("[")
        at = self.expr()
        self.take("]")
        if name not in self.env:
            raise LayerError(f"unknown parameter '{{{name}}}'{_near(name, list(self.env))}")
        items = self.env[name]
        if not isinstance(items, list):
            raise self.fail(f"{name} is {_short(items)}, not a list")
        if at.denominator != 1 or not 0 <= at < len(items):
            raise self.fail(f"{name}[{_short(at)}]: {name} has items 0 to {len(items) - 1}")
        return self.number(name, items[int(at)])

    def parameter(self, name: str) -> Any:
        if name not in self.env:
            raise LayerError(f"unknown parameter '{{{name}}}'{_near(name, list(self.env))}")
        return self.number(name, self.env[name])

    def number(self, name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{name} is {_short(value)}, not a number")
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.fail(f"{name} is {value}, not a finite number")
            return self.bounded(self.fraction(repr(value)))
        return self.bounded(self.fraction(value))

    def make_divisible(self) -> Any:
        """torchvision's ``_make_divisible(v, divisor, min_value=None)``: v rounded
        to the nearest multiple of the divisor (at least ``min_value``, which
        defaults to the divisor), one divisor more if that lost over 10% of v.
        Its formula, ``max(min_value, int(v + divisor / 2) // divisor * divisor)``
        then ``+ divisor`` if below ``0.9 * v``, in exact fractions: the same as
        torchvision's floats on ordinary values, and exact past 2^53."""
        self.take("(")
        args = [self.expr()]
        while self.peek() == ",":
            self.take()
            args.append(self.expr())
        self.take(")")
        if len(args) not in (2, 3) or any(a.denominator != 1 or a < 1 for a in args[1:]):
            raise self.fail("make_divisible takes (value, divisor[, least]), whole and at least 1")
        v, divisor = args[0], int(args[1])
        least = int(args[2]) if len(args) == 3 else divisor
        new = max(least, int(v + self.fraction(divisor, 2)) // divisor * divisor)  # int truncates
        if new < self.fraction(9, 10) * v:
            new += divisor
        return self.bounded(self.fraction(new))


def _resolve(value: Any, env: Env) -> Any:
    """``"{width}"`` → the parameter's value; ``"conv {width*4}x1x1"`` → text."""
    if not isinstance(value, str) or "{" not in value:
        return value
    whole = _EXPR.fullmatch(value.strip())
    if whole:
        return _evaluate(whole, env)
    return _substitute(value, env)


def _substitute(text: str, env: Env) -> str:
    return _EXPR.sub(lambda m: str(_evaluate(m, env)), text)


def _near(word: str, choices: Any) -> str:
    import difflib  # only for a message: costs 1 ms to import

    near = difflib.get_close_matches(word, list(choices), n=1)
    return f" — did you mean '{near[0]}'?" if near else ""


def _whole(value: Any, what: str) -> int:
    """A YAML integer (ASCII digits by YAML's own grammar), at most
    :data:`~cnncalc.number.MAX_DIGITS` digits long."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float):
            raise LayerError(f"{what} must be a whole number, got {value}")
        raise LayerError(f"{what} must be a whole number, got {_shown(value)}")
    return bounded(value, what)


def _shown(value: Any) -> str:
    """``repr(value)`` for a message (a string quoted), cut as :func:`_short` cuts."""
    return _short(value if not isinstance(value, str) else repr(value[: LINE + 1]))
