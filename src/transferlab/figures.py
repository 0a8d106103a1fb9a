"""Publication-quality matplotlib figures shared by the stages (written atomically as PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # stages run headless
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from transferlab.atomic_io import write_with

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def save_figure(fig: plt.Figure, path: Path | str) -> None:
    """Save ``fig`` as PNG atomically and close it."""
    fig.tight_layout()
    write_with(path, lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight"), suffix=".png")
    plt.close(fig)


def scatter_with_fit(
    x: Sequence[float],
    y: Sequence[float],
    labels: Sequence[str],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    pearson_r: float | None,
    pearson_p: float | None,
    path: Path | str,
    note: str = "",
    logx: bool = False,
) -> None:
    """Labelled scatter with a least-squares line whose legend gives Pearson r and p."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.6))
        ax.scatter(x, y, s=36, color="#1f77b4", zorder=3, label="models")
        for xi, yi, label in zip(x, y, labels, strict=True):
            ax.annotate(label, (xi, yi), xytext=(4, 3), textcoords="offset points", fontsize=8)
        if len(x) >= 2 and pearson_r is not None:
            fx = np.log10(x) if logx else x
            slope, intercept = np.polyfit(fx, y, 1)
            grid = np.linspace(fx.min(), fx.max(), 100)
            ax.plot(
                10**grid if logx else grid,
                slope * grid + intercept,
                color="#d62728",
                lw=1.5,
                label=f"least-squares fit (Pearson r = {pearson_r:.2f}, p = {pearson_p:.2g})",
            )
        if logx:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="best", fontsize=8)
        if note:
            fig.text(0.01, 0.005, note, fontsize=7, color="0.4", ha="left", va="bottom")
        save_figure(fig, path)


def grouped_bars(
    table: pd.DataFrame,
    *,
    category: str,
    group: str,
    value: str,
    error: str | None = None,
    xlabel: str,
    title: str,
    path: Path | str,
    note: str = "",
) -> None:
    """Horizontal bars: one row per ``category``, one bar per ``group`` within it."""
    categories = list(dict.fromkeys(table[category]))
    groups = list(dict.fromkeys(table[group]))
    height = 0.8 / len(groups)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(categories) * len(groups) / 2 + 1.6))
        pos = np.arange(len(categories))
        for i, g in enumerate(groups):
            rows = table[table[group] == g].set_index(category).reindex(categories)
            ax.barh(
                pos + (i - (len(groups) - 1) / 2) * height,
                rows[value],
                height=height,
                xerr=rows[error] / 2 if error else None,
                label=g,
                capsize=2,
            )
        ax.set_yticks(pos, categories)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(axis="y", visible=False)
        if note:
            fig.text(0.01, 0.005, note, fontsize=7, color="0.4", ha="left", va="bottom")
        save_figure(fig, path)
