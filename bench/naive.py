"""Naive reference pieces shared by the benchmarks: the per-image PIL data path."""

from __future__ import annotations

import numpy as np
from PIL import Image
from torchvision.datasets import VisionDataset


class ArrayImages(VisionDataset):
    """CIFAR-style torchvision dataset over uint8 arrays: a PIL image (and transform) per item."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform=None) -> None:
        super().__init__(root="", transform=transform)
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        image = Image.fromarray(self.images[i])
        return (self.transform(image) if self.transform else image), int(self.labels[i])
