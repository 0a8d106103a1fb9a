"""ResNet-18 weights file: ``models/pretrained/resnet18.pt``.

The file holds ``{"arch", "state_dict", "meta"}``; ``meta`` says where the weights came from
(``source``: download or random) so every consumer can label its results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.error import URLError

import torch
from torch import nn
from torchvision.models import ResNet18_Weights, resnet18

from transferlab.atomic_io import write_with
from transferlab.errors import DownloadError, ParamsError, TransferlabError

RESNET_FILE = Path("models/pretrained/resnet18.pt")


def resnet18_weights(name: str, key: str = "pretrained.resnet_weights") -> ResNet18_Weights:
    """torchvision's weights enum member ``name``, or a ParamsError listing valid ones."""
    try:
        return ResNet18_Weights[name]
    except KeyError:
        valid = ", ".join(w.name for w in ResNet18_Weights)
        raise ParamsError(f"params: {key} = {name!r} is invalid; allowed: one of {valid}") from None


def download_resnet18(weights: ResNet18_Weights) -> dict[str, torch.Tensor]:
    """ImageNet weights through torchvision (cached under ``torch.hub.get_dir()``, hash-checked)."""
    try:
        return weights.get_state_dict(progress=True, check_hash=True)
    except (URLError, OSError, RuntimeError) as e:
        cache = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
        raise DownloadError(
            f"could not download ResNet-18 weights from {weights.url} ({e}). Without network, "
            f"fetch that file elsewhere and place it at {cache}, then rerun."
        ) from None


def random_resnet18(seed: int) -> dict[str, torch.Tensor]:
    """Seeded ResNet-18 with torchvision's own random init: the shapes of ImageNet's."""
    torch.manual_seed(seed)
    return resnet18(weights=None).state_dict()


def save_resnet18(
    path: Path | str, state_dict: dict[str, torch.Tensor], meta: dict[str, Any]
) -> None:
    """Write the weights file atomically."""
    payload = {"arch": "resnet18", "state_dict": state_dict, "meta": meta}
    write_with(path, lambda tmp: torch.save(payload, tmp))


def load_resnet18(path: Path | str = RESNET_FILE) -> tuple[nn.Module, dict[str, Any]]:
    """A torchvision ResNet-18 with the saved weights, and the file's ``meta``."""
    path = Path(path)
    if not path.exists():
        raise TransferlabError(f"{path} not found: run `dvc repro pretrained` first")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    model = resnet18(weights=None)
    model.load_state_dict(payload["state_dict"])
    return model, payload["meta"]
