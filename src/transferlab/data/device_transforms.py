"""Image transforms that run on batched tensors on the device (GPU or CPU).

They replace the per-image PIL pipeline: a uint8 batch is converted to float, resized with
antialiasing (matching PIL's filters for bilinear and bicubic), normalised, optionally
flipped and noised, in a few large kernels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F

Interpolation = Literal["bilinear", "bicubic"]

# CIFAR-100 train-set statistics, as used by the study's fine-tuning.
CIFAR100_MEAN = (0.5071, 0.4865, 0.4409)
CIFAR100_STD = (0.2673, 0.2564, 0.2762)


def to_unit_float(images: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 in [0, 255] -> float in [0, 1]."""
    return images.to(dtype).div_(255.0)


def resize(
    images: torch.Tensor, size: int | tuple[int, int], interpolation: Interpolation = "bilinear"
) -> torch.Tensor:
    """Resize a float (N, C, H, W) batch with antialiasing.

    With ``antialias=True`` PyTorch uses PIL's bilinear/bicubic (a = -0.5) kernels, so this
    matches ``PIL.Image.resize`` up to PIL's uint8 rounding.
    """
    if isinstance(size, int):
        size = (size, size)
    if tuple(images.shape[-2:]) == tuple(size):
        return images
    return F.interpolate(images, size=size, mode=interpolation, align_corners=False, antialias=True)


def normalize(images: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Per-channel ``(x - mean) / std`` on a (N, C, H, W) batch."""
    m = torch.as_tensor(mean, dtype=images.dtype, device=images.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, dtype=images.dtype, device=images.device).view(1, -1, 1, 1)
    return (images - m) / s


def random_hflip(
    images: torch.Tensor, p: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Mirror each image independently with probability ``p``.

    ``generator`` must live on the batch's device.
    """
    draw = torch.rand(images.shape[0], generator=generator, device=images.device)
    mask = (draw < p).view(-1, 1, 1, 1)
    return torch.where(mask, images.flip(-1), images)


def add_gaussian_noise(
    images: torch.Tensor, std: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Add N(0, std^2) noise (the study adds it after normalisation).

    ``generator`` must live on the batch's device.
    """
    if std == 0:
        return images
    noise = torch.randn(images.shape, generator=generator, dtype=images.dtype, device=images.device)
    return images + std * noise


def preprocess(
    images_uint8: torch.Tensor,
    size: int,
    mean: Sequence[float],
    std: Sequence[float],
    interpolation: Interpolation = "bilinear",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> resized, normalised float batch: the study's eval transform."""
    return normalize(resize(to_unit_float(images_uint8, dtype), size, interpolation), mean, std)
