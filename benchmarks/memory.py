"""cnncalc's memory model against the GPU: every shared H100 point, predicted vs measured.

    python benchmarks/memory.py [--amp] [--points]

Measured figures: tests/data/h100-torchvision-memory.json and
tests/data/h100-torchvision-autocast.json (torch 2.11, torchvision 0.26, made by
the shared measure.py; their "method" says how). Quantities:

* training peak: ``training_bytes`` against ``train_peak_bytes``;
* kept for backward: ``kept_bytes`` against ``saved_for_backward_bytes``;
* inference peak: ``inference_peak_bytes`` against the measured peak with the
  measured base replaced by the predicted one (parameters, buffers, input, one
  cuBLAS workspace): the script's inference base also holds what its previous
  batch's training step left behind (the gradients, which it never frees, and
  the backward thread's cuBLAS workspace), which a process that only infers
  does not have. ``raw`` compares with the measured peak as it stands.

Beside each, cnncalc's figure before this model (torchinfo's method of counting:
every output kept) and torchinfo's own "Estimated Total Size".
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cnncalc import sources  # noqa: E402
from cnncalc.engine import analyze  # noqa: E402
from cnncalc.memory import estimate, naive_bytes, torchinfo_bytes  # noqa: E402
from cnncalc.memory.walk import walk  # noqa: E402
from cnncalc.report import BlockReport, Report  # noqa: E402

DATA = ROOT / "tests" / "data"


def old_inference(report: Report, batch: int) -> int:
    """cnncalc's inference peak before (parameters + buffers + the widest layer's
    input + output + what res/cat blocks hold), plus the input as the issue compared it."""
    open_blocks: list[BlockReport] = []
    peak = 0
    for row in report.rows:
        while open_blocks and open_blocks[-1].depth >= row.depth:
            open_blocks.pop()
        if isinstance(row, BlockReport):
            open_blocks.append(row)
            continue
        held = sum(math.prod(b.input_shape) for b in open_blocks if b.kind in ("res", "cat"))
        peak = max(peak, math.prod(row.input_shape) + math.prod(row.output_shape) + held)
    total = report.total
    return (total.params + total.buffers + peak * batch + math.prod(report.input_shape) * batch) * 4


def error(predicted: int, measured: int) -> float:
    return (predicted - measured) / measured


def rows(amp: bool) -> list[dict[str, object]]:
    name = "h100-torchvision-autocast.json" if amp else "h100-torchvision-memory.json"
    points = json.loads((DATA / name).read_text())["points"]
    reports: dict[str, Report] = {}
    out = []
    for p in points:
        report = reports.get(p["model"]) or reports.setdefault(
            p["model"], analyze(sources.load(p["model"]))
        )
        batch, kind = p["batch"], p.get("autocast")
        memory = estimate(report, batch=batch, amp=kind)
        seen = walk(report, batch, 4, "adam", kind is not None)
        base = seen.params + seen.buffers + seen.data + seen.workspace // 2
        infer = p["infer_peak_bytes"] - p["infer_base_bytes"] + base
        out.append(
            {
                "model": p["model"],
                "batch": batch,
                "amp": kind,
                "train": (memory.training_bytes, p["train_peak_bytes"]),
                "train_at": memory.training_peak_at,
                "kept": (memory.kept_bytes, p["saved_for_backward_bytes"]),
                "infer": (memory.inference_peak_bytes, infer),
                "infer_raw": (memory.inference_peak_bytes, p["infer_peak_bytes"]),
                "old_train": (naive_bytes(report, batch), p["train_peak_bytes"]),
                "torchinfo": (torchinfo_bytes(report, batch), p["train_peak_bytes"]),
                "old_kept": (memory.activation_bytes, p["saved_for_backward_bytes"]),
                "old_infer": (old_inference(report, batch), p["infer_peak_bytes"]),
            }
        )
    return out


def summary(table: list[dict[str, object]], key: str) -> tuple[float, float, str]:
    errors = [(abs(error(*r[key])), f"{r['model']} b{r['batch']}") for r in table]  # type: ignore[misc]
    worst = max(errors)
    return statistics.median(e for e, _ in errors), worst[0], worst[1]


def mb(n: int) -> str:
    return f"{n / 1e6:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--amp", action="store_true", help="the autocast points")
    parser.add_argument("--points", action="store_true", help="a line per point")
    args = parser.parse_args()
    table = rows(args.amp)
    if args.points:
        print(
            "| model | batch | amp | training MB: cnncalc / measured (err) | peak at "
            "| kept MB (err) | inference MB (err) | before: training, kept, inference err |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for r in table:
            t, k, i = r["train"], r["kept"], r["infer"]
            at = r["train_at"]
            where = f"{at['phase']} {at['layer'] or ''}".strip()  # type: ignore[index]
            print(
                f"| {r['model']} | {r['batch']} | {r['amp'] or '-'} "
                f"| {mb(t[0])} / {mb(t[1])} ({error(*t):+.1%}) | {where} "  # type: ignore[index,misc]
                f"| {mb(k[0])} / {mb(k[1])} ({error(*k):+.1%}) "  # type: ignore[index,misc]
                f"| {mb(i[0])} / {mb(i[1])} ({error(*i):+.1%}) "  # type: ignore[index,misc]
                f"| {error(*r['old_train']):+.0%}, {error(*r['old_kept']):+.0%}, "  # type: ignore[misc]
                f"{error(*r['old_infer']):+.0%} |"  # type: ignore[misc]
            )
        print()
    print(f"{len(table)} points{' (autocast)' if args.amp else ''}")
    print("| quantity | median error | worst |")
    print("|---|---|---|")
    for key, label in (
        ("train", "training peak (`training_bytes`)"),
        ("kept", "kept for backward (`kept_bytes`)"),
        ("infer", "inference peak (`inference_peak_bytes`)"),
        ("infer_raw", "inference peak, against the raw measured peak"),
        ("old_train", "before: training (every output kept)"),
        ("torchinfo", "before: torchinfo's Estimated Total Size, as training"),
        ("old_kept", "before: kept = every layer's output"),
        ("old_infer", "before: inference peak + input"),
    ):
        median, worst, where = summary(table, key)
        print(f"| {label} | {median:.1%} | {worst:.1%} ({where}) |")


if __name__ == "__main__":
    main()
