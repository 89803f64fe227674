"""Value classes that cost nothing to define.

``@dataclass`` writes and compiles each class's methods while its module is
imported: 0.3 to 0.7 ms a class, and the records one CLI call needs (layers,
their origins, the reports) made up a fifth of that call's own time. They are
written out by hand instead: each class names its fields in ``_compared`` (in
order; ``__slots__`` holds them and any that take no part in equality) and has a
typed ``__init__``; this base gives equality, hash, repr and
:meth:`Record.replace`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar, TypeVar

_R = TypeVar("_R", bound="Record")


class Record:
    """Equal when of the same class and equal in every ``_compared`` slot."""

    __slots__ = ()
    _compared: ClassVar[tuple[str, ...]] = ()
    _values: ClassVar[Any]  # attrgetter(*_compared): the compared slots as a tuple, at C speed

    def __init_subclass__(cls) -> None:
        cls._values = attrgetter(*cls._compared)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._values(self) == self._values(other))

    def __hash__(self) -> int:
        return hash(self._values(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compared)
        return f"{type(self).__name__}({fields})"

    def replace(self: _R, **changes: Any) -> _R:
        """A copy with ``changes`` applied; an unknown name raises AttributeError."""
        new = object.__new__(type(self))
        name: str
        for name in self.__slots__:
            setattr(new, name, getattr(self, name))
        for name, value in changes.items():
            setattr(new, name, value)
        return new
