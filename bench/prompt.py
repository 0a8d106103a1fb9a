"""Speed of visual-prompt training: a naive loop against the stage's, in one run.

Naive: a DataLoader of PIL images through the CLIP processor per batch, and the class prompts
re-encoded by the text tower at every step (as simple training scripts do). Fast (this
project): uint8 images on the device, on-device preprocessing, the text classifier computed
once. Both train the same padding prompt on the same frozen random CLIP for the same number
of steps; the script prints training images per second of each and the ratio.

    python bench/prompt.py                              # tiny random CLIP, CPU
    python bench/prompt.py --size full --device cuda    # ViT-B/32 shapes
"""

from __future__ import annotations

import argparse
import itertools
import time

import torch
import torch.nn.functional as F
from naive import ArrayImages
from torch.utils.data import DataLoader

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.text import readable_class_names, text_classifier
from transferlab.data.classes import CIFAR100_CLASSES
from transferlab.data.synthetic import make_synthetic
from transferlab.device import autocast, resolve_precision, synchronize
from transferlab.params import PromptCommonParams, PromptConfig, PromptMethodParams
from transferlab.pretrained.clip import random_clip
from transferlab.prompt.model import PromptedClip, build_prompt
from transferlab.prompt.train import train_prompt

TEMPLATE = "This is a photo of a {}"


def naive_train(
    model, processor, prompt, names, data, steps, batch_size, device, workers, precision
):
    """SGD on the prompt with PIL preprocessing and text re-encoded at every step."""

    def collate(items):
        images, labels = zip(*items, strict=True)
        pixels = processor.image_processor(images=list(images), return_tensors="pt")["pixel_values"]
        return pixels, torch.tensor(labels)

    loader = DataLoader(
        ArrayImages(data.train_images, data.train_labels),
        batch_size=batch_size,
        shuffle=True,
        num_workers=workers,
        collate_fn=collate,
        drop_last=True,
    )
    optimizer = torch.optim.SGD(prompt.parameters(), lr=1.0, momentum=0.9)
    texts = [TEMPLATE.format(n) for n in names]
    seen = 0
    for pixels, labels in itertools.islice(itertools.cycle(loader), steps):
        with autocast(device, precision):
            with torch.no_grad():
                tokens = processor.tokenizer(texts, padding=True, return_tensors="pt").to(device)
                text = model.get_text_features(**tokens)
                text = text if isinstance(text, torch.Tensor) else text.pooler_output
                text = F.normalize(text.float(), dim=-1)
            image = model.get_image_features(pixel_values=prompt(pixels.to(device)))
            image = image if isinstance(image, torch.Tensor) else image.pooler_output
            logits = model.logit_scale.exp() * F.normalize(image.float(), dim=-1) @ text.T
        loss = F.cross_entropy(logits.float(), labels.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += len(labels)
    synchronize(device)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "full"], default="tiny")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    device = torch.device(args.device)
    precision = resolve_precision("auto", device)
    n = args.steps * args.batch_size

    model, processor = random_clip(args.size, seed=0)
    model = model.to(device).eval().requires_grad_(False)
    preprocess = ClipPreprocess.from_processor(processor.image_processor)
    data = make_synthetic(CIFAR100_CLASSES, n, 100, seed=0)
    names = readable_class_names(data.classes)
    size = preprocess.crop_height
    method = PromptMethodParams(type="padding", size=30 * size // 224)
    print(
        f"prompt-training benchmark: {args.steps} steps of {args.batch_size} synthetic CIFAR-100 "
        f"images, random {args.size} CLIP ({size} px), padding {method.size}, {device}, {precision}"
    )

    common = PromptCommonParams(
        device=args.device,
        epochs=1,
        batch_size=args.batch_size,
        lr=1.0,
        momentum=0.9,
        weight_decay=0.0,
        warmup_steps=0,
        val_size=0.2,
        seed=0,
        template=TEMPLATE,
        eval_batch_size=args.batch_size,
        precision=precision,
        noise_std=0.0,
        cross_dataset=False,
    )
    config = PromptConfig("cifar100", "padding", method, common)
    images = torch.from_numpy(data.train_images).to(device).permute(0, 3, 1, 2).contiguous()
    labels = torch.from_numpy(data.train_labels).to(device)
    val = images[: args.batch_size], labels[: args.batch_size]

    start = time.perf_counter()
    classifier = text_classifier(model, processor.tokenizer, names, [TEMPLATE], device)
    prompted = PromptedClip(model, build_prompt(method, model, size, seed=0).to(device), classifier)
    result = train_prompt(
        config, prompted, preprocess, (images, labels), val, device, precision, progress=False
    )
    synchronize(device)
    fast_s = time.perf_counter() - start

    start = time.perf_counter()
    prompt = build_prompt(method, model, size, seed=0).to(device)
    naive_seen = naive_train(
        model,
        processor,
        prompt,
        names,
        data,
        args.steps,
        args.batch_size,
        device,
        args.workers,
        precision,
    )
    naive_s = time.perf_counter() - start

    fast_rate = result.train_images / fast_s
    naive_rate = naive_seen / naive_s
    print(f"naive: {naive_seen} images in {naive_s:.1f} s = {naive_rate:.0f} img/s")
    print(
        f"fast:  {result.train_images} images in {fast_s:.1f} s = {fast_rate:.0f} img/s "
        f"(including the one-off text encoding and a validation pass)"
    )
    print(f"speed-up (training images per second): {fast_rate / naive_rate:.1f}x")


if __name__ == "__main__":
    main()
