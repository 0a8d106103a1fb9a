"""Generated stand-in for CIFAR: same schema, seeded, with class-dependent structure.

Each class owns a smooth colour pattern (a random 4x4 RGB grid upsampled to 32x32). An image
is its class pattern, randomly shifted by up to 4 pixels, mirrored half of the time, scaled in
brightness and covered in pixel noise. A small CNN learns it well above chance, flips and
shifts are label-preserving (so augmentation behaves as on real photos), and nothing about it
resembles real CIFAR: results on it only test that the pipeline works.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from transferlab.data.prepared import PreparedData

GRID = 4
MAX_SHIFT = 4
NOISE_STD = 24.0


def _class_patterns(num_classes: int, g: torch.Generator) -> torch.Tensor:
    grid = torch.rand(num_classes, 3, GRID, GRID, generator=g) * 200 + 28
    return F.interpolate(grid, size=(32, 32), mode="bicubic", align_corners=False)


def _sample(patterns: torch.Tensor, n: int, g: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
    k = patterns.shape[0]
    # Balanced labels in a shuffled order, like CIFAR's.
    labels = (torch.arange(n) % k)[torch.randperm(n, generator=g)]
    images = patterns[labels].clone()
    shifts = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (n, 2), generator=g)
    for i in range(n):
        images[i] = torch.roll(
            images[i], shifts=(int(shifts[i, 0]), int(shifts[i, 1])), dims=(1, 2)
        )
    flip = torch.rand(n, generator=g) < 0.5
    images[flip] = images[flip].flip(-1)
    brightness = 0.8 + 0.4 * torch.rand(n, 1, 1, 1, generator=g)
    images = images * brightness + NOISE_STD * torch.randn(images.shape, generator=g)
    images = images.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous()
    return images.numpy(), labels.numpy().astype(np.int64)


def make_synthetic(
    classes: Sequence[str], train_size: int, test_size: int, seed: int
) -> PreparedData:
    """Generate a learnable dataset with the prepared schema and ``source = "synthetic"``."""
    g = torch.Generator().manual_seed(seed)
    patterns = _class_patterns(len(classes), g)
    train_images, train_labels = _sample(patterns, train_size, g)
    test_images, test_labels = _sample(patterns, test_size, g)
    return PreparedData(
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        classes=list(classes),
        source="synthetic",
    )
