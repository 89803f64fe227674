"""The hand-written value classes behave like the dataclasses they replaced."""

from __future__ import annotations

from operator import attrgetter

import pytest

from cnncalc.layer import Block, BlockKind, LayerSpec, Model, Origin
from cnncalc.readers.spec import parse
from cnncalc.record import Record


class Point(Record):
    x: int
    y: int = 0


def every_field_set() -> LayerSpec:
    """A layer whose every field differs from its default, so a field missing
    from a hand-written list shows."""
    return LayerSpec(
        kind="conv",
        filters=8,
        kernel=(3, 3),
        output_size=(4, 4),
        size=5,
        per_axis=True,
        units=5,
        dim=6,
        vocab=7,
        rate=0.5,
        slope=0.25,
        stride=(2, 2),
        padding=(1, 1),
        dilation=(2, 1),
        groups=2,
        depthwise=True,
        bias=False,
        ceil=True,
        output_padding=(1, 0),
        trainable=False,
        table=((0, 1),),
        pads=(0, 1),
        name="C1",
        affine=False,
        mode="bilinear",
        scale=(2, 2),
        ref=("a", "b"),
        heads=3,
        order=(1, 0),
        index=1,
        window=(7, 7),
        shift=(3, 3),
        cosine=True,
        origin=Origin((0, 4), label="here"),
    )


def test_layer_values_list_every_compared_field() -> None:
    """LayerSpec writes its memo key out by hand, for speed: it must not miss a field."""
    layer = every_field_set()
    assert LayerSpec._values(layer) == attrgetter(*LayerSpec._compared)(layer)
    assert set(LayerSpec._compared) | {"origin"} == set(LayerSpec.__slots__)
    for name in LayerSpec._compared:  # each field takes part in equality
        assert layer.replace(**{name: None}) != layer


def test_hand_written_init_sets_every_slot() -> None:
    layer = every_field_set()
    assert all(hasattr(layer, name) for name in LayerSpec.__slots__)
    bare = LayerSpec("relu")
    assert (bare.bias, bare.trainable, bare.stride, bare.origin.label) == (True, True, None, "")


def test_equality_and_hash_ignore_the_origin() -> None:
    a, b = parse("conv 8x3x3 | conv 8x3x3").layers
    assert isinstance(a, LayerSpec) and isinstance(b, LayerSpec)
    assert a.origin != b.origin  # written at different places...
    assert a == b and hash(a) == hash(b)  # ...the same layer
    assert a != LayerSpec("conv", filters=8, kernel=(3, 3), per_axis=False)
    block = Block(BlockKind.REPEAT, ((a,),), 2, origin=Origin(label="x"))
    assert block == Block(BlockKind.REPEAT, ((b,),), 2) != Block(BlockKind.REPEAT, ((b,),), 3)


def test_declared_record_init_like_a_dataclass() -> None:
    assert Point(1) == Point(x=1, y=0) == Point(1, 0)
    assert Point(1, 2) != Point(1, 3)
    assert Point(2, y=5).asdict() == {"x": 2, "y": 5}
    assert repr(Point(1, 2)) == "Point(x=1, y=2)"
    assert len({Point(1), Point(1, 0), Point(2)}) == 2
    with pytest.raises(TypeError, match="missing"):
        Point()
    with pytest.raises(TypeError, match="2 fields, got 3"):
        Point(1, 2, 3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'z'"):
        Point(1, z=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'x'"):
        Point(1, x=2)  # type: ignore[misc]


def test_replace_copies_and_refuses_unknown_fields() -> None:
    layer = every_field_set()
    wider = layer.replace(filters=16)
    assert (wider.filters, layer.filters) == (16, 8)
    assert wider.origin is layer.origin and wider.replace(filters=8) == layer
    assert Point(1, 2).replace(y=3) == Point(1, 3)
    with pytest.raises(AttributeError):
        layer.replace(colour="red")
    with pytest.raises(AttributeError):
        Point(1).replace(z=1)


def test_records_of_different_classes_differ() -> None:
    model = Model(layers=())
    assert model != Point(1) and model == Model(layers=(), name="model")


def test_hand_written_field_lists_follow_their_init() -> None:
    """Each hand-written record's field list is written once, in ``__init__``'s
    signature: ``_compared``, ``_values`` and the body come from it
    (``python -m cnncalc.recordgen`` rewrites them)."""
    from cnncalc import recordgen

    assert recordgen.main(["--check"]) == 0


def test_recordgen_restores_a_dropped_field() -> None:
    from pathlib import Path

    from cnncalc import recordgen

    source = (Path(recordgen.__file__).parent / "report.py").read_text()
    broken = source.replace("        self.macs = macs\n", "", 1).replace(
        '"buffers", "macs", "connections"', '"buffers", "connections"', 1
    )
    assert broken != source and recordgen.generate(broken) == source
