"""Typed, validated parameters: one loader that every stage uses to read its own section.

Each section of ``params.yaml`` is described by a frozen dataclass. Field types drive the
validation (``int``, ``float``, ``bool``, ``str``, ``Literal``, ``list``, ``dict``, nested
dataclasses, ``| None``); ``Annotated[..., Range(...)]`` adds bounds. Every error names the
dotted key, the offending value and what is allowed, so a user can fix ``params.yaml``
without reading code. Validation happens before a stage touches any output.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml

from transferlab.errors import ParamsError

T = TypeVar("T")

DEFAULT_PARAMS_FILE = Path("params.yaml")


@dataclass(frozen=True)
class Range:
    """Inclusive (``ge``/``le``) or exclusive (``gt``/``lt``) bounds for a number."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    def describe(self) -> str:
        parts = []
        for op, bound in ((">=", self.ge), (">", self.gt), ("<=", self.le), ("<", self.lt)):
            if bound is not None:
                parts.append(f"{op} {bound:g}")
        return " and ".join(parts)

    def admits(self, value: float) -> bool:
        return not (
            (self.ge is not None and value < self.ge)
            or (self.gt is not None and value <= self.gt)
            or (self.le is not None and value > self.le)
            or (self.lt is not None and value >= self.lt)
        )


PositiveInt = Annotated[int, Range(ge=1)]
NonNegativeInt = Annotated[int, Range(ge=0)]
PositiveFloat = Annotated[float, Range(gt=0)]
NonNegativeFloat = Annotated[float, Range(ge=0)]
Probability = Annotated[float, Range(ge=0, le=1)]


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Annotated:
        base, *meta = get_args(tp)
        bounds = " and ".join(m.describe() for m in meta if isinstance(m, Range))
        return f"{_type_name(base)} {bounds}".strip()
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp))
    if origin is list:
        return f"a list of {_type_name(get_args(tp)[0])}"
    if origin is dict:
        return f"a mapping of names to {_type_name(get_args(tp)[1])}"
    if dataclasses.is_dataclass(tp):
        return "a mapping with keys " + ", ".join(f.name for f in dataclasses.fields(tp))
    if tp is type(None):
        return "null"
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _fail(key: str, value: Any, tp: Any, why: str = "") -> ParamsError:
    detail = f" ({why})" if why else ""
    return ParamsError(f"params: {key} = {value!r} is invalid{detail}; allowed: {_type_name(tp)}")


def parse(tp: Any, value: Any, key: str) -> Any:
    """Convert ``value`` read from YAML at dotted ``key`` into type ``tp``, or raise ParamsError."""
    origin = get_origin(tp)
    if origin is Annotated:
        base, *meta = get_args(tp)
        out = parse(base, value, key)
        for m in meta:
            if isinstance(m, Range) and not m.admits(out):
                raise _fail(key, value, tp, f"must be {m.describe()}")
        return out
    if origin is Literal:
        if value not in get_args(tp):
            raise _fail(key, value, tp)
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return parse(arg, value, key)
            except ParamsError:
                continue
        raise _fail(key, value, tp)
    if origin is list:
        if not isinstance(value, list):
            raise _fail(key, value, tp, "expected a list")
        (item_tp,) = get_args(tp)
        return [parse(item_tp, v, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise _fail(key, value, tp, "expected a mapping")
        key_tp, item_tp = get_args(tp)
        return {
            parse(key_tp, k, f"{key} key"): parse(item_tp, v, f"{key}.{k}")
            for k, v in value.items()
        }
    if dataclasses.is_dataclass(tp):
        return parse_dataclass(tp, value, key)
    if tp is bool:
        if not isinstance(value, bool):
            raise _fail(key, value, tp)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(key, value, tp)
        return value
    if tp is float:
        # YAML reads "1e-3" as a string (YAML 1.1); accept it as a number as users expect.
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise _fail(key, value, tp) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(key, value, tp)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise _fail(key, value, tp)
        return value
    raise TypeError(f"params schema at {key}: unsupported type {tp!r}")


def parse_dataclass(cls: type[T], value: Any, key: str) -> T:
    """Build dataclass ``cls`` from a mapping; unknown and missing keys are errors."""
    if not isinstance(value, Mapping):
        raise _fail(key, value, cls, "expected a mapping")
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise ParamsError(
            f"params: unknown key {key}.{unknown[0]}; allowed keys under {key}: "
            + ", ".join(fields)
        )
    kwargs = {}
    for name, f in fields.items():
        sub = f"{key}.{name}"
        if name in value:
            kwargs[name] = parse(hints[name], value[name], sub)
        elif f.default is not dataclasses.MISSING:
            kwargs[name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            kwargs[name] = f.default_factory()
        else:
            raise ParamsError(f"params: missing key {sub}; expected {_type_name(hints[name])}")
    return cls(**kwargs)


def read_yaml(path: Path | str = DEFAULT_PARAMS_FILE) -> dict[str, Any]:
    """Read a params file; a missing or malformed file is a ParamsError."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ParamsError(f"params: file {path} not found (run from the repository root)") from None
    except yaml.YAMLError as e:
        raise ParamsError(f"params: {path} is not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"params: {path} must hold a mapping at the top level")
    return data


def lookup(data: Mapping[str, Any], dotted: str) -> Any:
    """Return the value at a dotted key such as ``finetune.variants.fc``."""
    node: Any = data
    walked = []
    for part in dotted.split("."):
        walked.append(part)
        if not isinstance(node, Mapping) or part not in node:
            raise ParamsError(f"params: missing key {'.'.join(walked)}")
        node = node[part]
    return node


def named_entry(data: Mapping[str, Any], parent: str, name: str, what: str) -> tuple[str, Any]:
    """(dotted key, value) of entry ``name`` of the mapping at ``parent``; lists defined names."""
    entries = lookup(data, parent)
    if not isinstance(entries, Mapping) or name not in entries:
        known = ", ".join(entries) if isinstance(entries, Mapping) else "none"
        raise ParamsError(f"params: no {what} {parent}.{name}; defined: {known}")
    return f"{parent}.{name}", entries[name]


def check_dataset(dataset: str, family: str) -> None:
    """A stage's dataset argument must name a prepared dataset."""
    from transferlab.data.classes import DATASET_NAMES

    if dataset not in DATASET_NAMES:
        raise ParamsError(
            f"params: {family} dataset {dataset!r} is unknown; allowed: {', '.join(DATASET_NAMES)}"
        )


def load_section(cls: type[T], dotted: str, path: Path | str = DEFAULT_PARAMS_FILE) -> T:
    """Read and validate the section at ``dotted`` of the params file as ``cls``."""
    return parse_dataclass(cls, lookup(read_yaml(path), dotted), dotted)


def to_dict(params: Any) -> dict[str, Any]:
    """Plain-dict view of validated params, for recording in metrics files."""
    return dataclasses.asdict(params)


# --------------------------------------------------------------------------------------
# Section schemas. Each stage reads exactly one of these (see dvc.yaml `params:`).
# --------------------------------------------------------------------------------------

Device = Literal["auto", "cuda", "cpu"]


@dataclass(frozen=True)
class SyntheticDataParams:
    """Sizes of the generated stand-in for CIFAR (``data.source: synthetic``)."""

    train_size: PositiveInt
    test_size: PositiveInt
    seed: NonNegativeInt


@dataclass(frozen=True)
class DataParams:
    """``data.*``: where the prepared arrays come from."""

    source: Literal["download", "synthetic"]
    synthetic: SyntheticDataParams


@dataclass(frozen=True)
class PretrainedParams:
    """``pretrained.*``: the ResNet-18 and CLIP weights every later stage starts from."""

    source: Literal["download", "random"]
    size: Literal["full", "tiny"]
    seed: NonNegativeInt
    resnet_weights: str
    clip_model: str


@dataclass(frozen=True)
class BenchmarkParams:
    """``benchmark.*``: the model comparison (study part 1.1)."""

    device: Device
    models: list[str]
    batch_size: PositiveInt  # images per timed forward (the study used 8)
    memory_batch_size: PositiveInt  # images per forward when measuring memory
    warmup: NonNegativeInt  # untimed passes before timing, per model and mode
    repeats: PositiveInt  # timed passes, per model and mode: median and IQR over these
    image_size: PositiveInt | None  # None: each model's own size from its weights' transforms
    precision: Literal["fp32", "bf16"]  # bf16: torch.autocast
    channels_last: bool
    seed: NonNegativeInt


@dataclass(frozen=True)
class FinetuneCommonParams:
    """``finetune.common``: the study's ResNet-18 fine-tuning setup, shared by all variants."""

    device: Device
    dataset: Literal["cifar10", "cifar100"]
    epochs: PositiveInt
    batch_size: PositiveInt
    lr: PositiveFloat
    weight_decay: NonNegativeFloat
    seed: NonNegativeInt
    val_size: PositiveFloat  # an integer is a count, a fraction in (0, 1) a share of train
    image_size: PositiveInt
    interpolation: Literal["bilinear", "bicubic"]
    mean: list[float]
    std: list[PositiveFloat]
    fc_init_std: PositiveFloat
    frozen_bn: Literal["eval", "train"]  # train: model.train(), frozen BN statistics update
    cache_features: bool  # cache the frozen prefix's output when that is exact
    cache_memory_gb: NonNegativeFloat  # device memory the cache may use
    precision: Literal["auto", "fp32", "bf16"]  # auto: bf16 autocast on CUDA, fp32 on CPU
    channels_last: bool  # applied on CUDA only
    eval_batch_size: PositiveInt
    noise_std: NonNegativeFloat  # test-time Gaussian noise after normalisation


@dataclass(frozen=True)
class FinetuneVariantParams:
    """``finetune.variants.<name>``: what a variant trains, its augmentation, its overrides."""

    trainable: list[str]  # module-name prefixes, e.g. fc, layer4.1.conv2
    hflip: Probability  # probability of a horizontal flip per training image
    lr: PositiveFloat | None = None
    epochs: PositiveInt | None = None
    batch_size: PositiveInt | None = None
    weight_decay: NonNegativeFloat | None = None


OVERRIDABLE = ("lr", "epochs", "batch_size", "weight_decay")


@dataclass(frozen=True)
class FinetuneConfig:
    """One variant's effective settings.

    ``settings`` is ``finetune.common`` with the variant's overrides applied; ``variant`` is the
    variant's own entry (trainable prefixes, augmentation).
    """

    name: str
    settings: FinetuneCommonParams
    variant: FinetuneVariantParams

    def as_dict(self) -> dict[str, Any]:
        """Flat record of everything the run used, for metrics files and resume fingerprints."""
        overrides = [k for k in OVERRIDABLE if getattr(self.variant, k) is not None]
        return {
            "variant": self.name,
            **to_dict(self.settings),
            "trainable": self.variant.trainable,
            "hflip": self.variant.hflip,
            "overridden": overrides,
        }


def load_finetune_config(variant: str, path: Path | str = DEFAULT_PARAMS_FILE) -> FinetuneConfig:
    """Validate ``finetune.common`` and ``finetune.variants.<variant>`` (and nothing else)."""
    data = read_yaml(path)
    common = parse_dataclass(
        FinetuneCommonParams, lookup(data, "finetune.common"), "finetune.common"
    )
    key, entry = named_entry(data, "finetune.variants", variant, "variant")
    spec = parse_dataclass(FinetuneVariantParams, entry, key)
    if not spec.trainable:
        raise ParamsError(f"params: {key}.trainable = [] is invalid; allowed: module-name prefixes")
    for name, values in (("mean", common.mean), ("std", common.std)):
        if len(values) != 3:
            raise ParamsError(
                f"params: finetune.common.{name} = {values!r} is invalid; allowed: 3 numbers (RGB)"
            )
    overrides = {k: getattr(spec, k) for k in OVERRIDABLE if getattr(spec, k) is not None}
    return FinetuneConfig(variant, dataclasses.replace(common, **overrides), spec)


@dataclass(frozen=True)
class ProbeParams:
    """A custom question for CLIP: answers are ``template`` filled with each label."""

    template: str
    labels: list[str]


@dataclass(frozen=True)
class ZeroshotCommonParams:
    """``zeroshot.common``: settings every zero-shot stage reads."""

    device: Device
    batch_size: PositiveInt
    precision: Literal["auto", "fp32", "bf16", "fp16"]  # auto: bf16 autocast on CUDA
    noise_std: NonNegativeFloat  # test top-1 again with N(0, std^2) after normalisation
    seed: NonNegativeInt  # noise and the choice of probe images
    probe_images: NonNegativeInt  # test images in the probe grid (0: no grid)
    probes: dict[str, ProbeParams]


@dataclass(frozen=True)
class ZeroshotConfig:
    """One zero-shot stage: dataset, prompt set name, its templates, common settings."""

    dataset: str
    prompt_set: str
    templates: list[str]
    settings: ZeroshotCommonParams

    @property
    def key(self) -> str:
        return f"{self.dataset}-{self.prompt_set}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "prompt_set": self.prompt_set,
            "templates": self.templates,
            **to_dict(self.settings),
        }


def load_zeroshot_config(
    dataset: str, prompt_set: str, path: Path | str = DEFAULT_PARAMS_FILE
) -> ZeroshotConfig:
    """Validate ``zeroshot.common`` and ``zeroshot.prompts.<prompt_set>`` (and nothing else)."""
    from transferlab.clip.text import check_templates

    check_dataset(dataset, "zeroshot")
    data = read_yaml(path)
    common = parse_dataclass(
        ZeroshotCommonParams, lookup(data, "zeroshot.common"), "zeroshot.common"
    )
    key, entry = named_entry(data, "zeroshot.prompts", prompt_set, "prompt set")
    templates = parse(list[str], entry, key)
    check_templates(templates, key)
    for name, probe in common.probes.items():
        check_templates([probe.template], f"zeroshot.common.probes.{name}.template")
        if len(probe.labels) < 2:
            raise ParamsError(
                f"params: zeroshot.common.probes.{name}.labels = {probe.labels!r} is invalid; "
                "allowed: two or more labels"
            )
    return ZeroshotConfig(dataset, prompt_set, templates, common)


@dataclass(frozen=True)
class PromptCommonParams:
    """``prompt.common``: the study's visual-prompt training set-up, shared by all methods."""

    device: Device
    epochs: PositiveInt
    batch_size: PositiveInt
    lr: PositiveFloat  # SGD
    momentum: Annotated[float, Range(ge=0, lt=1)]
    weight_decay: NonNegativeFloat
    warmup_steps: NonNegativeInt  # linear warm-up, then cosine decay per step
    val_size: PositiveFloat  # fraction in (0, 1) or a count, carved from train with `seed`
    seed: NonNegativeInt
    template: str
    eval_batch_size: PositiveInt
    precision: Literal["auto", "fp32", "bf16", "fp16"]
    noise_std: NonNegativeFloat  # test top-1 again with N(0, std^2) after normalisation
    cross_dataset: bool  # also evaluate on the 110 classes of CIFAR-10 + CIFAR-100


@dataclass(frozen=True)
class PromptMethodParams:
    """``prompt.methods.<name>``: which prompt, its shape, and optional overrides."""

    type: Literal["padding", "fixed_patch", "random_patch", "deep"]
    size: PositiveInt | None = None  # padding width or patch side, in pixels
    tokens: int | None = None  # deep: number of prompt tokens
    layer: NonNegativeInt | None = None  # deep: insert before this encoder layer
    lr: PositiveFloat | None = None
    epochs: PositiveInt | None = None
    batch_size: PositiveInt | None = None


PROMPT_OVERRIDABLE = ("lr", "epochs", "batch_size")


@dataclass(frozen=True)
class PromptConfig:
    """One prompt stage: dataset, method name and entry, common settings with overrides."""

    dataset: str
    name: str
    method: PromptMethodParams
    settings: PromptCommonParams

    @property
    def key(self) -> str:
        return f"{self.dataset}-{self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "method_name": self.name, **to_dict(self.settings),
                "method": to_dict(self.method)}  # fmt: skip


def load_prompt_config(
    dataset: str, method: str, path: Path | str = DEFAULT_PARAMS_FILE
) -> PromptConfig:
    """Validate ``prompt.common`` and ``prompt.methods.<method>`` (and nothing else)."""
    from transferlab.clip.text import check_templates

    check_dataset(dataset, "prompt")
    data = read_yaml(path)
    common = parse_dataclass(PromptCommonParams, lookup(data, "prompt.common"), "prompt.common")
    check_templates([common.template], "prompt.common.template")
    key, entry = named_entry(data, "prompt.methods", method, "prompt method")
    spec = parse_dataclass(PromptMethodParams, entry, key)
    needed = {"padding": ("size",), "fixed_patch": ("size",), "random_patch": ("size",),
              "deep": ("tokens", "layer")}[spec.type]  # fmt: skip
    for field_name in needed:
        if getattr(spec, field_name) is None:
            raise ParamsError(
                f"params: missing key {key}.{field_name} (needed by type {spec.type!r})"
            )
    if spec.type == "deep" and spec.tokens < 1:
        raise ParamsError(f"params: {key}.tokens = {spec.tokens} is invalid; allowed: >= 1")
    overrides = {k: getattr(spec, k) for k in PROMPT_OVERRIDABLE if getattr(spec, k) is not None}
    return PromptConfig(dataset, method, spec, dataclasses.replace(common, **overrides))
