"""Value classes that cost next to nothing to define.

``@dataclass`` and ``typing.NamedTuple`` write and compile code for each class
while its module is imported: 0.3 to 0.7 ms a dataclass, 0.1 to 0.2 ms a
named tuple. The two dozen records one CLI call needs made up half of that
call's own time. :class:`Record` does their work without compiling anything.

A record declares its fields as annotations, like a dataclass, and type
checkers read it as one (``dataclass_transform``)::

    class Memory(Record):
        dtype: str
        batch: int = 1

Its ``__init__`` takes the fields by position or name. The records made once
per layer (a 100,000-layer network makes 100,000 of them) instead write
``__init__`` out, with ``_compared`` and ``__slots__``: that is four times
faster to call. Their field list is written once, in ``__init__``'s signature;
``python -m cnncalc.recordgen`` writes ``_compared``, ``_values`` and the body
from it, and a test checks they are current. Either way, this base gives equality, hash and repr
over the fields, :meth:`~Record.replace` and :meth:`~Record.asdict`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Any:
        return lambda cls: cls


_R = TypeVar("_R", bound="Record")


@dataclass_transform(eq_default=True)
class Record:
    """Equal when of the same class and equal in every field."""

    __slots__ = ()
    _compared: ClassVar[tuple[str, ...]] = ()
    _values: ClassVar[Any]
    """The fields as a tuple: ``attrgetter(*_compared)`` unless the class writes
    its own (plain attribute loads are twice as fast on slots, for a hot key)."""

    def __init_subclass__(cls) -> None:
        if "_compared" not in cls.__dict__:  # fields declared as annotations
            # The class's own, as strings, never evaluated. Not inspect.get_annotations:
            # inspect costs 3 ms to import where click has not loaded it (library use).
            annotations = cls.__annotations__
            cls._compared = tuple(
                name for name, kind in annotations.items() if not str(kind).startswith("ClassVar")
            )
        if len(cls._compared) < 2:  # attrgetter would give a bare value, not a tuple
            raise TypeError(f"{cls.__name__}: a record has at least two fields")
        if "_values" not in cls.__dict__:
            cls._values = attrgetter(*cls._compared)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Fields by position or name; a field left out takes its class default."""
        names, cls = self._compared, type(self)
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__} takes {len(names)} fields, got {len(args)}")
        values = dict(zip(names, args, strict=False))  # the rest by name or default
        for name, value in kwargs.items():
            if name not in names or name in values:
                raise TypeError(f"{cls.__name__}: unexpected or repeated field {name!r}")
            values[name] = value
        for name in names:
            if name not in values and not hasattr(cls, name):
                raise TypeError(f"{cls.__name__}: field {name!r} is missing")
        self.__dict__.update(values)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._values(self) == self._values(other))

    def __hash__(self) -> int:
        return hash(self._values(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compared)
        return f"{type(self).__name__}({fields})"

    def asdict(self) -> dict[str, Any]:
        """The fields by name, in order (not recursive)."""
        return dict(zip(self._compared, self._values(self), strict=True))

    def replace(self: _R, **changes: Any) -> _R:
        """A copy with ``changes`` applied; an unknown name raises AttributeError."""
        new = object.__new__(type(self))
        if hasattr(self, "__dict__"):
            new.__dict__.update(self.__dict__)
        name: str
        for name in getattr(self, "__slots__", ()):
            setattr(new, name, getattr(self, name))
        for name, value in changes.items():
            if name not in self._compared and name not in getattr(self, "__slots__", ()):
                raise AttributeError(f"{type(self).__name__} has no field {name!r}")
            setattr(new, name, value)
        return new
