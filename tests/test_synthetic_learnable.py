"""Synthetic data carries class information a small CNN can learn."""

from __future__ import annotations

import torch
from torch import nn

from transferlab.data.classes import CIFAR10_CLASSES
from transferlab.data.device_batches import IndexBatches, images_to_device
from transferlab.data.device_transforms import normalize, to_unit_float
from transferlab.data.synthetic import make_synthetic


def test_small_cnn_learns_synthetic_well_above_chance():
    torch.manual_seed(0)
    data = make_synthetic(CIFAR10_CLASSES, train_size=1000, test_size=300, seed=0)
    x_train = images_to_device(data.train_images, "cpu")
    y_train = torch.from_numpy(data.train_labels)
    x_test = images_to_device(data.test_images, "cpu")
    y_test = torch.from_numpy(data.test_labels)

    def prep(x: torch.Tensor) -> torch.Tensor:
        return normalize(to_unit_float(x), (0.5,) * 3, (0.25,) * 3)

    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4),
        nn.Flatten(), nn.Linear(32 * 16, 10),
    )  # fmt: skip
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    batches = IndexBatches(len(y_train), 64, shuffle=True, seed=0)
    for epoch in range(4):
        for idx in batches.epoch(epoch):
            loss = nn.functional.cross_entropy(model(prep(x_train[idx])), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        acc = (model(prep(x_test)).argmax(1) == y_test).float().mean().item()
    assert acc > 0.6, f"test accuracy {acc:.3f} (chance 0.10)"
