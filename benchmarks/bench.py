"""cnncalc's speed and memory, measured side by side in one run.

    python benchmarks/bench.py            # everything (about a minute)
    python benchmarks/bench.py --quick    # fewer repeats

It prints Markdown tables of medians and ratios:

1. start-up: a CLI call against the floor set by the interpreter and the
   libraries it must import;
2. cnncalc against torchinfo on the same architectures (lenet5, vgg16,
   resnet50), each a whole process as a user runs it, when torch and torchinfo
   are installed (the torch model is cnncalc's own ``--emit torch`` output);
3. scaling: 1k, 10k and 100k layers, as a spec string and as YAML;
4. huge tensors: a 3x100000x100000 image and a 10**12-voxel volume.

Every command runs in a throwaway venv where cnncalc is installed from a wheel,
as a user gets it, and starts as a user starts it (the ``cnncalc`` script). A
developer's editable install would add a finder that imports pathlib and more
into every interpreter, floors included. The throwaway venv reaches this
environment's packages (click, rich, torch...) through one ``.pth`` path line,
which adds the path without running that finder. Bytecode is written and warmed
up first, so the numbers are those of an installed package, not a first run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
REPO = Path(__file__).resolve().parent.parent
PY = sys.executable  # set to the throwaway venv's interpreter by main()
CNNCALC = [PY, "-m", "cnncalc"]  # and to its cnncalc script
WORKDIR = tempfile.gettempdir()  # commands run here: the repo's cnncalc/ is not on sys.path


@contextmanager
def installed_copy() -> Iterator[tuple[str, str]]:
    """A venv holding cnncalc installed from a wheel: (its python, its cnncalc script)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "src")  # build from a copy: setuptools writes build/ beside it
        shutil.copytree(
            REPO / "cnncalc", source / "cnncalc", ignore=shutil.ignore_patterns("__pycache__")
        )
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(REPO / name, source / name)
        venv = Path(tmp, "venv")
        quiet = {"check": True, "capture_output": True, "env": ENV}
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], **quiet)
        wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp, str(source)]
        try:  # with this venv's setuptools, offline...
            subprocess.run([*wheel, "--no-build-isolation"], **quiet)
        except subprocess.CalledProcessError:  # ...else pip fetches it (Python 3.12+ venvs)
            subprocess.run(wheel, **quiet)
        python = venv / "bin" / "python"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(python),
                "install",
                "-q",
                "--no-deps",
                "--no-index",
                str(next(Path(tmp).glob("cnncalc-*.whl"))),
            ],
            **quiet,
        )
        site = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        Path(site, "_bench_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        yield str(python), str(venv / "bin" / "cnncalc")


WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL, check=True)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
"""Runs one command and reports its own wall time and peak RSS (kB): a fresh
parent per run, so the peak is that command's alone."""


def measure(cmd: Sequence[str], runs: int, stdin: str | None = None) -> tuple[float, float]:
    """Median wall time (s) and median peak RSS (MiB) of ``runs`` runs, after a warm-up."""
    samples = []
    for i in range(runs + 1):
        done = subprocess.run(
            [PY, "-c", WRAPPER, *cmd],
            input=stdin,
            capture_output=True,
            text=True,
            env=ENV,
            check=True,
            cwd=WORKDIR,
        )
        if i:  # the first run writes bytecode and warms the file cache
            seconds, kilobytes = done.stdout.split()
            samples.append((float(seconds), int(kilobytes) / 1024))
    return statistics.median(t for t, _ in samples), statistics.median(m for _, m in samples)


def table(title: str, header: Sequence[str], rows: list[Sequence[str]]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def startup(runs: int) -> None:
    floor_json = measure([PY, "-c", "import click, json"], runs)[0]
    floor_table = measure([PY, "-c", "import click, rich.console, rich.table"], runs)[0]
    bare = measure([PY, "-c", "pass"], runs)[0]
    json_call = measure([*CNNCALC, "lenet5", "--format", "json"], runs)[0]
    table_call = measure([*CNNCALC, "lenet5"], runs)[0]
    rows = [
        ["`python -c pass`", f"{bare * 1000:.1f} ms", ""],
        ["`python -c 'import click, json'`", f"{floor_json * 1000:.1f} ms", "1.00"],
        [
            "`cnncalc lenet5 --format json`",
            f"{json_call * 1000:.1f} ms",
            f"{json_call / floor_json:.2f}",
        ],
        [
            "`python -c 'import click, rich.console, rich.table'`",
            f"{floor_table * 1000:.1f} ms",
            "1.00",
        ],
        [
            "`cnncalc lenet5` (table)",
            f"{table_call * 1000:.1f} ms",
            f"{table_call / floor_table:.2f}",
        ],
    ]
    table(
        "Start-up (median wall time; ratio to the libraries' own floor)",
        ["command", "time", "ratio"],
        rows,
    )


TORCHINFO = """
import sys, torch, torchinfo
namespace = {"__name__": "emitted"}
exec(open(sys.argv[1]).read(), namespace)
model = namespace["Net"]()
torchinfo.summary(model, input_size=(1, *namespace["INPUT_SHAPE"]), verbose=0, device="cpu")
"""


def against_torchinfo(runs: int) -> None:
    try:
        import torch  # noqa: F401
        import torchinfo  # noqa: F401
    except ImportError:
        print("\n(torch or torchinfo is not installed: the torchinfo comparison is skipped)")
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("lenet5", "vgg16", "resnet50"):
            source = Path(tmp, f"{name}.py")
            emitted = subprocess.run(
                [*CNNCALC, name, "--emit", "torch"],
                capture_output=True,
                text=True,
                env=ENV,
                check=True,
                cwd=WORKDIR,
            )
            source.write_text(emitted.stdout)
            ours, our_rss = measure([*CNNCALC, name, "--format", "json"], runs)
            theirs, their_rss = measure([PY, "-c", TORCHINFO, str(source)], max(runs // 3, 2))
            rows.append(
                [
                    name,
                    f"{ours * 1000:.0f} ms",
                    f"{theirs * 1000:.0f} ms",
                    f"{theirs / ours:.0f}×",
                    f"{our_rss:.0f} MiB",
                    f"{their_rss:.0f} MiB",
                    f"{their_rss / our_rss:.0f}×",
                ]
            )
    header = [
        "model",
        "cnncalc",
        "torchinfo",
        "faster",
        "cnncalc RSS",
        "torchinfo RSS",
        "less memory",
    ]
    table("cnncalc vs torchinfo (whole process, 3×224×224 or the preset's input)", header, rows)


def scaling(runs: int) -> None:
    from cnncalc import analyze, parse

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1_000, 10_000, 100_000):
            stages = ["conv 8x3x3 p1", "relu"] * (n // 2)
            text = " | ".join(stages)
            yaml_path = Path(tmp, f"net{n}.yaml")
            yaml_path.write_text(
                "input: [3, 32, 32]\nlayers:\n" + "".join(f"  - {s}\n" for s in stages)
            )
            model = parse(text, max_layers=n)  # 100,000 is above the default limit
            start = time.perf_counter()
            analyze(model, (3, 32, 32), max_layers=n)
            engine = time.perf_counter() - start
            string_cli, _ = measure(
                [*CNNCALC, "-", "--input", "3x32x32", "--json", "--max-layers", str(n)],
                runs,
                stdin=text,
            )
            yaml_cli, _ = measure(
                [*CNNCALC, str(yaml_path), "--json", "--max-layers", str(n)], runs
            )
            rows.append(
                [
                    f"{n:,}",
                    f"{n / engine:,.0f} layers/s",
                    f"{string_cli:.2f} s",
                    f"{yaml_cli:.2f} s",
                ]
            )
    table(
        "Scaling (engine in process; CLI parse + analyse + JSON, whole process)",
        ["layers", "engine", "string → JSON", "YAML → JSON"],
        rows,
    )


def huge(runs: int) -> None:
    cases = [
        ("3×224×224, conv", ["conv 64x3x3 p1 | pool 2", "--input", "3x224x224"]),
        ("3×100000×100000, conv", ["conv 64x3x3 p1 | pool 2", "--input", "3x100000x100000"]),
        (
            "1×10000×10000×10000 (10¹² voxels), 3-D conv",
            ["conv 8x3x3x3 p1 | pool 2", "--input", "1x10000x10000x10000"],
        ),
    ]
    rows = []
    for label, args in cases:
        seconds, rss = measure([*CNNCALC, *args, "--json"], runs)
        rows.append([label, f"{seconds * 1000:.0f} ms", f"{rss:.0f} MiB"])
    table("Huge tensors cost nothing (whole process)", ["input", "time", "peak RSS"], rows)


LARGEST = ("vit_h_14", "regnet_y_128gf", "vit_l_16")
"""The zoo's goals, in times a ``cnncalc lenet5 --format json`` call: the whole
listing (every preset's params and GMACs) within 20, the largest presets within 10."""


def zoo(runs: int) -> None:
    base = measure([*CNNCALC, "lenet5", "--format", "json"], runs)[0]
    rows = []
    commands = [("`cnncalc presets`", ["presets"], 20.0)]
    commands += [(f"`cnncalc {name}`", [name], 10.0) for name in LARGEST]
    for label, args, goal in commands:
        seconds = measure([*CNNCALC, *args], runs)[0]
        ratio = seconds / base
        rows.append([label, f"{seconds * 1000:.0f} ms", f"{ratio:.1f}", f"{goal:.0f}"])
    table(
        "The zoo (median wall time; times a `cnncalc lenet5 --format json` call)",
        ["command", "time", "ratio", "goal"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    runs = 5 if args.quick else 15
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    global PY, CNNCALC
    with installed_copy() as (python, script):
        PY, CNNCALC = python, [script]
        print("cnncalc: installed from a wheel into a throwaway venv; started by its script")
        startup(runs)
        zoo(runs)
        scaling(max(runs // 5, 2))
        huge(runs)
        against_torchinfo(runs)


if __name__ == "__main__":
    main()
