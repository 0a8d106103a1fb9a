"""torchvision classification models: names, published ImageNet metadata, random instances.

Accuracy, GFLOPs and parameter counts come from torchvision's weights metadata, which ships
with the library: no download is needed. Timings use randomly initialised weights, since the
compute of a forward pass does not depend on the weight values.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torchvision.models
from torch import nn
from torchvision.models import get_model, get_model_weights, list_models

from transferlab.errors import ParamsError


def classification_models() -> list[str]:
    """Names of torchvision's ImageNet classification models."""
    return list_models(module=torchvision.models)


def validate_model_names(names: list[str], key: str = "benchmark.models") -> None:
    """Raise a ParamsError naming the first unknown or repeated model, listing valid names."""
    if not names:
        raise ParamsError(f"params: {key} = [] is invalid; allowed: a non-empty list of models")
    valid = classification_models()
    for i, name in enumerate(names):
        if name not in valid:
            raise ParamsError(
                f"params: {key}[{i}] = {name!r} is not a torchvision classification model; "
                f"allowed: {', '.join(valid)}"
            )
        if name in names[:i]:
            raise ParamsError(f"params: {key}[{i}] = {name!r} is listed twice")


@dataclass(frozen=True)
class ModelInfo:
    """What torchvision publishes about a model's default ImageNet weights."""

    name: str
    weights: str
    top1: float
    top5: float
    gflops: float
    num_params: int
    input_size: int


def model_info(name: str) -> ModelInfo:
    """Metadata of ``name``'s default weights (top-1/top-5 in %, GFLOPs at its input size)."""
    weights = get_model_weights(name).DEFAULT
    metrics = weights.meta["_metrics"]["ImageNet-1K"]
    return ModelInfo(
        name=name,
        weights=str(weights),
        top1=float(metrics["acc@1"]),
        top5=float(metrics["acc@5"]),
        gflops=float(weights.meta["_ops"]),
        num_params=int(weights.meta["num_params"]),
        input_size=int(weights.transforms().crop_size[0]),
    )


def build_random_model(name: str, seed: int, image_size: int | None = None) -> nn.Module:
    """Seeded, randomly initialised ``name`` in eval mode.

    Vision transformers fix their input size at construction, so an ``image_size`` override
    is passed to them; convolutional models adapt to any size through global pooling.
    """
    torch.manual_seed(seed)
    kwargs = {"image_size": image_size} if image_size and name.startswith("vit_") else {}
    return get_model(name, weights=None, **kwargs).eval()


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(total, trainable) parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable
