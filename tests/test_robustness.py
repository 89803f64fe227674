"""No traceback on any input, bounded work, clean pipes: the CLI under fuzzing.

Every run must end in exit 0 with one valid JSON document on stdout, or exit 2
with one error message on stderr. Exit 1 is kept for bugs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import engine
from cnncalc.cli import cli
from cnncalc.kinds import KINDS, NAMES
from cnncalc.readers import yamlspec

from conftest import check_outcome as check

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


@given(st.text(max_size=60), st.sampled_from(["3x32x32", "28x28", "1x16000", "50", "1x8x8x8"]))
@FUZZ
def test_random_text(spec: str, dims: str) -> None:
    check([spec, "--input", dims, "--json"])


WORDS = [*NAMES, "res", "cat", "[", "]", ";", "*", "|", "x"]
WORDS += ["s2", "p1", "psame", "pvalid", "d2", "g2", "dw", "op1", "ceil", "nobias", "frozen"]
WORDS += ["table=0,1/1", "0", "1", "2", "3", "-1", "2.5", "64x3x3", "8x5", "2x2", "10000x8", "1e9"]


@given(st.lists(st.sampled_from(WORDS), max_size=14), st.sampled_from(["3x32x32", "50", "40"]))
@FUZZ
def test_random_token_sequences(words: list[str], dims: str) -> None:
    check([" ".join(words), "--input", dims, "--json"])


SCALARS = st.one_of(
    st.sampled_from(WORDS), st.integers(-3, 300), st.booleans(), st.none(), st.floats(0, 5)
)
YAML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from([*NAMES, *FIELD_WORDS]), inner, max_size=3)
    if (FIELD_WORDS := ["filters", "kernel", "stride", "padding", "units", "body", "layers",
                        "times", "shortcut", "repeat", "residual", "concat", "group"])
    else inner,
    max_leaves=12,
)  # fmt: skip


@given(
    st.fixed_dictionaries(
        {"layers": st.lists(YAML_VALUES, max_size=5)},
        optional={"input": st.sampled_from([[3, 32, 32], [28, 28], "3x8x8", 0, "x", [50]])},
    )
)
@FUZZ
def test_random_yaml_documents(document: dict[str, object]) -> None:
    check(["-", "--json"], stdin=yaml.safe_dump(document))


@given(st.text(max_size=30))
@FUZZ
def test_random_yaml_text(text: str) -> None:
    check(["-", "--json"], stdin="layers:\n" + text)


@given(st.text(max_size=20))
@FUZZ
def test_random_input_values(dims: str) -> None:
    check(["conv 8x3x3 | pool 2 | fc 10", "--input", dims, "--json"])


def corpus() -> list[tuple[str, str]]:
    lines = (Path(__file__).parent / "corpus" / "regressions.txt").read_text().splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


@pytest.mark.parametrize(("spec", "dims"), corpus())
def test_regression_corpus(spec: str, dims: str) -> None:
    assert check([spec, "--input", dims, "--json"]) in (0, 2)


def test_huge_repeat_is_refused_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The count is checked before any layer runs (no timing: the work is counted)."""
    applied: list[object] = []
    original = engine._Run.apply
    monkeypatch.setattr(engine._Run, "apply", lambda *a: applied.append(a) or original(*a))
    result = CliRunner().invoke(cli, ["[relu]*1000000000", "--input", "3x8x8"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the network has 1,000,000,000 layers with repeats unrolled, more than the "
        "limit of 10,000 (raise it with --max-layers)\n"
    )
    assert applied == []
    result = CliRunner().invoke(cli, ["[relu]*20", "--input", "3", "--max-layers", "10"])
    assert result.exit_code == 2 and "more than the limit of 10 " in result.stderr


def test_billion_laughs_yaml_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # each level lists ten groups of the level below: 10^9 relus from a 1 kB file
    lines = ["input: [3, 8, 8]", "notes:", "  - &l0 [" + ", ".join(["relu"] * 10) + "]"]
    for i in range(1, 9):
        group = f"{{group: {{layers: *l{i - 1} }}}}"
        lines.append(f"  - &l{i} [" + ", ".join([group] * 10) + "]")
    lines.append("layers: *l8")
    read: list[object] = []
    original = yamlspec._Reader.item
    monkeypatch.setattr(yamlspec._Reader, "item", lambda *a: read.append(a) or original(*a))
    result = CliRunner().invoke(cli, ["-", "--json"], input="\n".join(lines) + "\n")
    assert result.exit_code == 2, result.output
    assert "expands to more than 10,000 layers (YAML aliases?)" in result.stderr
    assert read == []  # refused by counting the expansion up front, before reading a layer


def test_text_size_limit() -> None:
    result = CliRunner().invoke(cli, ["relu | " * 20 + "relu", "--input", "3", "--max-bytes", "50"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the spec is longer than the limit of 50 characters (raise it with --max-bytes)\n"
    )


def test_huge_numbers_are_exact_in_json() -> None:
    result = CliRunner().invoke(
        cli, ["conv 1000000000x3x3 p1 | gap | fc 10", "--input", "3x1000000x1000000", "--json"]
    )
    data = json.loads(result.stdout)
    conv = data["layers"][0]
    # 10^9 filters · 3·9 weights + 10^9 biases; MACs 10^12 positions · 10^9 · 27
    assert conv["params"] == 27 * 10**9 + 10**9
    assert conv["macs"] == 10**12 * 10**9 * 27
    assert data["total"]["params"] == 28 * 10**9 + 10**10 + 10


def test_internal_errors_exit_1_and_ask_for_a_report(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(KINDS, "relu", KINDS["relu"].replace(rule=boom))
    result = CliRunner().invoke(cli, ["relu", "--input", "3"])
    assert result.exit_code == 1
    assert result.stderr.startswith("internal error: ZeroDivisionError: division by zero. ")
    assert "please report it with the input" in result.stderr


def test_closed_pipe_is_quiet() -> None:
    proc = subprocess.run(
        f"{sys.executable} -m cnncalc '[relu]*10000' --input 3x3 --json | head -n 2",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout == '{\n  "name": "model",\n'
    assert proc.stderr == ""


@pytest.mark.parametrize(
    "text",
    [
        "layers:\n  - !!python/object/apply:os.system ['touch pwned']\n",
        "input: !!python/object/apply:os.system ['touch pwned']\nlayers: [relu]\n",
        "layers:\n  - conv: {filters: !!python/object/apply:os.system ['touch pwned']}\n",
        "blocks:\n  b:\n    params: !!python/object/apply:os.system ['touch pwned']\n"
        "    layers: [relu]\nlayers: [b: ]\n",
    ],
)
def test_yaml_is_never_executed(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.yaml"
    path.write_text(text)
    result = CliRunner().invoke(cli, [str(path), "--input", "3x8x8"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert not (tmp_path / "pwned").exists()


def test_huge_numbers_read_with_si_prefixes_in_the_table() -> None:
    from cnncalc.render.columns import number

    assert number(999_999_999_999) == "999,999,999,999"  # exact below 10^12
    assert number(145_924_000_000_000) == "145.9 T"
    assert number(27 * 10**21) == "27 Z"
    result = CliRunner().invoke(
        cli, ["conv 1000000000x3x3 p1 | gap", "--input", "3x1000000x1000000"]
    )
    # 10^12 positions · 10^9 filters · 27 = 2.7·10^22 MACs
    assert "27 Z" in result.stdout and "28,000,000,000" in result.stdout
