"""The command line: formats, sources, options, exit codes and error output."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import invoke

COURSE = "conv 100x10x10 s1 p0 | pool 2 | fc 10"


def test_table_default() -> None:
    code, out, err = invoke(COURSE, "--input", "200x200")
    assert code == 0
    assert "100×191×191" in out and "10,100" in out and "9,035,110" in out
    assert "input row and column 190 are never read" in out
    assert err == ""


def test_compare_columns() -> None:
    code, out, _ = invoke("slides", "--compare")
    assert code == 0
    assert "1,600,000,000" in out and "4,000,000" in out


def test_json_schema_fields() -> None:
    code, out, _ = invoke(COURSE, "--input", "200x200", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"name", "input_shape", "output_shape", "layers", "total"}
    layer = data["layers"][0]
    assert set(layer) >= {
        "index", "kind", "spec", "input_shape", "output_shape", "params", "trainable_params",
        "buffers", "macs", "flops", "connections", "compare", "warnings",
    }  # fmt: skip
    assert set(layer["compare"]) == {"dense", "local", "shared"}
    assert data["layers"][1]["compare"] is None
    assert data["input_shape"] == [1, 200, 200] and data["output_shape"] == [10]
    assert set(data["total"]) == {
        "params",
        "trainable_params",
        "buffers",
        "macs",
        "flops",
        "connections",
        "macs_main",
        "memory",
    }
    assert set(layer) >= {"path", "name", "activation_bytes", "receptive_field"}
    assert data["total"]["flops"] == 2 * data["total"]["macs"]
    assert data["total"]["macs_main"] == data["total"]["macs"]  # no side outputs
    assert data["layers"][1]["warnings"][0].startswith("H, W: (191 − 2 + 2·0)/2 + 1 = 95.5")


def test_totals_are_the_sum_of_the_rows() -> None:
    data = json.loads(invoke("lenet5", "--format", "json")[1])
    for key in ("params", "trainable_params", "buffers", "macs", "flops", "connections"):
        assert data["total"][key] == sum(layer[key] for layer in data["layers"]), key
    memory = data["total"]["memory"]
    assert memory["activation_bytes"] == sum(layer["activation_bytes"] for layer in data["layers"])


def test_csv_and_markdown() -> None:
    code, out, _ = invoke("lenet5-modern", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 12
    assert rows[0] == {"index": "1", "layer": "conv 6x5x5", "output_shape": "6x28x28",
                       "params": "156", "macs": "117600"}  # fmt: skip
    code, out, _ = invoke("lenet5-modern", "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "| # | layer | output shape | params | MACs |"
    assert lines[2] == "| 1 | conv 6x5x5 | 6×28×28 | 156 | 117,600 |"
    assert "**61,706**" in lines[-1]


def test_yaml_file_and_both_forms_agree(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(
        "name: my-net\n"
        "input: [3, 32, 32]\n"
        "layers:\n"
        "  - conv 6x5x5\n"
        "  - conv: {filters: 16, kernel: 5, stride: 1, padding: 0}\n"
        "  - pool 2\n"
        "  - fc: 120\n"
    )
    code, out, _ = invoke(str(path), "--json")
    assert code == 0
    from_yaml = json.loads(out)
    assert from_yaml["name"] == "my-net"
    assert from_yaml["spec"] == "conv 6x5x5 | conv 16x5x5 | pool 2 | fc 120"
    code, out, _ = invoke(from_yaml["spec"], "--input", "3x32x32", "--json")
    from_string = json.loads(out)
    assert from_string["layers"] == from_yaml["layers"]
    # --input overrides the file's own
    code, out, _ = invoke(str(path), "--input", "3x64x64", "--json")
    assert json.loads(out)["input_shape"] == [3, 64, 64]


def test_stdin_string_and_yaml() -> None:
    code, out, _ = invoke("-", "--input", "28x28", "--json", stdin="conv 8x3x3 | gap\n")
    assert code == 0 and json.loads(out)["output_shape"] == [8, 1, 1]
    yaml_text = "input: 50\nlayers:\n  - embed 1000x16\n  - conv 32x5\n"
    code, out, _ = invoke("-", "--json", stdin=yaml_text)
    assert code == 0 and json.loads(out)["output_shape"] == [32, 46]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((COURSE,), "error: no input shape: give --input, e.g. --input 3x224x224\n"),
        (
            ("conv 8x3x3", "--input", "3xax3"),
            "error: --input 3xax3: 'a' is not a number\n",
        ),
        (("missing.yaml",), "error: no such file: missing.yaml\n  missing.yaml\n  ^^^^^^^^^^^^\n"),
        (
            ("conv 100x10x10 | pol 2", "--input", "28x28"),
            "error: layer 2 'pol 2': unknown layer 'pol' — did you mean 'pool'?\n"
            "  conv 100x10x10 | pol 2\n"
            "                   ^^^\n",
        ),
    ],
)
def test_errors_exit_2_with_one_message(args: tuple[str, ...], expected: str) -> None:
    code, out, err = invoke(*args)
    assert (code, out, err) == (2, "", expected)


def test_yaml_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "input: [1, 28, 28]\nlayers:\n  - conv 8x3x3\n  - conv: {filters: 8, kernal: 3}\n"
    )
    code, _, err = invoke(str(path))
    assert code == 2
    assert err == (
        f"error: {path}:4: layer 2 (conv): unknown field 'kernal' — did you mean 'kernel'?\n"
        "    - conv: {filters: 8, kernal: 3}\n"
        "                         ^^^^^^\n"
    )
    path.write_text("input: [1, 28, 28]\nlayers:\n  - conv 8x3x3 g3\n")
    code, _, err = invoke(str(path))
    assert err.splitlines() == [
        f"error: {path}:3: layer 1 'conv 8x3x3 g3': groups=3 must divide the 1 input channels",
        "    - conv 8x3x3 g3",
        "                 ^^",
    ]
    path.write_text("layers: [conv 8x3x3\n")
    code, _, err = invoke(str(path))
    # the file has one line: the error is placed at its end, never on a line 2
    assert code == 2 and err.startswith(f"error: {path}:1: malformed YAML:")
    line = "layers: [conv 8x3x3"
    assert err.splitlines()[1:] == [f"  {line}", " " * (2 + len(line)) + "^"]


def test_strict_flag() -> None:
    code, _, err = invoke(COURSE, "--input", "200x200", "--strict")
    assert code == 2
    assert "floored to 95: input row and column 190 are never read (--strict)" in err


def test_python_dash_m_and_no_traceback_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cnncalc", "conv 8x3x3 g5", "--input", "3x8x8"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: layer 1 'conv 8x3x3 g5': groups=5")
    proc = subprocess.run(
        [sys.executable, "-m", "cnncalc", "lenet5", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(proc.stdout)["total"]["connections"] == 340_908


def test_usage_errors_are_one_line_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cnncalc", "lenet5", "--format", "xml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "error: Invalid value for '--format' / '-f': 'xml' is not one of 'table', 'json', "
        "'csv', 'markdown'. (see "
    )
    assert proc.stderr.endswith(" cnncalc --help)\n") and proc.stderr.count("\n") == 1
    bare = subprocess.run(
        [sys.executable, "-m", "cnncalc"], capture_output=True, text=True, check=False
    )
    assert bare.returncode == 0 and bare.stdout.startswith("Usage: ")


def test_version_and_help_options() -> None:
    """cnncalc writes its own --help and --version (click's go through gettext)."""
    from importlib.metadata import version

    code, out, _ = invoke("--version")
    assert code == 0 and out == f"cnncalc, version {version('cnncalc')}\n"
    for args in (["-h"], ["--help"], ["show", "-h"], ["solve", "--help"], ["presets", "-h"]):
        code, out, _ = invoke(*args)
        assert code == 0 and out.startswith("Usage: "), args
        assert re.search(r"^  -h, --help +Show this message and exit\.$", out, re.M), args
    code, out, _ = invoke("lenet5", "--help")  # the default command's own help
    assert code == 0 and "--max-depth" in out


def test_drawing_into_a_directory_is_a_one_line_error(tmp_path: Path) -> None:
    code, _, err = invoke("lenet5", "--svg", str(tmp_path))
    assert code == 2 and err == f"error: cannot write {tmp_path}: Is a directory\n"


def test_top_level_help_shows_the_analysis_options() -> None:
    """``cnncalc --help`` is where a new user looks: it lists what ``cnncalc SPEC``
    takes (show is implied), with the summaries whole."""
    code, out, _ = invoke("--help")
    assert code == 0
    for option in ("--input", "--format", "--compare", "--rf", "--explain", "--fit", "--html"):
        assert option in out, option
    assert "cnncalc SPEC [OPTIONS]" in out
    assert "Analyse SPEC (implied: cnncalc SPEC is cnncalc show SPEC)." in out


def test_a_usage_error_points_to_the_help_that_exists() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cnncalc", "lenet5", "--bogus"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("cnncalc --help)")  # `cnncalc show` is implied
