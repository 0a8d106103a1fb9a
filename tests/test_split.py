"""Seeded train/val split."""

from __future__ import annotations

import numpy as np
import pytest

from transferlab.data.split import train_val_split
from transferlab.errors import ParamsError


def test_split_is_deterministic_disjoint_and_complete():
    train, val = train_val_split(1000, 100, seed=123)
    train2, val2 = train_val_split(1000, 100, seed=123)
    np.testing.assert_array_equal(train, train2)
    np.testing.assert_array_equal(val, val2)
    assert len(val) == 100 and len(train) == 900
    assert np.intersect1d(train, val).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(1000))


def test_split_depends_on_seed_and_is_not_a_prefix():
    _, val_a = train_val_split(1000, 100, seed=1)
    _, val_b = train_val_split(1000, 100, seed=2)
    assert not np.array_equal(val_a, val_b)
    assert not np.array_equal(val_a, np.arange(100))


def test_fraction_and_count_agree():
    _, val_frac = train_val_split(1000, 0.2, seed=5)
    _, val_count = train_val_split(1000, 200, seed=5)
    np.testing.assert_array_equal(val_frac, val_count)


@pytest.mark.parametrize("bad", [0, 1000, 1.5, -0.2])
def test_bad_val_size_is_rejected(bad):
    with pytest.raises(ParamsError, match="val_size"):
        train_val_split(1000, bad, seed=0)
