"""Files a zero-shot stage writes: metrics JSON, per-class and confusion CSVs, probe grid."""

from __future__ import annotations

import pandas as pd

from transferlab.atomic_io import write_json, write_with
from transferlab.clip.zeroshot import SplitPredictions
from transferlab.params import ZeroshotConfig
from transferlab.provenance import provenance_fields
from transferlab.stage_paths import StagePaths


def split_summary(pred: SplitPredictions) -> dict:
    return {
        "top1": pred.top1(),
        "top5": pred.top5_accuracy(),
        "images": len(pred.labels),
        "seconds": pred.seconds,
        "images_per_second": pred.images_per_second(),
    }


def zeroshot_metrics(
    config: ZeroshotConfig,
    train: SplitPredictions,
    test: SplitPredictions,
    noisy_test: SplitPredictions | None,
    *,
    data_source: str,
    weights: dict,
    device: str,
    precision: str,
    seconds: float,
) -> dict:
    """The content of metrics/zeroshot/<dataset>-<prompts>.json."""
    return {
        **provenance_fields(data_source, weights["source"]),
        "dataset": config.dataset,
        "prompt_set": config.prompt_set,
        "templates": len(config.templates),
        "model": weights.get("clip_model")
        if weights["source"] == "download"
        else f"random {weights.get('size')}",
        "train": split_summary(train),
        "test": split_summary(test),
        "test_noisy_top1": None if noisy_test is None else noisy_test.top1(),
        "noise_std": config.settings.noise_std,
        "device": device,
        "precision": precision,
        "seconds": seconds,
        "params": config.as_dict(),
    }


def write_outputs(
    config: ZeroshotConfig,
    metrics: dict,
    train: SplitPredictions,
    test: SplitPredictions,
    class_names: list[str],
) -> None:
    """Per-class accuracy and test confusion pairs as CSV, then the metrics file."""
    k = len(class_names)
    per_class = pd.DataFrame({
        "class": class_names,
        "train_top1": train.per_class_top1(k),
        "test_top1": test.per_class_top1(k),
    })  # fmt: skip
    confusion = pd.DataFrame({
        "actual": [class_names[i] for i in test.labels],
        "predicted": [class_names[i] for i in test.predicted],
    })  # fmt: skip
    paths = StagePaths("zeroshot", config.key)
    out = paths.figures
    write_with(
        out / "per_class.csv", lambda tmp: per_class.to_csv(tmp, index=False, float_format="%.6g")
    )
    write_with(out / "confusion.csv", lambda tmp: confusion.to_csv(tmp, index=False))
    write_json(paths.metrics, metrics)
