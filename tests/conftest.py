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


def dvc(dest: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the dvc CLI of this interpreter's environment in ``dest``."""
    import os

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["dvc", *args], cwd=dest, env=env, capture_output=True, text=True)


def _repo_results() -> dict[str, float]:
    paths = [
        REPO / "dvc.lock",
        REPO / "REPORT.md",
        *(REPO / "metrics").rglob("*"),
        *(REPO / "plots").rglob("*"),
    ]
    return {str(p): p.stat().st_mtime for p in paths if p.exists()}


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The offline demo, run once per session with the real dvc CLI in a scratch repository."""
    dest = tmp_path_factory.mktemp("demo") / "scratch"
    before = _repo_results()
    result = subprocess.run(
        [sys.executable, "-m", "transferlab.demo", "--repo", str(REPO), "--dest", str(dest)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert _repo_results() == before, "the demo wrote the repository's own results"
    return dest


@pytest.fixture
def demo_params() -> dict:
    return repo_params()
