"""Device-resident batches: every index exactly once per epoch, seeded shuffling."""

from __future__ import annotations

import numpy as np
import torch

from transferlab.data.device_batches import IndexBatches, images_to_device


def _epoch(batches: IndexBatches, e: int) -> list[torch.Tensor]:
    return list(batches.epoch(e))


def test_each_index_exactly_once_per_epoch():
    indices = np.array([3, 7, 11, 12, 20, 21, 40])
    batches = IndexBatches(indices, batch_size=3, shuffle=True, seed=0)
    got = _epoch(batches, 0)
    assert [len(b) for b in got] == [3, 3, 1]
    assert len(batches) == 3
    assert sorted(torch.cat(got).tolist()) == indices.tolist()


def test_shuffle_is_seeded_per_epoch():
    a = IndexBatches(100, 10, shuffle=True, seed=7)
    b = IndexBatches(100, 10, shuffle=True, seed=7)
    assert torch.equal(torch.cat(_epoch(a, 3)), torch.cat(_epoch(b, 3)))
    assert not torch.equal(torch.cat(_epoch(a, 0)), torch.cat(_epoch(a, 1)))
    assert not torch.equal(torch.cat(_epoch(a, 0)), torch.arange(100))


def test_no_shuffle_keeps_order_and_drop_last_drops_the_tail():
    batches = IndexBatches(10, 4, shuffle=False, drop_last=True)
    got = _epoch(batches, 0)
    assert len(batches) == 2
    assert torch.equal(torch.cat(got), torch.arange(8))


def test_images_to_device_is_channels_first_and_exact():
    images = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    t = images_to_device(images, "cpu")
    assert t.shape == (5, 3, 32, 32) and t.dtype == torch.uint8
    np.testing.assert_array_equal(t.permute(0, 2, 3, 1).numpy(), images)
