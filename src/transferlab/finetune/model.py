"""The fine-tuned ResNet-18: new classifier, trainable parameters, frozen prefix, BN modes."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from transferlab.errors import ParamsError
from transferlab.pretrained.resnet import load_resnet18


def build_classifier(
    resnet_file: Path | str, num_classes: int, fc_init_std: float, seed: int
) -> tuple[nn.Module, dict]:
    """Pretrained ResNet-18 with a new ``fc`` for ``num_classes``: N(0, std) weights, zero bias."""
    model, meta = load_resnet18(resnet_file)
    fc = nn.Linear(model.fc.in_features, num_classes)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        fc.weight.normal_(0.0, fc_init_std, generator=g)
        fc.bias.zero_()
    model.fc = fc
    return model, meta


def trainable_parameter_names(
    model: nn.Module, prefixes: list[str], key: str = "trainable"
) -> list[str]:
    """Parameters under the given module names; an unknown name lists the valid ones."""
    modules = [name for name, _ in model.named_modules() if name]
    selected = []
    for i, prefix in enumerate(prefixes):
        if prefix not in modules:
            raise ParamsError(
                f"params: {key}[{i}] = {prefix!r} is not a module of ResNet-18; allowed: "
                + ", ".join(modules)
            )
        names = [n for n, _ in model.named_parameters() if n.startswith(prefix + ".")]
        if not names:
            raise ParamsError(f"params: {key}[{i}] = {prefix!r} has no parameters to train")
        selected += [n for n in names if n not in selected]
    return selected


def freeze_all_but(model: nn.Module, names: list[str]) -> None:
    """Only the parameters in ``names`` require gradients."""
    keep = set(names)
    for name, param in model.named_parameters():
        param.requires_grad_(name in keep)


def set_train_mode(model: nn.Module, frozen_bn: str) -> None:
    """Frozen modules in eval mode, modules with trainable parameters in train mode.

    ``frozen_bn="train"`` reproduces the common ``model.train()`` set-up instead, where frozen
    BatchNorm layers normalise with batch statistics and update their running statistics.
    """
    if frozen_bn == "train":
        model.train()
        return
    model.eval()
    for module in model.modules():
        if any(p.requires_grad for p in module.parameters(recurse=False)):
            module.train()


def resnet_blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """ResNet's forward as a flat list of named steps (torchvision's ``_forward_impl`` order)."""
    blocks: list[tuple[str, nn.Module]] = [
        ("conv1", model.conv1), ("bn1", model.bn1), ("relu", model.relu), ("maxpool", model.maxpool)
    ]  # fmt: skip
    for layer in ("layer1", "layer2", "layer3", "layer4"):
        blocks += [(f"{layer}.{i}", block) for i, block in enumerate(getattr(model, layer))]
    blocks += [("avgpool", model.avgpool), ("flatten", nn.Flatten(1)), ("fc", model.fc)]
    return blocks


def split_frozen_prefix(
    model: nn.Module, trainable: list[str]
) -> tuple[nn.Sequential, nn.Sequential]:
    """(prefix, suffix): the steps before the first one holding a trainable parameter, and the rest.

    ``suffix(prefix(x)) == model(x)``. The prefix has no trainable parameter, so when it runs in
    eval mode on un-augmented input its output can be computed once and cached.
    """
    blocks = resnet_blocks(model)
    first = next(
        i for i, (name, _) in enumerate(blocks) if any(t.startswith(name + ".") for t in trainable)
    )
    return (
        nn.Sequential(*[m for _, m in blocks[:first]]),
        nn.Sequential(*[m for _, m in blocks[first:]]),
    )
