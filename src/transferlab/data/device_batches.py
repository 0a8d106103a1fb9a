"""The fast path's data feed: the whole uint8 dataset on the device, batches as index tensors.

Moving 150 MB of uint8 CIFAR to the GPU once replaces a DataLoader's per-batch decode, PIL
resize and host-to-device copy; a batch is then ``images[idx]`` followed by the on-device
transforms in :mod:`transferlab.data.device_transforms`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch


def images_to_device(images: np.ndarray, device: torch.device | str) -> torch.Tensor:
    """(N, H, W, 3) uint8 array -> (N, 3, H, W) uint8 tensor on ``device``."""
    return (
        torch.from_numpy(np.ascontiguousarray(images)).to(device).permute(0, 3, 1, 2).contiguous()
    )


class IndexBatches:
    """Batches of indices into a device-resident dataset.

    Every index of ``indices`` appears exactly once per epoch. With ``shuffle`` the order of
    epoch ``e`` depends only on ``(seed, e)``, so a resumed run sees the same batches as an
    uninterrupted one.
    """

    def __init__(
        self,
        indices: np.ndarray | torch.Tensor | int,
        batch_size: int,
        *,
        shuffle: bool,
        seed: int = 0,
        device: torch.device | str = "cpu",
        drop_last: bool = False,
    ) -> None:
        if isinstance(indices, int):
            indices = torch.arange(indices)
        self.indices = torch.as_tensor(indices, dtype=torch.long).to(device)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last

    def __len__(self) -> int:
        n = len(self.indices)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def epoch(self, epoch: int = 0) -> Iterator[torch.Tensor]:
        """Yield the index batches of one epoch."""
        n = len(self.indices)
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            order = self.indices[torch.randperm(n, generator=g).to(self.indices.device)]
        else:
            order = self.indices
        stop = len(self) * self.batch_size
        for start in range(0, min(n, stop), self.batch_size):
            yield order[start : start + self.batch_size]

    def __iter__(self) -> Iterator[torch.Tensor]:
        return self.epoch(0)
