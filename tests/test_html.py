"""The HTML page (``--html``) and the notebook view.

Two kinds of test: the generator's output read back in Python (the embedded JSON
is ``--json``'s, user text never becomes markup, the window geometry follows the
output-size formula), and the page opened in a real browser (headless Chromium;
skipped where none is installed) with its self-check: the numbers it shows
against the JSON, a click on a row selecting the layer in the diagram and the
reverse, folding, and no console message at all.

CNNCALC_UPDATE_SCREENSHOTS=1 also rewrites the README's screenshots in docs/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from cnncalc import sources
from cnncalc.engine import analyze
from cnncalc.presets import names
from cnncalc.render import html, render
from cnncalc.render.page import script as page_script
from cnncalc.report import Report

from conftest import invoke, run

DOCS = Path(__file__).resolve().parent.parent / "docs"
SPEECH = ("conv 32x80 s4 | bn | relu | pool 4 | gap | fc 35", "--input", "1x16000")
DEEP = ("[conv 8x3x3 p1 | relu]*500", "--input", "8x32x32")
HOSTILE = """\
name: "</script><script>document.title='pwned'</script>"
description: "<img src=x onerror=\\"document.body.dataset.pwned=1\\"> <!-- x"
input: [3, 16, 16]
layers:
  - conv: {filters: 4, kernel: 3, name: "</script><script>alert(1)</script>"}
  - relu
  - group: {name: "<img src=x onerror=alert(2)>", layers: [conv 4x3x3, relu]}
  - fc: {units: 10, name: "<!--<script>alert(3)</script>"}
"""


def report_of(spec: str, *dims: int) -> Report:
    return analyze(sources.load(spec), dims or None)


def page_of(*args: str, tmp: Path) -> str:
    target = tmp / "page.html"
    code, _, err = invoke(*args, "--html", str(target))
    assert code == 0, err
    return target.read_text(encoding="utf-8")


def block(page: str, name: str) -> Any:
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


class Tags(HTMLParser):
    """What a browser's parser makes of the page: its start tags and the text of
    each script element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


# --- the generator ------------------------------------------------------------------


def test_the_embedded_document_is_the_json_output(tmp_path: Path) -> None:
    options = ("--batch", "8", "--dtype", "float16", "--optimizer", "sgd")
    page = page_of("resnet50", *options, tmp=tmp_path)
    code, out, _ = invoke("resnet50", "--json", *options)
    assert code == 0
    embedded = block(page, "cnncalc-report")
    assert embedded == json.loads(out)
    assert embedded["total"]["memory"]["batch"] == 8  # the options reached the page


def test_page_data_tree_and_notes() -> None:
    report = report_of("resnet50")
    data = html.page_data(report)
    flat: list[int] = []

    def walk(rows: list[Any]) -> int:
        params = 0
        for row in rows:
            if isinstance(row, int):
                flat.append(row)
                params += report.layers[row - 1].costs.params
            else:
                inner = sum(walk(part) for part in row["parts"])
                assert inner == row["params"], row["label"]  # a block's subtotal
                params += inner
        return params

    assert walk(data["tree"]) == 25_557_032  # torchvision's resnet50
    assert flat == list(range(1, 160))  # every layer once, in execution order
    assert len(data["note"]) == 159
    # a repeated layer is stored once: far fewer notes than layers
    assert len(data["notes"]) < 60
    first = data["notes"][data["note"][0]]
    # conv 64x7x7 s2 p3 on 224: (224 − 7 + 6)/2 + 1 = 112.5, floored
    assert first["explain"][0] == "H: (224 − 7 + 2·3)/2 + 1 = 112.5 → 112"
    assert first["window"] == {
        "axis": "W", "n": 224, "k": 7, "s": 2, "d": 1, "pl": 3, "pr": 3, "out": 112,
        "ceil": False, "zeros": 0,
    }  # fmt: skip


def test_a_thousand_layers_store_two_notes() -> None:
    data = html.page_data(run(DEEP[0], 8, 32, 32))
    assert len(data["note"]) == 1000 and len(data["notes"]) == 2


@pytest.mark.parametrize(
    ("spec", "dims", "window"),
    [
        # (7 − 1)·2 − 2·1 + (4 − 1) + 1 = 14: 13 positions with zeros between,
        # padded by 4 − 1 − 1 = 2 each side, slid at stride 1: 13 + 4 − 4 + 1 = 14
        (
            "deconv 16x4x4 s2 p1",
            (8, 7, 7),
            {"n": 13, "k": 4, "s": 1, "d": 1, "pl": 2, "pr": 2, "out": 14, "zeros": 1},
        ),
        # same: out = 7·2 = 14; torch P = 1, OP = 1 (2P − OP = 3 − 2): pads 1 and 2
        (
            "deconv 8x3x3 s2 psame",
            (8, 7, 7),
            {"n": 13, "k": 3, "s": 1, "d": 1, "pl": 1, "pr": 2, "out": 14, "zeros": 1},
        ),
        # ceil mode: ⌈(7 − 3)/2⌉ + 1 = 3 windows
        (
            "pool 3 s2 ceil",
            (8, 7, 7),
            {"n": 7, "k": 3, "s": 2, "d": 1, "pl": 0, "pr": 0, "out": 3, "zeros": 0},
        ),
        # dilation 2 spans 5: (9 + 4 − 5)/2 + 1 = 5
        (
            "conv 4x3x3 d2 p2 s2",
            (8, 9, 9),
            {"n": 9, "k": 3, "s": 2, "d": 2, "pl": 2, "pr": 2, "out": 5, "zeros": 0},
        ),
    ],
)
def test_window_geometry(spec: str, dims: tuple[int, ...], window: dict[str, int]) -> None:
    drawn = html.window(run(spec, *dims).layers[0])
    assert drawn is not None
    assert {key: drawn[key] for key in window} == window


@pytest.mark.parametrize("name", names())
def test_every_window_satisfies_the_output_size_formula(name: str) -> None:
    """Whatever the preset, the picture's numbers give the layer's output size:
    floor((n + pl + pr − D·(F−1) − 1)/S) + 1 (ceil mode: at least that)."""
    report = report_of(name)
    for layer in report.layers:
        w = html.window(layer)
        if w is None:
            continue
        span = w["n"] + w["pl"] + w["pr"] - w["d"] * (w["k"] - 1) - 1
        floor = span // w["s"] + 1
        assert w["out"] == layer.output_shape[-1]
        assert w["out"] == floor or (w["ceil"] and w["out"] == -(-span // w["s"]) + 1), layer


@pytest.mark.parametrize("name", names())
def test_every_layer_has_one_shape_in_the_diagram(name: str) -> None:
    drawn = render(report_of(name), "svg")
    listed = [
        int(i) for group in re.findall(r'data-index="([\d ]+)"', drawn) for i in group.split()
    ]
    assert sorted(listed) == list(range(1, len(report_of(name).layers) + 1))


def test_hostile_names_never_become_markup(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text(HOSTILE, encoding="utf-8")
    page = page_of(str(spec), tmp=tmp_path)
    parser = Tags()
    parser.feed(page)
    assert "img" not in parser.tags
    assert parser.tags.count("script") == 3  # the two JSON blocks and the page's own
    assert page.count("</script>") == 3 and "<!--" not in page
    report_json, page_json, script = parser.scripts
    document = json.loads(report_json)
    assert document["name"] == "</script><script>document.title='pwned'</script>"
    assert document["layers"][0]["name"] == "</script><script>alert(1)</script>"
    assert document["layers"][-1]["name"] == "<!--<script>alert(3)</script>"
    assert json.loads(page_json)["tree"][2]["label"] == "<img src=x onerror=alert(2)>"
    assert script == page_script()
    # outside the JSON (where every < is \u003c) names are only the diagram's escaped text
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;/script&gt;&lt;script&gt;document.title=&#39;pwned&#39;" in page
    assert "textContent" in script and "innerHTML" not in script


def test_only_the_page_script_may_run() -> None:
    page = html.render(report_of("lenet5"))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy is not None
    digest = base64.b64encode(hashlib.sha256(page_script().encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy.group(1)
    assert "default-src 'none'" in policy.group(1)
    # nothing from the network: no address at all outside the SVG namespace
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"] * 2


def test_resnet50_page_is_small() -> None:
    """The README gives its size: the JSON document, the diagram and the script,
    nothing twice."""
    report = report_of("resnet50")
    page = html.render(report)
    parts = len(render(report, "json")) + len(render(report, "svg")) + len(page_script())
    assert len(page.encode()) < 200_000
    assert len(page) < parts + 30_000  # the style, the skeleton and the page data


def test_cli_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [1, 8, 8]\nlayers: [conv 2x3x3]\n", encoding="utf-8")
    before = spec.read_bytes()
    code, _, err = invoke(str(spec), "--html", str(spec))
    assert code == 2 and err.startswith(f"error: --html {spec} is an input file")
    assert spec.read_bytes() == before
    code, _, err = invoke("lenet5", "--html", str(tmp_path))
    assert code == 2 and "Is a directory" in err
    same = tmp_path / "x"
    code, _, err = invoke("lenet5", "--html", str(same), "--svg", str(same))
    assert code == 2 and "same file" in err and not same.exists()


def test_cli_writes_the_page_beside_the_report(tmp_path: Path) -> None:
    target = tmp_path / "lenet5.html"
    code, out, _ = invoke("lenet5", "--html", str(target), "--json")
    assert code == 0 and json.loads(out)["name"] == "lenet5"
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert [p.name for p in tmp_path.iterdir()] == ["lenet5.html"]  # no temporary left


def test_notebook_view() -> None:
    report = report_of("lenet5")
    shown = report._repr_html_()
    frame = re.fullmatch(r'<iframe sandbox="allow-scripts" [^>]* srcdoc="([^"]*)"></iframe>', shown)
    assert frame is not None
    assert unescape(frame.group(1)) == html.render(report)
    assert repr(report).startswith("Report(name='lenet5'")  # plain repr as before


def test_no_page_code_is_loaded_unless_asked() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "sys.argv = ['cnncalc', 'lenet5', '--json']\n"
        "from cnncalc.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main()\n"
        "    except SystemExit: pass\n"
        "import cnncalc.report\n"
        "print(sorted(m for m in sys.modules if m.startswith('cnncalc.render.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = done.stdout.strip().splitlines()[-1]
    assert "html" not in loaded and "page" not in loaded and "svg" not in loaded


# --- in a browser --------------------------------------------------------------------

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
browser = pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium installed")


def chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--hide-scrollbars",
        "--disable-background-networking",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=3000",
        *extra,
        url,
    ]
    # a hang guard only: a page opens in about a second
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


CASES = {
    "lenet5": ("lenet5",),
    "resnet50": ("resnet50",),
    "speech": SPEECH,
    "deep": DEEP,
    "fpn": (str(Path(__file__).resolve().parent.parent / "examples" / "fpn_resnet50.yaml"),),
}


@browser
@pytest.mark.parametrize("case", list(CASES))
def test_the_page_checks_itself_in_a_browser(case: str, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(page_of(*CASES[case], tmp=tmp_path), encoding="utf-8")
    done = chromium(f"file://{page}#selfcheck", tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    # the page writes nothing to the console: any message is an error or a
    # refused resource (the Content-Security-Policy reports there)
    assert [line for line in done.stderr.splitlines() if "CONSOLE" in line] == []
    found = re.search(r'<pre id="selfcheck"[^>]*>(.*?)</pre>', done.stdout, re.S)
    assert found is not None, "the page's script did not run"
    result = json.loads(unescape(found.group(1)))
    assert result["failures"] == [] and result["errors"] == []
    assert result["ok"] and result["checks"] >= 30
    document = block(page.read_text(encoding="utf-8"), "cnncalc-report")
    if len(document["layers"]) > 400:  # a long list is shown 400 rows at a time
        assert 'class="more"' in done.stdout or result["rows"] >= 400


@browser
def test_the_page_names_the_other_outputs(tmp_path: Path) -> None:
    """FPN's levels p5..p2 (left by 'from', never joined) are outputs: the header
    lists them after the last layer's 256×4×4."""
    page = tmp_path / "page.html"
    page.write_text(page_of(*CASES["fpn"], tmp=tmp_path), encoding="utf-8")
    done = chromium(f"file://{page}", tmp_path / "profile", "--dump-dom")
    found = re.search(r'<span id="io">(.*?)</span>', done.stdout, re.S)
    assert found is not None
    assert unescape(found.group(1)) == (
        "3×224×224 → 256×4×4, p5 256×7×7, p4 256×14×14, p3 256×28×28, p2 256×56×56 · 179 layers"
    )


@browser
def test_hostile_names_run_nothing_in_a_browser(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text(HOSTILE, encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(page_of(str(spec), tmp=tmp_path), encoding="utf-8")
    done = chromium(f"file://{page}#selfcheck", tmp_path / "profile", "--dump-dom")
    assert [line for line in done.stderr.splitlines() if "CONSOLE" in line] == []
    assert "data-pwned" not in done.stdout and "<title>pwned" not in done.stdout
    found = re.search(r'<h1 id="title">(.*?)</h1>', done.stdout, re.S)
    assert found is not None  # the name is shown, as text
    assert unescape(found.group(1)) == "</script><script>document.title='pwned'</script>"
    check = re.search(r'<pre id="selfcheck"[^>]*>(.*?)</pre>', done.stdout, re.S)
    assert check is not None and json.loads(unescape(check.group(1)))["ok"]


@pytest.mark.parametrize("name", ["lenet5", "resnet50"])
def test_the_readme_shows_the_page(name: str) -> None:
    assert (DOCS / f"{name}-page.png").read_bytes().startswith(b"\x89PNG")
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert f"docs/{name}-page.png" in readme


@browser
@pytest.mark.skipif(
    not os.environ.get("CNNCALC_UPDATE_SCREENSHOTS"), reason="CNNCALC_UPDATE_SCREENSHOTS=1 only"
)
@pytest.mark.parametrize("name", ["lenet5", "resnet50"])
def test_screenshots(name: str, tmp_path: Path) -> None:
    """The README's pictures of the page, rewritten (look at them before committing)."""
    page = tmp_path / "page.html"
    page.write_text(page_of(name, tmp=tmp_path), encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = chromium(
        f"file://{page}", tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,900"
    )
    assert done.returncode == 0 and shot.read_bytes().startswith(b"\x89PNG")
    shutil.copyfile(shot, DOCS / f"{name}-page.png")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_page_script_is_valid_javascript() -> None:
    from importlib import resources

    script = resources.files("cnncalc.render") / "assets" / "page.js"
    done = subprocess.run(["node", "--check", str(script)], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
