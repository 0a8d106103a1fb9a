"""Speed of CLIP zero-shot: the study's data path against the stage's, in one run.

Naive (the study's way): a torchvision dataset of PIL images, the CLIP processor on each
batch in a DataLoader, then the model. Fast (this project): the uint8 split on the device,
batched on-device resize, crop and normalisation (transferlab.clip.preprocess), then the
same model and the same text classifier. Reported: images per second of each, the ratio,
how often the two predict the same class, and the share of each path's time spent outside
the model forward (data handling).

    python bench/zeroshot.py                              # tiny random CLIP, CPU
    python bench/zeroshot.py --size full --device cuda    # ViT-B/32 shapes, CIFAR-size data
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from naive import ArrayImages
from torch.utils.data import DataLoader

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.text import readable_class_names, text_classifier
from transferlab.clip.zeroshot import image_logits, predict_split
from transferlab.data.classes import CIFAR100_CLASSES
from transferlab.data.device_batches import IndexBatches, images_to_device
from transferlab.data.synthetic import make_synthetic
from transferlab.device import autocast, resolve_precision, synchronize
from transferlab.pretrained.clip import random_clip


def naive_predict(model, processor, classifier, data, device, batch_size, workers, precision):
    """The study's loop: PIL images, CLIPProcessor per batch in the DataLoader, forward."""

    def collate(items):
        images, labels = zip(*items, strict=True)
        return processor(images=list(images), return_tensors="pt")["pixel_values"], torch.tensor(
            labels
        )

    loader = DataLoader(
        ArrayImages(data.test_images, data.test_labels),
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=collate,
    )
    preds = []
    with torch.no_grad():
        for pixels, _ in loader:
            with autocast(device, precision):
                preds.append(image_logits(model, pixels.to(device), classifier).argmax(1).cpu())
    return torch.cat(preds).numpy()


@torch.no_grad()
def forward_only_seconds(
    model, images, preprocess, classifier, device, batch_size, precision
) -> float:
    """Time of the model forward alone on already-preprocessed batches (same batches)."""
    batches = [
        preprocess(images[pos])
        for pos in IndexBatches(len(images), batch_size, shuffle=False, device=device)
    ]
    synchronize(device)
    start = time.perf_counter()
    for pixels in batches:
        with autocast(device, precision):
            image_logits(model, pixels, classifier)
    synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "full"], default="tiny")
    parser.add_argument(
        "--images", type=int, default=None, help="test images (default: 2000 tiny, 10000 full)"
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    args = parser.parse_args()
    device = torch.device(args.device)
    precision = resolve_precision(args.precision, device)
    n = args.images or (2000 if args.size == "tiny" else 10000)

    model, processor = random_clip(args.size, seed=0)
    model = model.to(device).eval()
    data = make_synthetic(CIFAR100_CLASSES, 100, n, seed=0)
    names = readable_class_names(data.classes)
    classifier = text_classifier(
        model, processor.tokenizer, names, ["This is a photo of a {}"], device
    )
    preprocess = ClipPreprocess.from_processor(processor.image_processor)
    print(
        f"zero-shot benchmark: {n} synthetic CIFAR-100 test images, random {args.size} CLIP "
        f"({preprocess.crop_height} px), batch {args.batch_size}, {device}, {precision}"
    )
    labels = torch.from_numpy(data.test_labels)

    def fast_predict(count: int):
        images = images_to_device(data.test_images[:count], device)
        return predict_split(
            model,
            images,
            labels[:count],
            classifier,
            preprocess,
            batch_size=args.batch_size,
            precision=precision,
            progress=False,
        )

    fast_predict(args.batch_size)  # warm-up: kernels and allocator, untimed
    start = time.perf_counter()
    fast = fast_predict(n)
    fast_s = time.perf_counter() - start
    images = images_to_device(data.test_images, device)

    start = time.perf_counter()
    naive = naive_predict(
        model,
        processor.image_processor,
        classifier,
        data,
        device,
        args.batch_size,
        args.workers,
        precision,
    )
    naive_s = time.perf_counter() - start
    forward_s = forward_only_seconds(
        model, images, preprocess, classifier, device, args.batch_size, precision
    )

    agreement = float((fast.predicted == naive).mean())
    print(f"{'path':<6} {'seconds':>8} {'img/s':>9} {'outside forward':>16}")
    for name, seconds in (("naive", naive_s), ("fast", fast_s)):
        outside = max(0.0, 1 - forward_s / seconds)
        print(f"{name:<6} {seconds:>8.2f} {n / seconds:>9.0f} {outside:>15.1%}")
    print(
        f"speed-up (naive / fast wall time): {naive_s / fast_s:.1f}x; same prediction on "
        f"{agreement:.2%} of images; model forward alone {forward_s:.2f} s"
    )
    if len(np.unique(naive)) < 2:
        print(
            "note: random weights give one class for every image, so this agreement says little; "
            "tests/test_clip_zeroshot.py checks agreement on a trained tiny CLIP"
        )


if __name__ == "__main__":
    main()
