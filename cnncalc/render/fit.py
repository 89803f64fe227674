"""``--fit SIZE``: the largest batch that fits, for training and for inference,
as a few lines of text or as a JSON object (``--json``)."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.escape import json_text, printable
from cnncalc.memory.fit import Fit, Found
from cnncalc.render.columns import nbytes, number
from cnncalc.report import Report

SHORT = {"bfloat16": "bf16", "float16": "fp16"}


def render_text(report: Report, fit: Fit) -> str:
    setting = f"{fit.dtype}, {fit.optimizer}"
    if fit.amp:
        setting += f", autocast {SHORT.get(fit.amp, fit.amp)}"
    if not fit.inplace_relu:
        setting += ", ReLUs not in place"
    lines = [
        f"{printable(report.name)}: the largest batch whose predicted peak fits in "
        f"{nbytes(fit.limit)} ({number(fit.limit)} bytes; {setting})",
        _line("training ", fit.training, fit.limit),
        _line("inference", fit.inference, fit.limit),
        "(what torch allocates; the CUDA context, a few hundred MiB per process, comes on top)",
    ]
    return "\n".join(lines) + "\n"


def _line(what: str, found: Found, limit: int) -> str:
    if found.peak is None:
        return f"{what}  none: batch 1 needs {nbytes(found.over.bytes)}"
    spare, over = limit - found.peak.bytes, found.over.bytes - limit
    return (
        f"{what}  batch {number(found.batch)} (peak {nbytes(found.peak.bytes)}, "
        f"{nbytes(spare)} to spare; batch {number(found.batch + 1)} is {nbytes(over)} over)"
    )


def _found(found: Found) -> dict[str, Any]:
    return {
        "batch": found.batch,
        "peak_bytes": found.peak.bytes if found.peak is not None else None,
        "peak_at": found.peak.asjson() if found.peak is not None else None,
        "next_peak_bytes": found.over.bytes,
    }


def render_json(report: Report, fit: Fit) -> str:
    document = {
        "name": report.name,
        "fit": {
            "limit_bytes": fit.limit,
            "dtype": fit.dtype,
            "optimizer": fit.optimizer,
            "amp": fit.amp,
            "inplace_relu": fit.inplace_relu,
            "training": _found(fit.training),
            "inference": _found(fit.inference),
        },
    }
    return json_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
