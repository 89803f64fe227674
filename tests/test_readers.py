"""The readers table: a file is read in the form its suffix names, else as its
text says; every form gives the same model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnncalc import readers

from conftest import invoke

SPEC = "conv 6x5x5 | pool 2 | fc 10"
YAML = "input: [1, 32, 32]\nlayers:\n  - conv 6x5x5\n  - pool 2\n  - fc 10\n"
# conv 6x5x5 on 1x32x32: 6·25 + 6 = 156 params, 6x28x28; pool 2: 6x14x14;
# fc 10: 6·14·14·10 + 10 = 11,770 params. 11,926 in all.


@pytest.mark.parametrize(
    ("name", "text"),
    [("net.yaml", YAML), ("net.YML", YAML), ("net.spec", SPEC), ("net.txt", SPEC), ("net", YAML)],
)
def test_every_form_gives_the_same_model(
    name: str, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text)
    code, out, err = invoke(f"./{name}", "--input", "1x32x32", "--json")
    assert code == 0, err
    assert json.loads(out)["total"]["params"] == 156 + 11_770


def test_the_table_names_each_form_once() -> None:
    suffixes = [s for form in readers.FORMS for s in form.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert readers.for_file("a/b.YAML") is readers.YAML
    assert readers.for_file("b.spec") is readers.SPEC
    assert readers.for_file("b.onnx") is None
    assert readers.for_text("# a net\nlayers:\n  - relu\n") is readers.YAML
    assert readers.for_text("relu | fc 3") is readers.SPEC


def test_a_spec_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "net.spec"
    path.write_text("conv 6x5x5 | cnov 3")
    code, _, err = invoke(str(path), "--input", "1x32x32")
    assert code == 2 and "cnov" in err and "conv" in err  # did you mean 'conv'?
