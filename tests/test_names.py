"""Submodule names for ``--emit torch``: unique in their container, accepted by torch
whatever the spec's names, and cnncalc's own path names where those are safe."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cnncalc.render.emit_torch import MODULE_ATTRIBUTES, module_names

from conftest import need_torch

torch = need_torch()

# Names that collide with each other, with an index, or with an attribute of nn.Sequential
TRICKY = ["a", "a.b", "a_b", "1", "0", "", ".", "_", "m_", "m_forward", "forward", "__class__"]


def test_safe_names_are_kept_with_dots_as_underscores() -> None:
    assert module_names(["conv1", "layer1.0", "0", "fc", "ünï"]) == [
        "conv1",
        "layer1_0",
        "0",
        "fc",
        "ünï",
    ]


def test_a_name_used_again_gets_the_first_free_suffix() -> None:
    # the third name is a_2 itself, so the second 'a' skips to a_3
    assert module_names(["a", "a", "a_2", "a"]) == ["a", "a_3", "a_2", "a_4"]


def test_names_that_would_collapse_stay_apart() -> None:
    assert module_names(["a.b", "a_b"]) == ["a_b", "a_b_2"]
    assert module_names(["1", "1"]) == ["1", "1_2"]  # a name "1" next to the unnamed index 1


def test_attributes_private_and_empty_names_are_prefixed() -> None:
    names = ["forward", "training", "__class__", "_modules", "", "append", "T_destination"]
    assert module_names(names) == [
        "m_forward",
        "m_training",
        "m___class__",
        "m__modules",
        "m_",
        "m_append",
        "m_T_destination",
    ]
    assert module_names(["forward", "m_forward"]) == ["m_forward", "m_forward_2"]


def test_the_attribute_list_covers_this_torchs_sequential() -> None:
    public = {name for name in dir(torch.nn.Sequential()) if not name.startswith("_")}
    assert public <= MODULE_ATTRIBUTES, sorted(public - MODULE_ATTRIBUTES)


@given(st.lists(st.text() | st.sampled_from(TRICKY + sorted(MODULE_ATTRIBUTES)), max_size=12))
def test_any_names_give_distinct_names_torch_accepts(names: list[str]) -> None:
    out = module_names(names)
    assert len(out) == len(names)
    assert len(set(out)) == len(out)
    container = torch.nn.Sequential()
    for name in out:
        container.add_module(name, torch.nn.Identity())  # torch's own checks: '.', '', attributes
    assert list(container._modules) == out
    # a safe name is kept (dots written '_') unless another name, maybe prefixed, takes it too
    bases = [name.replace(".", "_") for name in names]
    for i, (base, got) in enumerate(zip(bases, out, strict=True)):
        safe = base and not base.startswith("_") and base not in MODULE_ATTRIBUTES
        others = bases[:i] + bases[i + 1 :]
        clash = base in others or (base.startswith("m_") and base[2:] in others)
        if safe and not clash:
            assert got == base, (names, got)
