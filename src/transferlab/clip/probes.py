"""Custom questions to CLIP about a few test images (colour, man-made or nature, ...)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.text import text_classifier
from transferlab.clip.zeroshot import image_logits
from transferlab.data.prepared import PreparedData
from transferlab.device import autocast
from transferlab.figures import STYLE, save_figure
from transferlab.params import ProbeParams


@torch.no_grad()
def probe_answers(
    model,
    tokenizer,
    images: torch.Tensor,
    preprocess: ClipPreprocess,
    probes: dict[str, ProbeParams],
    precision: str,
) -> dict[str, list[tuple[str, float]]]:
    """For each probe, each image's most likely label and its softmax probability."""
    device = images.device
    pixels = preprocess(images)
    answers = {}
    for name, probe in probes.items():
        classifier = text_classifier(model, tokenizer, probe.labels, [probe.template], device)
        with autocast(device, precision):
            probs = image_logits(model, pixels, classifier).float().softmax(dim=1)
        best = probs.max(dim=1)
        answers[name] = [
            (probe.labels[int(i)], float(p)) for p, i in zip(best.values, best.indices, strict=True)
        ]
    return answers


def probe_grid(
    images: np.ndarray,
    true_names: list[str],
    answers: dict[str, list[tuple[str, float]]],
    path: Path | str,
    title: str,
) -> None:
    """A grid of (N, 32, 32, 3) images, each captioned with its class and the probes' answers."""
    n = len(images)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 3.3 * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for i in range(n):
            ax = axes.flat[i]
            ax.imshow(images[i], interpolation="nearest")
            lines = [f"class: {true_names[i]}"]
            lines += [
                f"{name}: {answers[name][i][0]} ({answers[name][i][1]:.2f})" for name in answers
            ]
            ax.set_title("\n".join(lines), fontsize=7, loc="left")
        fig.suptitle(title, fontsize=9)
        save_figure(fig, path)


def write_probe_grid(
    model,
    tokenizer,
    data: PreparedData,
    test_images: torch.Tensor,
    preprocess: ClipPreprocess,
    probes: dict[str, ProbeParams],
    count: int,
    seed: int,
    precision: str,
    path: Path | str,
    title: str,
) -> None:
    """Ask every probe about ``count`` seeded test images and save the captioned grid."""
    chosen = np.random.default_rng(seed).choice(
        len(data.test_labels), min(count, len(data.test_labels)), replace=False
    )
    index = torch.from_numpy(chosen).to(test_images.device)
    answers = probe_answers(model, tokenizer, test_images[index], preprocess, probes, precision)
    names = [data.classes[i].replace("_", " ") for i in data.test_labels[chosen]]
    probe_grid(data.test_images[chosen], names, answers, path, title)
