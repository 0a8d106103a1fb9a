"""`device: auto | cuda | cpu`."""

from __future__ import annotations

import pytest
import torch

from transferlab.device import resolve_device
from transferlab.errors import ParamsError


def test_auto_follows_cuda_availability(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto").type == "cuda"


def test_cuda_without_gpu_names_the_key(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ParamsError, match=r"finetune\.common\.device = 'cuda'"):
        resolve_device("cuda", key="finetune.common.device")
    assert resolve_device("cpu").type == "cpu"
