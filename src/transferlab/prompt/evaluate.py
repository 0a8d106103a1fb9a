"""Test-time evaluation of a trained prompt: plain, under noise, and across datasets."""

from __future__ import annotations

import torch

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.text import readable_class_names, text_classifier
from transferlab.data.device_batches import images_to_device
from transferlab.data.prepared import PreparedData
from transferlab.metrics import evaluate
from transferlab.prompt.model import PromptedClip
from transferlab.prompt.train import logits_fn

# CIFAR-10 classes come first in the 110-class task; CIFAR-100 labels are offset by 10.
CROSS_ORDER = ("cifar10", "cifar100")


def test_metrics(
    model: PromptedClip,
    preprocess: ClipPreprocess,
    test: tuple[torch.Tensor, torch.Tensor],
    precision: str,
    batch_size: int,
    noise_std: float,
    seed: int,
) -> dict[str, float | None]:
    """Test top-1/top-5, and top-1 with N(0, noise_std^2) added after normalisation."""
    images, labels = test
    plain = evaluate(logits_fn(model, images, preprocess, precision), labels, batch_size)
    noisy = None
    if noise_std > 0:
        generator = torch.Generator(device=images.device).manual_seed(seed)
        run = logits_fn(model, images, preprocess, precision, noise_std, generator)
        noisy = evaluate(run, labels, batch_size)["top1"]
    return {"test_top1": plain["top1"], "test_top5": plain["top5"], "test_noisy_top1": noisy}


def cross_dataset_metrics(
    model: PromptedClip,
    tokenizer,
    preprocess: ClipPreprocess,
    datasets: dict[str, PreparedData],
    template: str,
    precision: str,
    batch_size: int,
) -> dict[str, float]:
    """Top-1 on the 110 classes of CIFAR-10 + CIFAR-100: each test set and both, by size."""
    device = model.classifier.device
    names = [n for d in CROSS_ORDER for n in readable_class_names(datasets[d].classes)]
    own_classifier = model.classifier
    model.classifier = text_classifier(model.clip, tokenizer, names, [template], device)
    out: dict[str, float] = {}
    total = correct = 0.0
    offset = 0
    try:
        for name in CROSS_ORDER:
            data = datasets[name]
            images = images_to_device(data.test_images, device)
            labels = torch.from_numpy(data.test_labels).to(device) + offset
            top1 = evaluate(logits_fn(model, images, preprocess, precision), labels, batch_size)[
                "top1"
            ]
            out[name] = top1
            total += len(labels)
            correct += top1 * len(labels)
            offset += len(data.classes)
    finally:
        model.classifier = own_classifier
    out["combined"] = correct / total
    return out
