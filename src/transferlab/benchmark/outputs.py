"""Files the benchmark stage writes: metrics JSON, plot tables and PNG figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from transferlab.atomic_io import write_json, write_with
from transferlab.benchmark.run import PRIMARY_MODE, modes_table
from transferlab.figures import grouped_bars, scatter_with_fit

METRICS = Path("metrics/benchmark.json")
TABLE = Path("plots/benchmark.csv")
MODES_TABLE = Path("plots/benchmark_modes.csv")
FIGURES = Path("plots/benchmark")


def write_tables(table: pd.DataFrame) -> None:
    """plots/benchmark.csv (a row per model) and plots/benchmark_modes.csv (per model and mode)."""
    write_with(TABLE, lambda tmp: table.to_csv(tmp, index=False, float_format="%.6g"))
    modes = modes_table(table)
    write_with(MODES_TABLE, lambda tmp: modes.to_csv(tmp, index=False, float_format="%.6g"))


def write_figures(table: pd.DataFrame, metrics: dict) -> None:
    """Scatter plots against time per image, and grouped bars of time and memory per mode."""
    note = (
        f"{metrics['device']}, batch {metrics['batch_size']}, {metrics['precision']}; "
        "random weights (same compute)"
    )
    time = table[f"time_ms_{PRIMARY_MODE}"]
    xlabel = f"time per image (ms, {PRIMARY_MODE})"
    for key, column, ylabel, title, name in (
        ("top1_vs_time", "top1", "ImageNet top-1 (%, torchvision)",
         "Inference time against ImageNet accuracy", "time_vs_top1.png"),
        ("params_vs_time", "params_m", "parameters (millions)",
         "Inference time against model size", "time_vs_params.png"),
    ):  # fmt: skip
        corr = metrics["correlations"][key]
        scatter_with_fit(
            time, table[column], table["model"], xlabel=xlabel, ylabel=ylabel, title=title,
            pearson_r=corr["pearson_r"], pearson_p=corr["pearson_p"], path=FIGURES / name,
            note=note,
        )  # fmt: skip
    modes = modes_table(table)
    grouped_bars(
        modes, category="model", group="mode", value="time_ms", error="time_iqr_ms",
        xlabel="time per image (ms; whiskers: IQR)", title="Forward time by autograd mode",
        path=FIGURES / "time_by_mode.png", note=note,
    )  # fmt: skip
    grouped_bars(
        modes, category="model", group="mode", value="memory_mb",
        xlabel=f"peak forward memory (MiB, batch {metrics['memory_batch_size']})",
        title="Forward memory by autograd mode", path=FIGURES / "memory_by_mode.png",
        note=f"{metrics['memory_method']}; output kept alive",
    )  # fmt: skip


def write_outputs(table: pd.DataFrame, metrics: dict) -> None:
    """Everything the stage writes; the metrics file last, so it marks a complete run."""
    write_tables(table)
    write_figures(table, metrics)
    write_json(METRICS, metrics)
