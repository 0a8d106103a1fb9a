"""REPORT.md: references and differences, missing stages, provenance banner."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from transferlab.report.collect import Results, collect
from transferlab.report.references import difference
from transferlab.report.render import render_report

TODAY = dt.date(2026, 12, 4)


def test_difference_to_a_value_and_to_a_range():
    assert difference(0.60, 0.5855) == pytest.approx(0.0145)
    assert difference(0.92, (0.927, 0.930)) == pytest.approx(-0.007)
    assert difference(0.928, (0.927, 0.930)) == 0.0
    assert difference(0.95, (0.927, 0.930)) == pytest.approx(0.02)
    assert difference(None, 0.5) is None


def test_nothing_run_reports_every_stage_missing():
    report = render_report(Results(), TODAY)
    assert report.splitlines()[0] == "Data: n/a; weights: n/a; device: n/a; generated 2026-12-04."
    assert "SYNTHETIC" not in report
    assert "_Missing: stage `benchmark`" in report
    assert "_Missing: stage `finetune@fc`" in report
    assert "_Missing: stage `zeroshot@cifar100-single`" in report
    assert "| fc |" not in report


def _finetune(name: str, test: float, source: str = "download") -> dict:
    return {
        "label": "x",
        "data_source": source,
        "weights_source": "download",
        "synthetic_data": source == "synthetic",
        "random_weights": False,
        "variant": name,
        "best_val_top1": 0.6,
        "best_epoch": 7,
        "test_top1": test,
        "test_top5": 0.85,
        "test_noisy_top1": 0.3,
        "noise_std": 0.1,
        "device": "NVIDIA H200",
        "params": {"trainable": ["fc"]},
    }


def test_finetune_row_sits_beside_the_study_with_its_difference(tmp_path):
    (tmp_path / "finetune").mkdir()
    (tmp_path / "finetune/fc.json").write_text(json.dumps(_finetune("fc", 0.5901)))
    report = render_report(collect(tmp_path), TODAY)
    row = next(line for line in report.splitlines() if line.startswith("| fc |"))
    assert "| 59.01 |" in row and "| 58.55 |" in row and "| +0.46 |" in row
    assert report.splitlines()[0].startswith(
        "Data: download; weights: download; device: NVIDIA H200"
    )
    assert "SYNTHETIC DATA / RANDOM WEIGHTS" not in report
    assert "_Missing: stage `finetune@fc_hflip`" in report  # the others are not invented
    assert "| ResNet-18 fc | 0.1 | 59.01 | 30.00 |" in report


def test_synthetic_runs_get_the_banner(tmp_path):
    (tmp_path / "finetune").mkdir()
    (tmp_path / "finetune/fc.json").write_text(json.dumps(_finetune("fc", 0.1, source="synthetic")))
    report = render_report(collect(tmp_path), TODAY)
    assert report.splitlines()[0].startswith("Data: synthetic;")
    assert "> **SYNTHETIC DATA / RANDOM WEIGHTS.**" in report
