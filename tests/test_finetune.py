"""Fine-tuning: what trains, BN modes, cached == uncached, resume == uninterrupted, learning."""

from __future__ import annotations

import json
import os
import signal

import pytest
import torch
import yaml
from conftest import run_stage, stage_outcome

from transferlab.data.classes import CIFAR10_CLASSES
from transferlab.data.device_batches import images_to_device
from transferlab.data.prepared import save_prepared
from transferlab.data.synthetic import make_synthetic
from transferlab.errors import ParamsError
from transferlab.finetune.model import (
    build_classifier,
    split_frozen_prefix,
    trainable_parameter_names,
)
from transferlab.finetune.train import finetune
from transferlab.params import load_finetune_config
from transferlab.pretrained.resnet import random_resnet18, save_resnet18
from transferlab.resume import KILL_AFTER_EPOCH_ENV

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def resnet_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "resnet18.pt"
    save_resnet18(path, random_resnet18(seed=0), {"source": "random"})
    return path


@pytest.fixture(scope="module")
def splits():
    data = make_synthetic(CIFAR10_CLASSES, train_size=500, test_size=200, seed=0)
    x, y = images_to_device(data.train_images, CPU), torch.from_numpy(data.train_labels)
    test = images_to_device(data.test_images, CPU), torch.from_numpy(data.test_labels)
    return (x[100:], y[100:]), (x[:100], y[:100]), test


def make_config(tmp_path, demo_params, variant="fc", **common):
    params = demo_params
    params["finetune"]["common"].update(dataset="cifar10", batch_size=64, **common)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return load_finetune_config(variant, path)


def run(config, resnet_file, splits):
    model, _ = build_classifier(resnet_file, 10, config.settings.fc_init_std, config.settings.seed)
    return finetune(config, model, *splits, CPU, progress=False)


def _initial_state(resnet_file, config):
    model, _ = build_classifier(resnet_file, 10, config.settings.fc_init_std, config.settings.seed)
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("frozen_bn", ["eval", "train"])
def test_only_named_parameters_change_and_bn_follows_its_mode(
    tmp_path, demo_params, resnet_file, splits, frozen_bn
):
    config = make_config(tmp_path, demo_params, "last_conv", epochs=1, frozen_bn=frozen_bn)
    before = _initial_state(resnet_file, config)
    after = run(config, resnet_file, splits).model.state_dict()
    params = {
        n
        for n, p in before.items()
        if not n.endswith(("running_mean", "running_var", "num_batches_tracked"))
    }
    changed = {k for k in params if not torch.equal(before[k], after[k])}
    assert changed == {"fc.weight", "fc.bias", "layer4.1.conv2.weight"}
    stats_changed = not torch.equal(before["bn1.running_mean"], after["bn1.running_mean"])
    assert stats_changed == (frozen_bn == "train")


@pytest.mark.parametrize("variant", ["fc", "fc_hflip", "last_conv"])
def test_cached_prefix_trains_the_same_weights_as_recomputing_it(
    tmp_path, demo_params, resnet_file, splits, variant
):
    cached = run(make_config(tmp_path, demo_params, variant, epochs=2), resnet_file, splits)
    plain = run(
        make_config(tmp_path, demo_params, variant, epochs=2, cache_features=False),
        resnet_file, splits,
    )  # fmt: skip
    assert cached.feature_mode.startswith("cached")
    assert plain.feature_mode == "computed per batch"
    for key, value in cached.model.state_dict().items():
        torch.testing.assert_close(value, plain.model.state_dict()[key], atol=2e-5, rtol=1e-4)
    assert cached.test["top1"] == pytest.approx(plain.test["top1"], abs=0.006)


def test_cache_respects_its_memory_budget(tmp_path, demo_params, resnet_file, splits):
    result = run(
        make_config(tmp_path, demo_params, "fc", epochs=1, cache_memory_gb=1e-6),
        resnet_file,
        splits,
    )
    assert result.feature_mode.startswith("computed per batch (cache needs")


def test_fc_only_learns_synthetic_data_well_above_chance(
    tmp_path, demo_params, resnet_file, splits
):
    result = run(make_config(tmp_path, demo_params, "fc", epochs=5), resnet_file, splits)
    assert result.test["top1"] > 0.4, result.test  # chance: 0.1
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert 1 <= result.best_epoch <= 5
    assert result.best_val_top1 == max(row["val_top1"] for row in result.history)


def test_prefix_and_suffix_compose_to_the_model(resnet_file):
    model, _ = build_classifier(resnet_file, 10, 0.01, 0)
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    for prefixes in (["fc"], ["fc", "layer4.1.conv2"], ["fc", "conv1"]):
        prefix, suffix = split_frozen_prefix(model, trainable_parameter_names(model, prefixes))
        with torch.no_grad():
            assert torch.equal(suffix(prefix(x)), model(x))
    assert len(split_frozen_prefix(model, ["conv1.weight"])[0]) == 0


def test_unknown_prefix_lists_module_names(resnet_file):
    model, _ = build_classifier(resnet_file, 10, 0.01, 0)
    with pytest.raises(ParamsError, match=r"v\.trainable\[1\] = 'layer5'.*layer4\.1\.conv2"):
        trainable_parameter_names(model, ["fc", "layer5"], key="v.trainable")
    with pytest.raises(ParamsError, match="has no parameters"):
        trainable_parameter_names(model, ["relu"], key="v.trainable")


@pytest.fixture
def stage_dir(tmp_path, demo_params, resnet_file):
    data = make_synthetic(CIFAR10_CLASSES, train_size=400, test_size=100, seed=0)
    save_prepared(tmp_path / "data/prepared/cifar10.npz", data)
    (tmp_path / "models/pretrained").mkdir(parents=True)
    (tmp_path / "models/pretrained/resnet18.pt").write_bytes(resnet_file.read_bytes())
    demo_params["finetune"]["common"].update(
        dataset="cifar10", epochs=3, val_size=100, batch_size=64
    )
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(demo_params))
    return tmp_path


def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path_factory, stage_dir):
    # The uninterrupted reference, in its own folder with the same inputs.
    reference = tmp_path_factory.mktemp("reference")
    for rel in ("data/prepared/cifar10.npz", "models/pretrained/resnet18.pt", "params.yaml"):
        (reference / rel).parent.mkdir(parents=True, exist_ok=True)
        (reference / rel).write_bytes((stage_dir / rel).read_bytes())
    assert run_stage(reference, "finetune.py", "fc_hflip").returncode == 0

    os.environ[KILL_AFTER_EPOCH_ENV] = "1"  # SIGKILL right after saving epoch 2 of 3
    try:
        killed = run_stage(stage_dir, "finetune.py", "fc_hflip")
    finally:
        del os.environ[KILL_AFTER_EPOCH_ENV]
    assert killed.returncode == -signal.SIGKILL
    assert not (stage_dir / "metrics/finetune/fc_hflip.json").exists()
    assert (stage_dir / "models/finetune/resume/fc_hflip.pt").exists()

    resumed = run_stage(stage_dir, "finetune.py", "fc_hflip")
    assert resumed.returncode == 0, resumed.stderr
    assert (
        json.loads((stage_dir / "metrics/finetune/fc_hflip.json").read_text())["resumed_from_epoch"]
        == 2
    )
    assert not (stage_dir / "models/finetune/resume/fc_hflip.pt").exists()

    metrics, weights, curve = stage_outcome(stage_dir, "finetune", "fc_hflip")
    ref_metrics, ref_weights, ref_curve = stage_outcome(reference, "finetune", "fc_hflip")
    assert metrics == ref_metrics
    assert curve == ref_curve
    for key, value in weights.items():
        assert torch.equal(value, ref_weights[key]), key


def test_resume_state_from_other_params_is_ignored(stage_dir):
    os.environ[KILL_AFTER_EPOCH_ENV] = "0"
    try:
        assert run_stage(stage_dir, "finetune.py", "fc").returncode == -signal.SIGKILL
    finally:
        del os.environ[KILL_AFTER_EPOCH_ENV]
    params = yaml.safe_load((stage_dir / "params.yaml").read_text())
    params["finetune"]["common"]["lr"] = 2e-3
    (stage_dir / "params.yaml").write_text(yaml.safe_dump(params))
    result = run_stage(stage_dir, "finetune.py", "fc")
    assert result.returncode == 0, result.stderr
    assert "starting afresh" in result.stdout
    assert (
        json.loads((stage_dir / "metrics/finetune/fc.json").read_text())["resumed_from_epoch"]
        is None
    )


@pytest.mark.parametrize(
    ("variant", "edit", "needle"),
    [
        ("fc", ("variants", "fc", "trainable"), "finetune.variants.fc.trainable[0] = 'fcc'"),
        ("nope", None, "no variant finetune.variants.nope; defined: fc, fc_hflip"),
        ("fc", ("common", "lr"), "finetune.common.lr = -1"),
    ],
)
def test_stage_rejects_bad_params_and_writes_nothing(stage_dir, variant, edit, needle):
    params = yaml.safe_load((stage_dir / "params.yaml").read_text())
    if edit == ("variants", "fc", "trainable"):
        params["finetune"]["variants"]["fc"]["trainable"] = ["fcc"]
    elif edit == ("common", "lr"):
        params["finetune"]["common"]["lr"] = -1
    (stage_dir / "params.yaml").write_text(yaml.safe_dump(params))
    result = run_stage(stage_dir, "finetune.py", variant)
    assert result.returncode == 2
    assert needle in result.stderr
    assert not (stage_dir / "metrics").exists() and not (stage_dir / "models/finetune").exists()
