"""Choosing the compute device from a ``device: auto | cuda | cpu`` param."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import torch

from transferlab.errors import ParamsError


def resolve_device(choice: str, key: str = "device") -> torch.device:
    """Map ``auto`` to CUDA when available, else CPU; asking for absent CUDA is an error."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda":
        if not torch.cuda.is_available():
            raise ParamsError(
                f"params: {key} = 'cuda' but no CUDA device is available; use auto or cpu"
            )
        return torch.device("cuda")
    if choice == "cpu":
        return torch.device("cpu")
    raise ParamsError(
        f"params: {key} = {choice!r} is invalid; allowed: one of 'auto', 'cuda', 'cpu'"
    )


def device_name(device: torch.device) -> str:
    """Human-readable device name for metrics files."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({torch.get_num_threads()} threads)"


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto`` means bf16 autocast on CUDA and fp32 elsewhere."""
    if precision == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    return precision


def autocast(device: torch.device, precision: str) -> AbstractContextManager:
    """Autocast context for ``precision`` (``fp32`` = none, ``bf16``, ``fp16``) on ``device``."""
    if precision == "fp32":
        return nullcontext()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    return torch.autocast(device_type=device.type, dtype=dtype)


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels, so wall-clock timings measure the work (no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
