"""Timing a model's forward pass under the three autograd modes the study compares."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import numpy as np
import torch
from torch import nn

from transferlab.device import autocast, synchronize

GRAD_MODES: dict[str, Callable[[], AbstractContextManager]] = {
    "grad": torch.enable_grad,  # autograd records the graph, as during training
    "no_grad": torch.no_grad,
    "inference_mode": torch.inference_mode,
}


def time_forward(
    model: nn.Module,
    inputs: torch.Tensor,
    *,
    mode: str,
    warmup: int,
    repeats: int,
    precision: str = "fp32",
) -> np.ndarray:
    """Seconds per forward pass of the whole batch, one entry per timed repeat.

    Warm-up passes (cuDNN autotuning, allocator growth, lazy init) are not timed. On CUDA the
    device is synchronised before and after each pass so the clock measures the kernels, not
    their launch.
    """
    device = inputs.device
    grad_mode = GRAD_MODES[mode]
    times = []
    for i in range(warmup + repeats):
        synchronize(device)
        start = time.perf_counter()
        with grad_mode(), autocast(device, precision):
            out = model(inputs)
        synchronize(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
        del out
    return np.asarray(times)


def summarize(seconds: np.ndarray, per: int = 1) -> dict[str, float]:
    """Median and interquartile range (25th-75th percentile) in milliseconds, divided by ``per``."""
    ms = np.asarray(seconds) * 1000.0 / per
    q1, median, q3 = np.percentile(ms, [25, 50, 75])
    return {
        "median_ms": float(median),
        "iqr_ms": float(q3 - q1),
        "q1_ms": float(q1),
        "q3_ms": float(q3),
    }
