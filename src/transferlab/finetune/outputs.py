"""Files a fine-tuning variant writes: trained weights, metrics JSON, per-epoch CSV."""

from __future__ import annotations

import pandas as pd
import torch

from transferlab.atomic_io import write_json, write_with
from transferlab.finetune.train import FinetuneResult
from transferlab.params import FinetuneConfig
from transferlab.provenance import provenance_fields
from transferlab.stage_paths import StagePaths


def finetune_metrics(
    config: FinetuneConfig,
    result: FinetuneResult,
    *,
    data_source: str,
    weights_source: str,
    device: str,
    seconds: float,
) -> dict:
    """The content of metrics/finetune/<variant>.json."""
    return {
        **provenance_fields(data_source, weights_source),
        "variant": config.name,
        "dataset": config.settings.dataset,
        "best_val_top1": result.best_val_top1,
        "best_epoch": result.best_epoch,
        "test_top1": result.test["top1"],
        "test_top5": result.test["top5"],
        "test_loss": result.test["loss"],
        "test_noisy_top1": result.test_noisy_top1,
        "noise_std": config.settings.noise_std,
        "epochs": config.settings.epochs,
        "seconds": seconds,
        "train_seconds": result.train_seconds,
        "train_images_per_second": result.train_images / max(result.train_seconds, 1e-9),
        "feature_mode": result.feature_mode,
        "resumed_from_epoch": result.resumed_from_epoch,
        "device": device,
        "precision": result.precision,
        "params": config.as_dict(),
    }


def write_outputs(
    config: FinetuneConfig, result: FinetuneResult, metrics: dict, classes: list[str]
) -> None:
    """Weights, per-epoch curve, then the metrics file (last: it marks a complete run)."""
    payload = {
        "arch": "resnet18",
        "classes": classes,
        "state_dict": {k: v.detach().cpu() for k, v in result.model.state_dict().items()},
        "meta": {k: metrics[k] for k in ("label", "variant", "best_epoch", "best_val_top1")},
    }
    paths = StagePaths("finetune", config.name)
    write_with(paths.model, lambda tmp: torch.save(payload, tmp))
    curve = pd.DataFrame(result.history)
    write_with(paths.curve, lambda tmp: curve.to_csv(tmp, index=False, float_format="%.6g"))
    write_json(paths.metrics, metrics)
