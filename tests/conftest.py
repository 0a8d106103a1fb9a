"""Shared test helpers: the repository root and running a stage script in a scratch folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def repo_params() -> dict:
    """The repository's params.yaml with the demo overlay applied (offline, small)."""
    from transferlab.demo import OVERLAY_FILE, merge_overlay
    from transferlab.params import read_yaml

    return merge_overlay(read_yaml(REPO / "params.yaml"), read_yaml(REPO / OVERLAY_FILE))


def run_stage(workdir: Path, script: str, *args: str, params: dict | None = None):
    """Run ``stages/<script>`` with ``workdir`` as the working directory (as DVC would)."""
    if params is not None:
        (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return subprocess.run(
        [sys.executable, str(REPO / "stages" / script), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
    )


def stage_outcome(workdir: Path, family: str, key: str) -> tuple[dict, dict, str]:
    """(metrics without timings, saved weights, per-epoch CSV) of a training stage's run."""
    import json

    import torch

    metrics = json.loads((workdir / f"metrics/{family}/{key}.json").read_text())
    for volatile in ("seconds", "train_seconds", "train_images_per_second", "resumed_from_epoch"):
        metrics.pop(volatile)
    weights = torch.load(workdir / f"models/{family}/{key}.pt", weights_only=True)["state_dict"]
    return metrics, weights, (workdir / f"plots/{family}/{key}.csv").read_text()


@pytest.fixture
def demo_params() -> dict:
    return repo_params()
