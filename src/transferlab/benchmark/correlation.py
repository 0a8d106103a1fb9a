"""Correlation between two columns: Pearson r with its p-value, and Spearman rho (scipy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats


def correlate(x: Sequence[float], y: Sequence[float]) -> dict[str, float | int | None]:
    """Pearson r and p, Spearman rho and p, and n. With fewer than 3 points all are None."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    if n < 3:
        return {
            "n": n,
            "pearson_r": None,
            "pearson_p": None,
            "spearman_rho": None,
            "spearman_p": None,
        }
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    return {
        "n": n,
        "pearson_r": float(pearson.statistic),
        "pearson_p": float(pearson.pvalue),
        "spearman_rho": float(spearman.statistic),
        "spearman_p": float(spearman.pvalue),
    }
