"""End to end: the demo runs the DAG with the real dvc CLI.

Editing one param must stale exactly the stages that read it.

Later issues extend STALE_AFTER_EDIT as they add stages.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from conftest import dvc as _dvc

pytestmark = pytest.mark.slow

# dotted params key -> the stages that `dvc status` must report after editing it
STALE_AFTER_EDIT = {
    "data.synthetic.seed": {"data@cifar10", "data@cifar100"},
    "data.synthetic.test_size": {"data@cifar10", "data@cifar100"},
    "pretrained.seed": {"pretrained"},
    "benchmark.repeats": {"benchmark"},
    "finetune.variants.fc.hflip": {"finetune@fc"},
    "zeroshot.common.batch_size": {
        f"zeroshot@{d}-{p}" for d in ("cifar10", "cifar100") for p in ("single", "ensemble")
    },
    "zeroshot.common.seed": {
        f"zeroshot@{d}-{p}" for d in ("cifar10", "cifar100") for p in ("single", "ensemble")
    },
    "zeroshot.prompts.single": {"zeroshot@cifar10-single", "zeroshot@cifar100-single"},
    "prompt.methods.padding.size": {"prompt@cifar10-padding", "prompt@cifar100-padding"},
    "finetune.variants.last_conv.hflip": {"finetune@last_conv"},
    "prompt.common.epochs": {
        f"prompt@{d}-{m}"
        for d in ("cifar10", "cifar100")
        for m in ("padding", "fixed_patch", "random_patch", "deep")
    },
    "finetune.common.epochs": {
        f"finetune@{v}" for v in ("fc", "fc_hflip", "last_conv", "first_conv")
    },
}


def test_demo_ran_every_stage(demo):
    lock = yaml.safe_load((demo / "dvc.lock").read_text())
    stages = set(lock["stages"])
    assert {"data@cifar10", "data@cifar100", "pretrained", "benchmark"} <= stages
    assert {
        "finetune@fc",
        "finetune@fc_hflip",
        "finetune@last_conv",
        "finetune@first_conv",
    } <= stages
    assert json.loads(_dvc(demo, "status", "--json").stdout) == {}
    params = yaml.safe_load((demo / "params.yaml").read_text())
    assert params["data"]["source"] == "synthetic"
    assert params["pretrained"]["source"] == "random"


def _edit(params: dict, key: str) -> None:
    node = params
    *parents, leaf = key.split(".")
    for part in parents:
        node = node[part]
    value = node[leaf]
    node[leaf] = [*value, "an added template {}"] if isinstance(value, list) else value + 1


@pytest.mark.parametrize("key", sorted(STALE_AFTER_EDIT))
def test_editing_one_param_stales_exactly_its_readers(demo, key):
    path = demo / "params.yaml"
    original = path.read_text()
    params = yaml.safe_load(original)
    _edit(params, key)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        status = _dvc(demo, "status", "--json")
        assert status.returncode == 0, status.stderr
        assert set(json.loads(status.stdout)) == STALE_AFTER_EDIT[key]
    finally:
        path.write_text(original)


def test_benchmark_outputs_cover_every_model(demo):
    metrics = json.loads((demo / "metrics/benchmark.json").read_text())
    params = yaml.safe_load((demo / "params.yaml").read_text())["benchmark"]
    assert list(metrics["models"]) == params["models"]
    assert metrics["random_weights"] is True
    table = (demo / "plots/benchmark.csv").read_text().splitlines()
    assert len(table) == 1 + len(params["models"])
    pngs = sorted(p.name for p in (demo / "plots/benchmark").glob("*.png"))
    assert pngs == [
        "memory_by_mode.png",
        "time_by_mode.png",
        "time_vs_params.png",
        "time_vs_top1.png",
    ]


def test_finetune_outputs_are_labelled_synthetic(demo):
    for variant in ("fc", "fc_hflip", "last_conv", "first_conv"):
        metrics = json.loads((demo / f"metrics/finetune/{variant}.json").read_text())
        assert metrics["synthetic_data"] and metrics["random_weights"]
        assert "SYNTHETIC DATA" in metrics["label"]
        curve = (demo / f"plots/finetune/{variant}.csv").read_text().splitlines()
        assert curve[0] == "epoch,train_loss,train_top1,val_loss,val_top1"
        assert len(curve) == 1 + metrics["epochs"]
        assert not (demo / f"models/finetune/resume/{variant}.pt").exists()


def test_report_marks_synthetic_runs_and_covers_every_section(demo):
    report = (demo / "REPORT.md").read_text()
    first = report.splitlines()[0]
    assert first.startswith("Data: synthetic; weights: random; device: ")
    assert "SYNTHETIC DATA / RANDOM WEIGHTS" in report
    for heading in ("1.1.a", "1.1.b", "1.1.c", "1.2.a", "1.2.b", "1.2.c", "2.1", "2.2",
                    "Robustness", "Cross-dataset"):  # fmt: skip
        assert f" {heading}" in report, heading
    assert "_Missing" not in report
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report):
        assert (demo / image).exists(), image


def test_metrics_diff_reports_only_the_changed_variant(demo):
    # Runs last in this module: it reproduces the demo with a new learning rate for fc.
    assert _dvc(demo, "status", "--json").stdout.strip() == "{}"
    path = demo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params["finetune"]["variants"]["fc"]["lr"] = 0.01
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    assert set(json.loads(_dvc(demo, "status", "--json").stdout)) == {"finetune@fc"}
    repro = _dvc(demo, "repro")
    assert repro.returncode == 0, repro.stderr[-3000:]
    assert "Running stage 'finetune@fc'" in repro.stdout
    assert "Running stage 'finetune@fc_hflip'" not in repro.stdout
    diff = json.loads(_dvc(demo, "metrics", "diff", "--json").stdout)
    assert set(diff) == {"metrics/finetune/fc.json"}
    changed = diff["metrics/finetune/fc.json"]
    assert changed["params.lr"]["new"] == 0.01
    assert any(k in changed for k in ("test_top1", "best_val_top1", "test_loss"))
