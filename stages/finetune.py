"""Stage finetune@<variant>: fine-tune ResNet-18 on CIFAR (study part 1.2).

Usage: python stages/finetune.py <variant>
Reads params.yaml: finetune.common and finetune.variants.<variant> only.
Writes models/finetune/<variant>.pt, metrics/finetune/<variant>.json and
plots/finetune/<variant>.csv. A killed run resumes from its last finished epoch.
"""

from __future__ import annotations

import argparse
import time

import torch

from transferlab.data.device_batches import images_to_device
from transferlab.data.prepared import load_prepared, prepared_path
from transferlab.data.split import train_val_split
from transferlab.device import device_name, resolve_device
from transferlab.finetune.model import build_classifier, trainable_parameter_names
from transferlab.finetune.outputs import finetune_metrics, write_outputs
from transferlab.finetune.train import finetune
from transferlab.params import load_finetune_config
from transferlab.pretrained.resnet import RESNET_FILE
from transferlab.resume import ResumeStore, file_identity
from transferlab.stage import run_stage
from transferlab.stage_paths import StagePaths


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("variant", help="a key of finetune.variants in params.yaml")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    config = load_finetune_config(args.variant)
    s = config.settings
    device = resolve_device(s.device, "finetune.common.device")
    data_file = prepared_path(s.dataset)
    data = load_prepared(data_file)
    model, weights_meta = build_classifier(RESNET_FILE, len(data.classes), s.fc_init_std, s.seed)
    # Fail on a bad prefix before any work.
    trainable_parameter_names(
        model, config.variant.trainable, f"finetune.variants.{config.name}.trainable"
    )
    train_idx, val_idx = train_val_split(len(data.train_labels), s.val_size, s.seed)

    images = images_to_device(data.train_images, device)
    labels = torch.from_numpy(data.train_labels).to(device)
    tr, va = torch.from_numpy(train_idx).to(device), torch.from_numpy(val_idx).to(device)
    test = (
        images_to_device(data.test_images, device),
        torch.from_numpy(data.test_labels).to(device),
    )
    store = ResumeStore(
        StagePaths("finetune", config.name).resume,
        {
            "config": config.as_dict(),
            "data": file_identity(data_file),
            "weights": file_identity(RESNET_FILE),
        },
    )
    result = finetune(
        config, model, (images[tr], labels[tr]), (images[va], labels[va]), test, device, store
    )
    metrics = finetune_metrics(
        config, result, data_source=data.source, weights_source=weights_meta["source"],
        device=device_name(device), seconds=time.perf_counter() - start,
    )  # fmt: skip
    write_outputs(config, result, metrics, data.classes)
    store.clear()
    noisy = metrics["test_noisy_top1"]
    print(
        f"finetune@{config.name}: best val top-1 {metrics['best_val_top1']:.4f} (epoch "
        f"{metrics['best_epoch']}), test top-1 {metrics['test_top1']:.4f}, top-5 "
        f"{metrics['test_top5']:.4f}, noisy {'n/a' if noisy is None else f'{noisy:.4f}'}; "
        f"{metrics['train_images_per_second']:.0f} train img/s; {metrics['label']}"
    )


if __name__ == "__main__":
    run_stage(main)
