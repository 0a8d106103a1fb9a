"""Stage prompt@<dataset>-<method>: train a visual prompt on frozen CLIP (study part 2.2 on).

Usage: python stages/prompt.py {cifar10,cifar100} <method>
Reads params.yaml: prompt.common and prompt.methods.<method> only.
Writes models/prompt/<key>.pt, metrics/prompt/<key>.json, plots/prompt/<key>.csv and
plots/prompt/<key>/ (prompt.png, prompted_example.png). A killed run resumes.
"""

from __future__ import annotations

import argparse
import time

import torch

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.text import readable_class_names, text_classifier
from transferlab.clip.zeroshot import image_logits
from transferlab.data.device_batches import images_to_device
from transferlab.data.prepared import load_prepared, prepared_path
from transferlab.data.split import train_val_split
from transferlab.device import autocast, device_name, resolve_device, resolve_precision
from transferlab.metrics import evaluate
from transferlab.params import load_prompt_config
from transferlab.pretrained.clip import CLIP_DIR, META_FILE, load_clip
from transferlab.prompt.evaluate import CROSS_ORDER, cross_dataset_metrics, test_metrics
from transferlab.prompt.model import PromptedClip, build_prompt
from transferlab.prompt.outputs import prompt_metrics, write_figures, write_outputs
from transferlab.prompt.train import train_prompt
from transferlab.resume import ResumeStore, file_identity
from transferlab.stage import run_stage
from transferlab.stage_paths import StagePaths


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset")
    parser.add_argument("method", help="a key of prompt.methods in params.yaml")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    config = load_prompt_config(args.dataset, args.method)
    s = config.settings
    device = resolve_device(s.device, "prompt.common.device")
    precision = resolve_precision(s.precision, device)
    data_files = {name: prepared_path(name) for name in CROSS_ORDER}
    datasets = {config.dataset: load_prepared(data_files[config.dataset])}
    if s.cross_dataset:
        datasets = {name: load_prepared(path) for name, path in data_files.items()}
    data = datasets[config.dataset]

    clip = load_clip()
    preprocess = ClipPreprocess.from_processor(clip.image_processor)
    prompt = build_prompt(
        config.method, clip.model, preprocess.crop_height, s.seed
    )  # checks shapes
    model_clip = clip.model.to(device)
    names = readable_class_names(data.classes)
    classifier = text_classifier(model_clip, clip.tokenizer, names, [s.template], device)
    model = PromptedClip(model_clip, prompt.to(device), classifier)

    train_idx, val_idx = train_val_split(len(data.train_labels), s.val_size, s.seed)
    images = images_to_device(data.train_images, device)
    labels = torch.from_numpy(data.train_labels).to(device)
    tr, va = torch.from_numpy(train_idx).to(device), torch.from_numpy(val_idx).to(device)
    test = images_to_device(data.test_images, device), torch.from_numpy(data.test_labels).to(device)

    val_images = images[va]

    def zero_shot(pos: torch.Tensor) -> torch.Tensor:
        with autocast(device, precision):
            return image_logits(model_clip, preprocess(val_images[pos]), classifier).float()

    zero_shot_val = evaluate(zero_shot, labels[va], s.eval_batch_size)["top1"]
    inputs = {
        "config": config.as_dict(),
        "clip": file_identity(CLIP_DIR / META_FILE),
        "data": {n: file_identity(p) for n, p in data_files.items() if n in datasets},
    }
    store = ResumeStore(StagePaths("prompt", config.key).resume, inputs)
    result = train_prompt(
        config,
        model,
        preprocess,
        (images[tr], labels[tr]),
        (val_images, labels[va]),
        device,
        precision,
        store,
    )
    model.eval()
    tested = test_metrics(
        model, preprocess, test, precision, s.eval_batch_size, s.noise_std, s.seed
    )
    cross = None
    if s.cross_dataset:
        cross = cross_dataset_metrics(
            model, clip.tokenizer, preprocess, datasets, s.template, precision, s.eval_batch_size
        )

    metrics = prompt_metrics(
        config,
        result,
        tested,
        cross,
        zero_shot_val=zero_shot_val,
        data_source=data.source,
        weights_source=clip.meta["source"],
        device=device_name(device),
        precision=precision,
        seconds=time.perf_counter() - start,
    )
    label = metrics["label"]
    write_figures(model.prompt, test[0][0], preprocess, config.key, label)
    write_outputs(config, result, metrics)
    store.clear()
    print(
        f"prompt@{config.key}: zero-shot val {zero_shot_val:.4f} -> prompted best val "
        f"{result.best_val_top1:.4f}; test top-1 {tested['test_top1']:.4f}; "
        f"{metrics['train_images_per_second']:.0f} train img/s; {label}"
    )


if __name__ == "__main__":
    run_stage(main)
