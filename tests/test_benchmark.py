"""Model comparison: timing, memory, correlations, metadata and params checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import run_stage
from scipy import stats
from torch import nn

from transferlab.benchmark.catalogue import (
    build_random_model,
    count_parameters,
    model_info,
    validate_model_names,
)
from transferlab.benchmark.correlation import correlate
from transferlab.benchmark.memory import LiveTensorMemory, peak_forward_memory
from transferlab.benchmark.timing import summarize, time_forward
from transferlab.errors import ParamsError


def test_heavier_model_times_slower():
    torch.manual_seed(0)
    light = nn.Conv2d(3, 4, 3, padding=1).eval()
    heavy = nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), *[nn.Conv2d(64, 64, 3, padding=1) for _ in range(3)]
    ).eval()
    x = torch.randn(4, 3, 64, 64)
    t_light = time_forward(light, x, mode="no_grad", warmup=1, repeats=5)
    t_heavy = time_forward(heavy, x, mode="no_grad", warmup=1, repeats=5)
    assert len(t_light) == 5
    assert np.median(t_heavy) > 5 * np.median(t_light)


def test_summarize_is_per_item_median_and_iqr():
    s = summarize(np.array([0.010, 0.020, 0.030, 0.040, 0.050]), per=10)
    assert s["median_ms"] == pytest.approx(3.0)
    assert s["iqr_ms"] == pytest.approx(2.0)


def _mlp() -> nn.Module:
    return nn.Sequential(
        nn.Linear(100, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 10)
    )


def test_cpu_memory_tracker_matches_hand_count():
    # Batch 8 of float32: a 200-wide activation is 8 * 200 * 4 = 6400 bytes.
    model, x = _mlp(), torch.randn(8, 100)
    act = 8 * 200 * 4
    # Without grad, at most an activation and the next one are alive together.
    assert peak_forward_memory(model, x, mode="no_grad") == 2 * act
    assert peak_forward_memory(model, x, mode="inference_mode") == 2 * act
    # With grad, ReLU outputs are kept for backward: at the second ReLU, the first ReLU's
    # output, the second Linear's output and the second ReLU's output are alive.
    assert peak_forward_memory(model, x, mode="grad") == 3 * act


def test_tracker_ignores_views_and_preexisting_tensors():
    w = torch.randn(100, 100)
    with torch.no_grad(), LiveTensorMemory() as tracker:
        v = w.t()  # a view: no new memory
        y = w @ v  # 40,000 new bytes
        y.add_(1)  # in place: no new memory
    assert tracker.peak_bytes == 100 * 100 * 4
    del y


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small", "squeezenet1_1"])
def test_memory_with_grad_is_at_least_without(name):
    model = build_random_model(name, seed=0)
    x = torch.randn(2, 3, 64, 64)
    with_grad = peak_forward_memory(model, x, mode="grad")
    without = peak_forward_memory(model, x, mode="no_grad")
    assert without > 0
    assert with_grad >= without


def test_correlation_matches_scipy_and_a_direct_formula():
    top1 = [69.8, 73.3, 76.1, 67.7, 77.7, 81.1]
    time = [1.1, 1.9, 2.6, 0.7, 2.2, 4.0]
    out = correlate(top1, time)
    x, y = np.asarray(top1), np.asarray(time)
    r_direct = ((x - x.mean()) * (y - y.mean())).sum() / np.sqrt(
        ((x - x.mean()) ** 2).sum() * ((y - y.mean()) ** 2).sum()
    )
    assert out["pearson_r"] == pytest.approx(r_direct)
    assert out["pearson_p"] == pytest.approx(stats.pearsonr(x, y).pvalue)
    ranks_x, ranks_y = x.argsort().argsort(), y.argsort().argsort()  # no ties in this table
    assert out["spearman_rho"] == pytest.approx(np.corrcoef(ranks_x, ranks_y)[0, 1])
    assert out["spearman_p"] == pytest.approx(stats.spearmanr(x, y).pvalue)
    assert out["n"] == 6
    assert correlate([1.0, 2.0], [3.0, 4.0])["pearson_r"] is None


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small", "vit_b_32"])
def test_metadata_parameter_count_matches_the_built_model(name):
    info = model_info(name)
    total, trainable = count_parameters(build_random_model(name, seed=0))
    assert total == info.num_params == trainable
    assert 50 < info.top1 < 90 and info.top1 < info.top5
    assert info.input_size == 224


def test_vit_accepts_an_image_size_override():
    model = build_random_model("vit_b_32", seed=0, image_size=64)
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64)).shape == (1, 1000)


def test_bad_model_names_list_the_valid_ones():
    with pytest.raises(ParamsError, match=r"benchmark\.models\[1\] = 'resnet19'.*resnet18"):
        validate_model_names(["resnet18", "resnet19"])
    with pytest.raises(ParamsError, match="listed twice"):
        validate_model_names(["resnet18", "resnet18"])
    with pytest.raises(ParamsError, match="non-empty"):
        validate_model_names([])


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("models", ["resnet18", "not_a_model"], "benchmark.models[1] = 'not_a_model'"),
        ("batch_size", 0, "benchmark.batch_size = 0"),
        ("memory_batch_size", "64", "benchmark.memory_batch_size = '64'"),
        ("precision", "fp8", "benchmark.precision = 'fp8'"),
    ],
)
def test_stage_rejects_bad_params_before_timing(tmp_path, demo_params, key, value, needle):
    demo_params["benchmark"][key] = value
    result = run_stage(tmp_path, "benchmark.py", params=demo_params)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "benchmark:" not in result.stderr  # no progress bar: nothing was timed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]
