"""Windowed attention and patch merging (Swin, issue 22): against torchvision's own
window attention modules (V1, V2's cosine attention, the video one), the code
``--emit torch`` writes, by-hand figures and the errors a user meets."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from cnncalc.memory import estimate

from conftest import invoke, need_torch, run, saved_bytes

torch = need_torch()
nn = torch.nn
FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torchvision") is None, reason="needs torchvision"
)

C = 12


def _torchvision(kind: str, window: list[int], shift: list[int], heads: int = 3) -> Any:
    from torchvision.models import swin_transformer as swin  # type: ignore[import-not-found]
    from torchvision.models.video import swin_transformer as video  # type: ignore[import-not-found]

    make = {
        "v1": swin.ShiftedWindowAttention,
        "v2": swin.ShiftedWindowAttentionV2,
        "3d": video.ShiftedWindowAttention3d,
    }[kind]
    return make(C, window, shift, heads)


class ChannelsLast(nn.Module):  # type: ignore[misc]
    def forward(self, x: Any) -> Any:
        return x.permute(0, *range(2, x.dim()), 1)


def _figures(net: Any, shape: tuple[int, ...], batch: int) -> tuple[int, int, int, int]:
    """Params, buffers, FlopCounterMode's MACs at batch 1 (eval), and the bytes
    autograd saves at ``batch`` (training; parameters and buffers left out)."""
    params = sum(p.numel() for p in net.parameters())
    buffers = sum(b.numel() for b in net.buffers())
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net.eval()(torch.randn(1, *shape))
    kept = saved_bytes(net.train(), torch.randn(batch, *shape))
    return params, buffers, int(counter.get_total_flops() // 2), kept


# (spec, the map's H×W or T×H×W, torchvision's module); a Linear first, so that the
# attention's input needs a gradient, as in a network
CASES = [
    ("windowattention 3 w7", (14, 14), ("v1", [7, 7], [0, 0])),
    ("windowattention 3 w7 shift3", (14, 14), ("v1", [7, 7], [3, 3])),
    ("windowattention 3 w7 shift3", (10, 10), ("v1", [7, 7], [3, 3])),  # padded to 14
    ("windowattention 3 w7 shift3", (7, 7), ("v1", [7, 7], [3, 3])),  # one window: no shift
    ("windowattention 3 w7 shift3", (5, 9), ("v1", [7, 7], [3, 3])),
    ("windowattention 3 w8 shift4 cosine", (16, 16), ("v2", [8, 8], [4, 4])),
    ("windowattention 3 w8 cosine", (8, 8), ("v2", [8, 8], [0, 0])),
    ("windowattention 3 w8x7x7 shift4x3x3", (4, 14, 14), ("3d", [8, 7, 7], [4, 3, 3])),
    ("windowattention 3 w8x7x7 shift4x3x3", (8, 7, 7), ("3d", [8, 7, 7], [4, 3, 3])),
    ("windowattention 3 w2x7x7 shift1x3x3", (4, 14, 14), ("3d", [2, 7, 7], [1, 3, 3])),
]


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize(("spec", "sizes", "module"), CASES)
def test_window_attention_is_torchvisions(
    spec: str, sizes: tuple[int, ...], module: tuple[str, list[int], list[int]], batch: int
) -> None:
    shape = (C, *sizes)
    order = ",".join(map(str, range(1, len(shape)))) + ",0"
    report = run(f"permute {order} | fc {C} | {spec}", *shape)
    ours = (
        report.total.params,
        report.total.buffers,
        report.total.macs,
        estimate(report, batch=batch).kept_bytes,
    )
    net = nn.Sequential(ChannelsLast(), nn.Linear(C, C), _torchvision(*module))
    assert ours == _figures(net, shape, batch)


@pytest.mark.parametrize(("spec", "sizes", "module"), CASES[1::2])
def test_emitted_window_attention_counts_as_torchvisions(
    spec: str, sizes: tuple[int, ...], module: tuple[str, list[int], list[int]]
) -> None:
    """The WindowAttention ``--emit torch`` writes has torchvision's params,
    buffers, MACs and saved tensors, and its output shape."""
    shape = (C, *sizes)
    order = ",".join(map(str, range(1, len(shape)))) + ",0"
    dims = "x".join(map(str, shape))
    code, source, err = invoke(
        f"permute {order} | fc {C} | {spec}", "--input", dims, "--emit", "torch"
    )
    assert code == 0, err
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    emitted = namespace["Net"]()
    net = nn.Sequential(ChannelsLast(), nn.Linear(C, C), _torchvision(*module))
    assert _figures(emitted, shape, 2) == _figures(net, shape, 2)
    out = emitted.eval()(torch.randn(2, *shape))
    assert tuple(out.shape[1:]) == (*sizes, C)


def test_swin_t_block_by_hand() -> None:
    """A Swin-T block's attention at 56×56, 96 features, 3 heads, 7×7 windows:
    params 4·96² + 4·96 + 13²·3 = 36,864 + 384 + 507 = 37,755; buffers 49² = 2,401;
    64 windows of 49 tokens: MACs 4·3,136·96² + 2·64·49²·96 = 115,605,504 +
    29,503,488 = 145,108,992 (torchvision's swin_t at 224 is 4.491 GMACs in all)."""
    report = run("permute 1,2,0 | windowattention 3 w7 shift3", 96, 56, 56)
    layer = report.layers[-1]
    assert (layer.costs.params, layer.costs.buffers) == (37_755, 2_401)
    assert layer.costs.macs == 145_108_992
    code, out, _ = invoke(
        "permute 1,2,0 | windowattention 3 w7 shift3", "-i", "96x56x56", "--explain"
    )
    assert code == 0
    assert "in 8 × 8 = 64 windows of 7 × 7 = 49 tokens" in out
    assert "= 145,108,992" in out


def test_merge_is_torchvisions_patch_merging() -> None:
    """torchvision's PatchMerging on odd sizes (padded first) and on a video (T kept):
    its norm and Linear are `layernorm | fc 2C nobias` after `merge`."""
    from torchvision.models.swin_transformer import PatchMerging  # type: ignore[import-not-found]

    for sizes in [(15, 14), (4, 7, 7)]:
        shape = (C, *sizes)
        order = ",".join(map(str, range(1, len(shape)))) + ",0"
        report = run(f"permute {order} | merge | layernorm | fc {2 * C} nobias", *shape)
        net = nn.Sequential(ChannelsLast(), PatchMerging(C))
        params, _, macs, kept = _figures(net, shape, 2)
        assert (report.total.params, report.total.macs) == (params, macs)
        out = net(torch.randn(1, *shape))
        assert report.output_shape == tuple(out.shape[1:])
        assert estimate(report, batch=2).kept_bytes == kept


@pytest.mark.parametrize(
    ("spec", "dims", "message"),
    [
        ("permute 1,2,0 | windowattention 3", "12x14x14", "needs its window: write w7"),
        ("permute 1,2,0 | windowattention 3 w7 shift7", "12x14x14", "less than the window, 7"),
        ("permute 1,2,0 | windowattention 5 w7", "12x14x14", "5 heads must divide the 12"),
        ("permute 1,2,0 | windowattention 3 w7x7x7", "12x14x14", "3 sizes for 2 axes"),
        ("permute 1,2,3,0 | windowattention 3 w7 cosine", "12x4x14x14", "for 2-D maps"),
        ("conv 12x3x3 | windowattention 3 w7", "3x14x14", "'permute 1,2,0' a map"),
        ("conv 12x3x3 | merge", "3x14x14", "'permute 1,2,0' a map with its channels last"),
        ("conv 12x3x3 | tokens | merge | conv 4x3", "3x14x14", "'untokens HxW' turns it back"),
    ],
)
def test_window_errors_say_what_to_write(spec: str, dims: str, message: str) -> None:
    code, out, err = invoke(spec, "--input", dims)
    assert code == 2 and out == ""
    assert message in err, err
    assert err.startswith("error: ") and "Traceback" not in err
