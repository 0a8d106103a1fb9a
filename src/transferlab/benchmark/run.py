"""Measure every model of ``benchmark.models`` and assemble the tables the stage writes."""

from __future__ import annotations

import platform

import pandas as pd
import torch
from tqdm import tqdm

from transferlab.benchmark.catalogue import build_random_model, count_parameters, model_info
from transferlab.benchmark.correlation import correlate
from transferlab.benchmark.memory import memory_method, peak_forward_memory
from transferlab.benchmark.timing import GRAD_MODES, summarize, time_forward
from transferlab.device import device_name
from transferlab.params import BenchmarkParams, to_dict

MODES = tuple(GRAD_MODES)
MIB = 2**20
# The time the correlations use: inference as the study ran it.
PRIMARY_MODE = "no_grad"


def measure_model(name: str, params: BenchmarkParams, device: torch.device) -> dict:
    """One row of the benchmark table: metadata, sizes, per-image times and peak memory."""
    info = model_info(name)
    size = params.image_size or info.input_size
    model = build_random_model(name, params.seed, params.image_size).to(device)
    memory_format = torch.channels_last if params.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    total, trainable = count_parameters(model)
    g = torch.Generator().manual_seed(params.seed)
    row: dict = {
        "model": name,
        "weights": info.weights,
        "top1": info.top1,
        "top5": info.top5,
        "gflops": info.gflops,
        "params_m": total / 1e6,
        "params_total": total,
        "params_trainable": trainable,
        "input_size": size,
    }
    x = torch.randn(params.batch_size, 3, size, size, generator=g).to(
        device, memory_format=memory_format
    )
    for mode in MODES:
        seconds = time_forward(
            model,
            x,
            mode=mode,
            warmup=params.warmup,
            repeats=params.repeats,
            precision=params.precision,
        )
        stats = summarize(seconds, per=params.batch_size)
        row[f"time_ms_{mode}"] = stats["median_ms"]
        row[f"time_iqr_ms_{mode}"] = stats["iqr_ms"]
    x = torch.randn(params.memory_batch_size, 3, size, size, generator=g).to(
        device, memory_format=memory_format
    )
    for mode in MODES:
        row[f"memory_mb_{mode}"] = (
            peak_forward_memory(model, x, mode=mode, precision=params.precision) / MIB
        )
    del model, x
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return row


def run_benchmark(params: BenchmarkParams, device: torch.device) -> pd.DataFrame:
    """Measure all models (progress bar per model); one row per model."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    rows = []
    for name in (bar := tqdm(params.models, desc="benchmark", unit="model")):
        bar.set_postfix_str(name)
        rows.append(measure_model(name, params, device))
    return pd.DataFrame(rows)


def modes_table(table: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (model, mode) with time and memory, for grouped bar plots."""
    rows = []
    for _, r in table.iterrows():
        for mode in MODES:
            rows.append({
                "model": r["model"],
                "mode": mode,
                "model_mode": f"{r['model']} ({mode})",
                "time_ms": r[f"time_ms_{mode}"],
                "time_iqr_ms": r[f"time_iqr_ms_{mode}"],
                "memory_mb": r[f"memory_mb_{mode}"],
            })  # fmt: skip
    return pd.DataFrame(rows)


def correlations(table: pd.DataFrame) -> dict[str, dict]:
    """Top-1 and parameter count each against time per image (primary mode)."""
    time = table[f"time_ms_{PRIMARY_MODE}"]
    return {
        "top1_vs_time": correlate(table["top1"], time),
        "params_vs_time": correlate(table["params_total"], time),
    }


def benchmark_metrics(
    table: pd.DataFrame, params: BenchmarkParams, device: torch.device, seconds: float
) -> dict:
    """The content of metrics/benchmark.json."""
    return {
        "random_weights": True,
        "weights_note": (
            "timings and memory use randomly initialised weights (the compute is the same); "
            "top-1, top-5, GFLOPs are torchvision's published figures for the default weights"
        ),
        "device": device_name(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "precision": params.precision,
        "channels_last": params.channels_last,
        "batch_size": params.batch_size,
        "memory_batch_size": params.memory_batch_size,
        "repeats": params.repeats,
        "warmup": params.warmup,
        "time_unit": "ms per image (median over repeats; IQR alongside)",
        "memory_unit": "MiB",
        "memory_method": memory_method(device),
        "correlation_time_mode": PRIMARY_MODE,
        "correlations": correlations(table),
        "models": {
            r["model"]: {k: v for k, v in r.items() if k != "model"}
            for r in table.to_dict("records")
        },
        "params": to_dict(params),
        "seconds": seconds,
    }
