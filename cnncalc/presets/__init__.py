"""Presets: YAML spec files shipped inside the package, in the user format.

A preset is found by its file name; nothing is parsed until it is asked for.
Next to each ``NAME.yaml`` lies ``NAME.parsed.json``, its parsed form (see
:mod:`cnncalc.codec`) with a copy of the YAML it came from: a preset loads
without PyYAML while the copy equals the file, and from the YAML as soon as it
does not. (A copy rather than a checksum: comparing text is free, while zlib's
crc32 cost a tenth of a CLI call's own time to import.)
``python -m cnncalc.presets`` writes them anew.

A family's presets share one file, ``FAMILY.family.yaml``: its layers once, with
``{...}`` parameters, and a ``variants:`` table of each preset's name and
parameters (see the README's "Presets"). Each variant has its own
``NAME.parsed.json`` (its source: the family file's text), and
``_variants.parsed.json`` records which family file holds which names, with a
copy of each family file: a variant is found without PyYAML while the copy
equals the file, and from the file as soon as it does not.

Plain ``os.path`` finds the files: ``importlib.resources`` would cost more to
import than the rest of a CLI call.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from cnncalc.layer import DEFAULT_MAX_LAYERS, Model

FOLDER = os.path.dirname(os.path.abspath(__file__))
FORMAT = 2
_SUFFIX = ".yaml"
_PARSED = ".parsed.json"
_FAMILY = ".family.yaml"
_INDEX = "_variants.parsed.json"
_NAME = re.compile(r"[A-Za-z0-9][\w.-]{0,63}")


FAMILIES: dict[str, tuple[str, ...]] = {
    "LeNet and AlexNet": ("lenet5", "lenet5-modern", "alexnet"),
    "VGG": ("vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"),
    "ResNet": (
        "resnet18",
        "resnet34",
        "resnet50",
        "resnet101",
        "resnet152",
        "resnext50_32x4d",
        "resnext101_32x8d",
        "resnext101_64x4d",
        "wide_resnet50_2",
        "wide_resnet101_2",
    ),
    "DenseNet": ("densenet121", "densenet161", "densenet169", "densenet201"),
    "Inception": ("googlenet", "inception_v3"),
    "mobile and small": (
        "mobilenet_v2",
        "mnasnet0_5",
        "mnasnet0_75",
        "mnasnet1_0",
        "mnasnet1_3",
        "squeezenet1_0",
        "squeezenet1_1",
    ),
    "ShuffleNet": (
        "shufflenet_v2_x0_5",
        "shufflenet_v2_x1_0",
        "shufflenet_v2_x1_5",
        "shufflenet_v2_x2_0",
    ),
    "MobileNetV3": ("mobilenet_v3_large", "mobilenet_v3_small"),
    "EfficientNet": (
        *(f"efficientnet_b{i}" for i in range(8)),
        "efficientnet_v2_s",
        "efficientnet_v2_m",
        "efficientnet_v2_l",
    ),
    "RegNet": tuple(
        f"regnet_{xy}_{size}"
        for xy, sizes in (
            ("x", ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")),
            ("y", ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf", "128gf")),
        )
        for size in sizes
    ),
    "ConvNeXt": ("convnext_tiny", "convnext_small", "convnext_base", "convnext_large"),
    "Vision Transformer": ("vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14"),
    "Swin Transformer": ("swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b"),
    "segmentation": (
        "fcn_resnet50",
        "fcn_resnet101",
        "deeplabv3_resnet50",
        "deeplabv3_resnet101",
        "deeplabv3_mobilenet_v3_large",
        "lraspp_mobilenet_v3_large",
        "unet",
    ),
    "video": ("r3d_18", "mc3_18", "r2plus1d_18", "s3d", "swin3d_t", "swin3d_s", "swin3d_b"),
    "text": (
        "charcnn",
        "kim2014",
        "charcnn_zhang2015_small",
        "charcnn_zhang2015_large",
        "bert_base",
    ),
    "speech": ("abdelhamid2014",),
    "GAN": ("dcgan_generator", "dcgan_discriminator"),
    "teaching": ("slides",),
}
"""Each preset's family, for ``cnncalc presets``; in this order, and each family's
presets in the order given. A preset missing here is listed under ``OTHER``."""
OTHER = "other"


def families() -> list[tuple[str, list[str]]]:
    """The presets grouped by family: the families of FAMILIES that have a preset,
    then any presets in no family, under OTHER."""
    present = set(names())
    groups = [
        (family, [n for n in members if n in present]) for family, members in FAMILIES.items()
    ]
    placed = {n for _, members in groups for n in members}
    rest = sorted(present - placed)
    return [(f, members) for f, members in groups if members] + ([(OTHER, rest)] if rest else [])


def names() -> list[str]:
    """Every preset: the single files' and the family files' variants."""
    return sorted([*_singles(), *_variants()])


def _singles() -> list[str]:
    return [
        f[: -len(_SUFFIX)]
        for f in os.listdir(FOLDER)
        if f.endswith(_SUFFIX) and not f.endswith(_FAMILY)
    ]


def family_files() -> list[str]:
    """The family files' paths."""
    return sorted(os.path.join(FOLDER, f) for f in os.listdir(FOLDER) if f.endswith(_FAMILY))


def _variants() -> dict[str, str]:
    """Each family variant's name → its family file's path: from the index while
    its copy of a family file equals the file, else read from the file."""
    index = _read_json(os.path.join(FOLDER, _INDEX)) or {}
    stored = index.get("families", {}) if index.get("format") == FORMAT else {}
    found: dict[str, str] = {}
    for path in family_files():
        with open(path, encoding="utf-8") as f:
            text = f.read()
        entry = stored.get(os.path.basename(path))
        if isinstance(entry, dict) and entry.get("source") == text:
            variants = list(entry.get("variants", []))
        else:
            from cnncalc.readers import yamlspec

            variants = yamlspec.variants(text, path)
        found.update((name, path) for name in variants if name not in found)
    return found


def find(name: str) -> str | None:
    """The preset's YAML path, or None. Case-insensitive; '-' and '_' match. A
    family's variant has no file of its own: its path is the one it would have
    (``FOLDER/NAME.yaml``), which :func:`read` and :func:`files` resolve to its
    family file."""
    if not _NAME.fullmatch(name):
        return None
    wanted = name.lower().replace("_", "-")
    candidates = (wanted, wanted.replace("-", "_"))
    for candidate in candidates:
        path = os.path.join(FOLDER, candidate + _SUFFIX)
        if os.path.isfile(path) and not path.endswith(_FAMILY):
            return path
    variants = _variants()
    for candidate in candidates:
        if candidate in variants:
            return os.path.join(FOLDER, candidate + _SUFFIX)
    return None


def source_path(path: str) -> str:
    """The file a preset at ``path`` (as :func:`find` gives it) is written in: its
    own YAML, or its family file."""
    if os.path.isfile(path):
        return path
    family = _variants().get(os.path.basename(path)[: -len(_SUFFIX)])
    return family if family is not None else path


def files(path: str) -> list[str]:
    """The files the preset at ``path`` is read from: its YAML (or family file)
    and its parsed form."""
    return [source_path(path), parsed_path(path)]


def read(name: str) -> str:
    """The preset's YAML text (a variant's: its family file's)."""
    path = find(name)
    if path is None:
        raise KeyError(name)
    with open(source_path(path), encoding="utf-8") as f:
        return f.read()


def load(name: str, max_layers: int = DEFAULT_MAX_LAYERS) -> Model:
    """The preset's model: from its parsed form when that is current, else its YAML."""
    from cnncalc import codec

    path = find(name)
    if path is None:
        raise KeyError(name)
    text = read(name)
    stored = _stored(path)
    if stored is not None and current(stored, text):
        return codec.decode(stored["model"])
    return parse(path, text, max_layers)


def parse(path: str, text: str, max_layers: int = DEFAULT_MAX_LAYERS) -> Model:
    """The model of the preset at ``path`` from its YAML ``text``: a family
    file's text is read for the variant the path names."""
    from cnncalc.readers import yamlspec

    name = os.path.basename(path)[: -len(_SUFFIX)]
    variant = None if os.path.isfile(path) else name
    return yamlspec.load(text, f"preset {name}", max_layers, variant=variant)


def current(stored: dict[str, Any], text: str) -> bool:
    """Whether a stored parsed form was made from ``text`` by this format."""
    return stored.get("format") == FORMAT and stored.get("source") == text


def parsed_path(path: str) -> str:
    """Where the parsed form of the preset at ``path`` lies (a file a run reads too)."""
    return path[: -len(_SUFFIX)] + _PARSED


def _stored(path: str) -> dict[str, Any] | None:
    return _read_json(parsed_path(path))


def _read_json(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_parsed() -> list[str]:
    """Write every preset's parsed form; return the files written."""
    from cnncalc import codec
    from cnncalc.readers import yamlspec

    written = []
    index: dict[str, Any] = {}
    for family in family_files():
        with open(family, encoding="utf-8") as f:
            text = f.read()
        index[os.path.basename(family)] = {
            "source": text,
            "variants": yamlspec.variants(text, family),
        }
    target = os.path.join(FOLDER, _INDEX)
    with open(target, "w", encoding="utf-8") as f:
        json.dump({"format": FORMAT, "families": index}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    written.append(target)
    for name in names():
        path = os.path.join(FOLDER, name + _SUFFIX)
        text = read(name)
        data = {"format": FORMAT, "source": text, "model": codec.encode(parse(path, text))}
        target = parsed_path(path)
        with open(target, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        written.append(target)
    return written
