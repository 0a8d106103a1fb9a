"""Figures only the report draws: validation curves of all runs of a family, overlaid."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from transferlab.figures import STYLE, save_figure


def overlay_curves(
    curves: dict[str, Path], column: str, title: str, path: Path | str, note: str
) -> bool:
    """One line per CSV of ``curves`` (label -> file); False when there is nothing to draw."""
    present = {label: p for label, p in curves.items() if Path(p).exists()}
    if not present:
        return False
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for label, csv in sorted(present.items()):
            frame = pd.read_csv(csv)
            ax.plot(frame["epoch"], 100 * frame[column], marker="o", ms=3, label=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation top-1 (%)")
        ax.set_title(title)
        ax.legend(fontsize=8)
        fig.text(0.01, 0.005, note, fontsize=7, color="0.4")
        save_figure(fig, path)
    return True
