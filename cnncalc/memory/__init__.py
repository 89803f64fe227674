"""PyTorch's memory for a report, op by op: one package, one module a job.

:mod:`.model` is the estimate people call (``estimate(report, batch, …)`` and
its :class:`~.model.Memory`, the dtypes, optimisers and autocast choices),
:mod:`.rules` what each op keeps and borrows (a kind's ``memory=``),
:mod:`.graph` the report's tree as the ops torch runs, :mod:`.walk` the live-set
walk of forward, backward and the optimiser's step, :mod:`.fit` the largest
batch that fits. The names of :mod:`.model` are this package's too, loaded on
first use: the layer kinds import :mod:`.rules` while the report, which the
model needs, is still importing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnncalc.memory.model import (
        AMP as AMP,
    )
    from cnncalc.memory.model import (
        DTYPES as DTYPES,
    )
    from cnncalc.memory.model import (
        OPTIMIZERS as OPTIMIZERS,
    )
    from cnncalc.memory.model import (
        Memory as Memory,
    )
    from cnncalc.memory.model import (
        activation_bytes as activation_bytes,
    )
    from cnncalc.memory.model import (
        estimate as estimate,
    )
    from cnncalc.memory.model import (
        naive_bytes as naive_bytes,
    )
    from cnncalc.memory.model import (
        torchinfo_bytes as torchinfo_bytes,
    )


def __getattr__(name: str) -> Any:
    import importlib

    model = importlib.import_module("cnncalc.memory.model")  # not "from .": that asks here again
    try:
        return getattr(model, name)
    except AttributeError:
        raise AttributeError(f"module 'cnncalc.memory' has no attribute '{name}'") from None
