"""Peak memory of a forward pass, with the output kept alive.

CUDA: the caching allocator's peak (``max_memory_allocated``) above what was allocated before
the pass (the model's weights and the input), after ``reset_peak_memory_stats``.

CPU: PyTorch's CPU allocator keeps no statistics, so :class:`LiveTensorMemory` counts them. It
watches every ATen operator through a ``TorchDispatchMode``: each tensor storage an operator
creates is added to a running total of live bytes, and removed as soon as it is freed (checked
through weak references before each operator). The peak of that total is the largest amount of
tensor memory the forward held at once: activations, autograd's saved tensors and the output.
Views and in-place results are not counted twice, weights and the input not at all. Scratch
memory that a kernel allocates and frees internally (e.g. oneDNN workspaces) is not a tensor
and is not seen, so this is a lower bound on the process's peak, and it is what differs
between the grad modes.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from transferlab.benchmark.timing import GRAD_MODES
from transferlab.device import autocast, synchronize

CPU_METHOD = "peak live tensor storage bytes tracked per ATen op (TorchDispatchMode)"
CUDA_METHOD = "torch.cuda.max_memory_allocated above the pre-forward allocation"


def _storage_id(t: torch.Tensor) -> int:
    return StorageWeakRef(t.untyped_storage()).cdata


class LiveTensorMemory(TorchDispatchMode):
    """Bytes of tensor storages created inside the context and still alive (see module doc)."""

    def __init__(self) -> None:
        super().__init__()
        self._alive: dict[int, tuple[StorageWeakRef, int]] = {}
        self.live_bytes = 0
        self.peak_bytes = 0

    def _release_freed(self) -> None:
        for key, (ref, nbytes) in list(self._alive.items()):
            if ref.expired():
                self.live_bytes -= nbytes
                del self._alive[key]

    def __torch_dispatch__(
        self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None
    ):
        out = func(*args, **(kwargs or {}))
        self._release_freed()
        inputs = {
            _storage_id(t) for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)
        }
        for t in tree_flatten(out)[0]:
            if not isinstance(t, torch.Tensor):
                continue
            storage = t.untyped_storage()
            ref = StorageWeakRef(storage)
            # Same storage as an input: a view or an in-place result, already counted or not ours.
            if ref.cdata in self._alive or ref.cdata in inputs:
                continue
            self._alive[ref.cdata] = (ref, storage.nbytes())
            self.live_bytes += storage.nbytes()
        self.peak_bytes = max(self.peak_bytes, self.live_bytes)
        return out


def peak_forward_memory(
    model: nn.Module, inputs: torch.Tensor, *, mode: str, precision: str = "fp32"
) -> int:
    """Peak bytes held during one forward pass in ``mode`` (output kept alive until measured)."""
    device = inputs.device
    grad_mode = GRAD_MODES[mode]
    if device.type == "cuda":
        synchronize(device)
        torch.cuda.empty_cache()
        base = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        with grad_mode(), autocast(device, precision):
            out = model(inputs)
        synchronize(device)
        peak = torch.cuda.max_memory_allocated(device) - base
        del out
        return int(peak)
    tracker = LiveTensorMemory()
    with grad_mode(), autocast(device, precision), tracker:
        out = model(inputs)
    del out
    return int(tracker.peak_bytes)


def memory_method(device: torch.device) -> str:
    """One line saying how memory was measured on ``device``."""
    return CUDA_METHOD if device.type == "cuda" else CPU_METHOD
