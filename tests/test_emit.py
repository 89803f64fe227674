"""``--emit torch``: the emitted module, run by torch, has cnncalc's shapes and counts."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import analyze
from cnncalc.cli import cli
from cnncalc.layer import Block, BlockKind, LayerSpec, Model
from cnncalc.presets import names
from cnncalc.render.emit_torch import render

from conftest import need_torch
from oracles import check_emitted as check
from oracles import emitted
from strategies import sequence

torch = need_torch()
FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode


@pytest.mark.parametrize("name", names())
def test_every_preset(name: str) -> None:
    check([name])


SPECS = [
    "conv 8x3x3 s2 psame | bn | relu | res[conv 8x3x3 p1] | cat[ ; pool 3 s1 p1] | gap | fc 10",
    "conv 16x7 s3 psame | pool 3 s2 psame | avgpool 2 ceil | flatten | dropout 0.2 | fc 4 nobias",
    "deconv 4x4x4 s2 psame | deconv 2x3x3 s2 p1 op1 g2 | lrn 3 | leakyrelu 0.1 | softmax",
    "local 4x3x3 p1 | conv 8x3x3 dw p1 | conv 4x1x1 g4 | adaptivepool 2x3 | gmp",
    "conv 6x5x5 frozen | subsample 2 | conv 4x3x3 table=0,1/2,3/4,5/0,5 | flatten | rbf 3 frozen",
    "conv 4x3x3x3 p1 | pool 2 ceil | bn | relu6 | silu | hardswish | gelu | sigmoid | tanh",
]


@pytest.mark.parametrize("spec", SPECS)
def test_specs_with_every_layer_kind(spec: str) -> None:
    dims = "2x9x10x11" if "x3x3x3" in spec else ("2x50" if "conv 16x7" in spec else "8x12x12")
    check([spec, "--input", dims])


def test_embedding_network() -> None:
    check(["embed 100x10 | conv 50x5 p2 | gmp | flatten | fc 3", "--input", "20"])


@given(st.data())
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_specs(data: Any) -> None:
    channels = data.draw(st.integers(1, 4))
    spec, _, _ = data.draw(sequence(channels, depth=2))
    check([spec, "--input", f"{channels}x9x9"])


# --- names: data, never code (issue 11) -------------------------------------------


def payloads(marker: Path) -> list[str]:
    """Names written to end whatever string, comment or docstring they land in; any
    of them that runs as code creates ``marker``."""
    call = f'open({str(marker)!r}, "w")'
    return [
        f'x"""; import os; os.system("touch {marker}"); """',  # issue 11: a model name
        # issue 11: a group name, run at Net()
        f'a", getattr(__import__("os"), "system")("touch {marker}")) and None or ("b',
        f"a', {call}) and None or ('b",
        f"x'''; {call}; '''",
        f"\n{call}\n#",
        f"\r{call} #",
        f'\\"); {call} #',
        f"{{{call}}}",
        f"\x00\x85\u2028\u2029{call}",
    ]


def execute(source: str) -> dict[str, Any]:
    """Run emitted source as `python net.py` would, main block included."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    return namespace


def conv(name: str | None = None, **extra: Any) -> dict[str, Any]:
    """conv 4x1x1 on 4 maps: 4·4·1·1 weights + 4 biases = 20 params."""
    fields: dict[str, Any] = {"filters": 4, "kernel": 1, **extra}
    if name is not None:
        fields["name"] = name
    return {"conv": fields}


def yaml_file(tmp_path: Path, doc: dict[str, Any]) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return str(path)


def named(where: str, name: str) -> dict[str, Any]:
    """A small spec (4x3x3 in; 20 params a conv) with ``name`` in one place."""
    doc: dict[str, Any] = {"input": [4, 3, 3], "layers": [conv(), conv()]}
    if where == "model":
        doc["name"] = name
    elif where == "description":
        doc["description"] = name
    elif where == "layer":
        doc["layers"][1] = conv(name)
    elif where == "group":
        doc["layers"][1] = {"group": {"name": name, "layers": [conv()]}}
    elif where == "repeat":
        doc["layers"][1] = {"repeat": {"name": name, "times": 2, "layers": [conv()]}}
    else:
        doc["layers"][1] = {"residual": {"name": name, "body": [conv()]}}
    return doc


WHERE = ["model", "description", "layer", "group", "repeat", "residual"]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("payload", range(len(payloads(Path()))))
def test_a_payload_in_a_name_stays_a_name(tmp_path: Path, where: str, payload: int) -> None:
    marker = tmp_path / "p"
    name = payloads(marker)[payload]
    path = yaml_file(tmp_path, named(where, name))
    source = emitted([path])[1]
    namespace = execute(source)  # compiles and runs as `python net.py`
    net = namespace["Net"]()
    net(torch.zeros(1, 4, 3, 3))
    assert not marker.exists()
    assert sum(p.numel() for p in net.parameters()) == 20 * (3 if where == "repeat" else 2)
    if where == "model":
        assert namespace["NAME"] == name
    if where in ("layer", "group", "repeat", "residual"):
        assert list(net.layers._modules)[1] == name.replace(".", "_")  # the name, as data


def test_names_with_every_kind_of_escape_compile(tmp_path: Path) -> None:
    odd = ["\\", "\\N{", "a\\", "\r", "\r\n", "\x00", "{}", "{x}", '"', "'", '"""', "\u2028"]
    odd += ["\x1b[2J", "\x7f", "\x85", "\ufeff", "\t#", "# x", "\U0001f600", "\\x41", "\\u0041"]
    doc = {"name": "".join(odd), "input": [4, 2, 2], "layers": [conv(name) for name in odd]}
    check([yaml_file(tmp_path, doc)])  # 20 params each, as cnncalc's JSON says


def test_surrogates_and_controls_from_the_library() -> None:
    """YAML cannot carry a lone surrogate, but a Model made in code can."""
    odd = ["\ud800", "\udfff", "x\udc80y", *map(chr, range(0x20)), "\x7f", "\x9f", "\u2029"]
    group = Block(BlockKind.SEQ, ((LayerSpec("relu", name="\ud800"),),), name="\udfff.")
    layers = (*(LayerSpec("conv", 4, (1, 1), per_axis=True, name=n) for n in odd), group)
    model = Model(layers=layers, name='\ud800"""', input_shape=(4, 2, 2))
    namespace = execute(render(analyze(model)))
    assert namespace["NAME"] == model.name
    net = namespace["Net"]()
    assert sum(p.numel() for p in net.parameters()) == 20 * len(odd)
    assert net(torch.zeros(1, 4, 2, 2)).shape == (1, 4, 2, 2)


def test_names_that_collide_keep_every_layer(tmp_path: Path) -> None:
    # issue 11: these collapsed in the OrderedDict (cnncalc 168 params, the net 84)
    names = ["1", None, "x", "x", "a.b", "a_b", "forward", "training", "__class__", "_modules"]
    names += ["append", "state_dict", "T_destination", "dump_patches", "call_super_init", ""]
    doc = {"input": [4, 2, 2], "layers": [conv(name) for name in names]}
    path = yaml_file(tmp_path, doc)
    check([path])  # parameters, shapes and MACs as cnncalc's JSON says
    net = execute(emitted([path])[1])["Net"]()
    assert sum(p.numel() for p in net.parameters()) == 20 * len(names)
    assert list(net.layers._modules) == [
        "1", "1_2", "x", "x_2", "a_b", "a_b_2", "m_forward", "m_training", "m___class__",
        "m__modules", "m_append", "m_state_dict", "m_T_destination", "m_dump_patches",
        "m_call_super_init", "15",
    ]  # fmt: skip


# --- any nesting cnncalc accepts -----------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "depth", "params"),
    [
        # conv 2x1x1 on 2 maps: 2·2 + 2 = 6 params; a res adds its shortcut's 6
        ("[" * 199 + "conv 2x1x1" + "]*1" * 199, 199, 6),
        ("[" * 100 + "relu" + "]*1" * 100, 100, 0),
        ("res[" * 60 + "conv 2x1x1" + "]" * 60, 60, 6),
        ("cat[" * 45 + "conv 2x1x1" + "]" * 45, 45, 6),
        ("res[cat[[" * 40 + "conv 2x1x1" + "]*1]]" * 40, 120, 6),
    ],
)
def test_deep_nesting_compiles_and_runs(spec: str, depth: int, params: int) -> None:
    args = [spec, "--input", "2x3x3", "--max-depth", "200"]
    check(args)
    data, source = emitted(args)
    assert data["total"]["params"] == params
    net = execute(source)["Net"]()
    # the module tree is cnncalc's (a Concat holds its branches in .branches): the
    # innermost layer sits at cnncalc's path, however deep the expressions were cut
    [layer] = [layer for layer in data["layers"] if layer["kind"] == "conv"] or data["layers"]
    inner = max(net.named_modules(), key=lambda item: item[0].count("."))[0]
    assert inner.replace(".branches.", ".") == "layers." + layer["path"]
    assert inner.count(".") >= depth


# --- arbitrary names through every output (issue 11) ------------------------------

# YAML as cnncalc reads it (libyaml) refuses a lone surrogate, even escaped, so the
# text drawn here has none; test_surrogates_and_controls_from_the_library covers them.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)
TRICKY = ["a", "a.b", "a_b", "1", "0", "", ".", "_x", "m_forward", "forward", "__class__"]
OUTPUTS = [[], ["--json"], ["-f", "csv"], ["-f", "markdown"], ["--explain"], ["--emit", "torch"]]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for the examples' files, and torch on one thread meanwhile: for tensors
    this small a thread pool only adds waiting (20 ms a conv on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tmp_path_factory.mktemp("names")
    torch.set_num_threads(threads)


def with_name(fields: dict[str, Any], name: str | None) -> dict[str, Any]:
    return fields if name is None else {**fields, "name": name}


def spec_tree(name: st.SearchStrategy[str | None]) -> st.SearchStrategy[Any]:
    """Layers and blocks of a tiny network on 2x3x3, a name drawn for each; every
    conv gives 2 maps, so a residual body ending in a conv matches its 1x1 shortcut."""
    conv3 = {"filters": 2, "kernel": 3, "padding": 1}
    leaf = st.one_of(
        st.builds(lambda n: {"conv": with_name(conv3, n)}, name),
        st.builds(lambda n: {"relu": with_name({}, n)}, name),
        st.just("relu"),
    )

    def blocks(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        seq = st.lists(children, min_size=1, max_size=3)
        shortcut = [{"conv": {"filters": 2, "kernel": 1}}]
        return st.one_of(
            st.builds(lambda n, s: {"group": with_name({"layers": s}, n)}, name, seq),
            st.builds(
                lambda n, t, s: {"repeat": with_name({"times": t, "layers": s}, n)},
                name,
                st.integers(1, 2),
                seq,
            ),
            st.builds(
                lambda n, s: {
                    "residual": with_name({"body": [*s, {"conv": conv3}], "shortcut": shortcut}, n)
                },
                name,
                seq,
            ),
            st.builds(
                lambda n, b: {"concat": with_name({"branches": b}, n)},
                name,
                st.lists(seq | st.just([]), min_size=1, max_size=3),
            ),
        )

    return st.lists(st.recursive(leaf, blocks, max_leaves=6), min_size=1, max_size=4)


@given(st.data())
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_names_through_every_output(scratch: Path, data: Any) -> None:
    marker = scratch / "payload-ran"
    marker.unlink(missing_ok=True)  # each example on its own
    name = st.none() | TEXT | st.sampled_from(TRICKY) | st.sampled_from(payloads(marker))
    doc = {"name": data.draw(name), "input": [2, 3, 3], "layers": data.draw(spec_tree(name))}
    if doc["name"] is None:
        del doc["name"]
    if data.draw(st.booleans()):
        doc["description"] = data.draw(name)
    path = scratch / "net.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    runner = CliRunner()
    results = {}
    for args in [*OUTPUTS, ["--svg", str(scratch / "net.svg")]]:
        result = runner.invoke(cli, [str(path), *args])
        assert result.exit_code in (0, 2), (args, result.output, result.exception)
        if result.exit_code == 2:
            assert result.stderr.startswith("error: "), (args, result.stderr)
        results[" ".join(args)] = result
    assert not marker.exists()
    report, emit = results["--json"], results["--emit torch"]
    if report.exit_code == 2:
        return
    assert emit.exit_code == 0, emit.output
    facts = json.loads(report.stdout)
    namespace = execute(emit.stdout)
    assert namespace["NAME"] == facts["name"] == doc.get("name", "model")
    net = namespace["Net"]()
    y = net(torch.zeros(1, *namespace["INPUT_SHAPE"]))
    assert not marker.exists()
    assert list(y.shape[1:]) == facts["output_shape"]
    assert sum(p.numel() for p in net.parameters()) == facts["total"]["params"]
