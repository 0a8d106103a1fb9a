"""Stage zeroshot@<dataset>-<prompts>: CLIP zero-shot top-1 on both splits (study part 2.1).

Usage: python stages/zeroshot.py {cifar10,cifar100} <prompt set>
Reads params.yaml: zeroshot.common and zeroshot.prompts.<prompt set> only.
Writes metrics/zeroshot/<dataset>-<prompts>.json and plots/zeroshot/<dataset>-<prompts>/
(per_class.csv, confusion.csv, probes.png).
"""

from __future__ import annotations

import argparse
import time

import torch

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.probes import write_probe_grid
from transferlab.clip.text import readable_class_names, text_classifier
from transferlab.clip.zeroshot import predict_split
from transferlab.clip.zeroshot_outputs import write_outputs, zeroshot_metrics
from transferlab.data.device_batches import images_to_device
from transferlab.data.prepared import load_prepared, prepared_path
from transferlab.device import device_name, resolve_device, resolve_precision
from transferlab.params import load_zeroshot_config
from transferlab.pretrained.clip import load_clip
from transferlab.provenance import provenance_label
from transferlab.stage import run_stage
from transferlab.stage_paths import StagePaths


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset")
    parser.add_argument("prompt_set", help="a key of zeroshot.prompts in params.yaml")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    config = load_zeroshot_config(args.dataset, args.prompt_set)
    s = config.settings
    device = resolve_device(s.device, "zeroshot.common.device")
    precision = resolve_precision(s.precision, device)
    data = load_prepared(prepared_path(config.dataset))

    clip = load_clip()
    model = clip.model.to(device).eval()
    preprocess = ClipPreprocess.from_processor(clip.image_processor)
    names = readable_class_names(data.classes)
    classifier = text_classifier(model, clip.tokenizer, names, config.templates, device)

    on_device = {
        split: (
            images_to_device(getattr(data, f"{split}_images"), device),
            torch.from_numpy(getattr(data, f"{split}_labels")),
        )
        for split in ("train", "test")
    }
    splits = {
        split: predict_split(
            model,
            *on_device[split],
            classifier,
            preprocess,
            batch_size=s.batch_size,
            precision=precision,
            desc=f"{config.key} {split}",
        )
        for split in ("train", "test")
    }
    test_images = on_device["test"][0]
    noisy = None
    if s.noise_std > 0:
        noisy = predict_split(
            model, *on_device["test"], classifier, preprocess, batch_size=s.batch_size,
            precision=precision, noise_std=s.noise_std, noise_seed=s.seed,
            desc=f"{config.key} test + noise",
        )  # fmt: skip

    metrics = zeroshot_metrics(
        config, splits["train"], splits["test"], noisy, data_source=data.source, weights=clip.meta,
        device=device_name(device), precision=precision, seconds=time.perf_counter() - start,
    )  # fmt: skip
    if s.probe_images and s.probes:
        label = provenance_label(data.source, clip.meta["source"])
        write_probe_grid(
            model, clip.tokenizer, data, test_images, preprocess, s.probes, s.probe_images, s.seed,
            precision, StagePaths("zeroshot", config.key).figures / "probes.png",
            title=f"CLIP probes, {config.dataset} test ({label})",
        )  # fmt: skip
    write_outputs(config, metrics, splits["train"], splits["test"], names)
    print(
        f"zeroshot@{config.key}: train top-1 {metrics['train']['top1']:.4f}, test top-1 "
        f"{metrics['test']['top1']:.4f}, {metrics['test']['images_per_second']:.0f} img/s; "
        f"{metrics['label']}"
    )


if __name__ == "__main__":
    run_stage(main)
