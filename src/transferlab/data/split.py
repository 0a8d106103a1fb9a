"""Seeded train/validation split carved from the train arrays."""

from __future__ import annotations

import numpy as np

from transferlab.errors import ParamsError


def val_count(val_size: float, n: int, key: str = "val_size") -> int:
    """Number of validation items: an int is a count, a float in (0, 1) a fraction of ``n``."""
    if isinstance(val_size, float) and not float(val_size).is_integer():
        if not 0 < val_size < 1:
            raise ParamsError(
                f"params: {key} = {val_size!r} is invalid; a fraction must lie in (0, 1)"
            )
        count = round(val_size * n)
    else:
        count = int(val_size)
    if not 0 < count < n:
        raise ParamsError(
            f"params: {key} = {val_size!r} is invalid; it leaves {count} of {n} training images "
            "for validation, and both parts must be non-empty"
        )
    return count


def train_val_split(n: int, val_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split ``range(n)`` into (train, val) index arrays with a seeded permutation.

    The same ``(n, val_size, seed)`` gives the same split on any machine (numpy's PCG64).
    """
    count = val_count(val_size, n)
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[count:]), np.sort(perm[:count])
