"""Zero-shot classification of a device-resident uint8 split with a fixed text classifier."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.text import features
from transferlab.data.device_batches import IndexBatches
from transferlab.data.device_transforms import add_gaussian_noise
from transferlab.device import autocast, synchronize


@dataclass
class SplitPredictions:
    """Top-5 predictions of one split, with how long they took."""

    top5: np.ndarray  # (N, 5) class indices, best first
    labels: np.ndarray
    seconds: float

    @property
    def predicted(self) -> np.ndarray:
        return self.top5[:, 0]

    def top1(self) -> float:
        return float((self.predicted == self.labels).mean())

    def top5_accuracy(self) -> float:
        return float((self.top5 == self.labels[:, None]).any(axis=1).mean())

    def per_class_top1(self, num_classes: int) -> np.ndarray:
        correct = np.bincount(
            self.labels, weights=self.predicted == self.labels, minlength=num_classes
        )
        count = np.bincount(self.labels, minlength=num_classes)
        return np.divide(correct, count, out=np.full(num_classes, np.nan), where=count > 0)

    def images_per_second(self) -> float:
        return len(self.labels) / max(self.seconds, 1e-9)


def image_logits(model, pixels: torch.Tensor, classifier: torch.Tensor) -> torch.Tensor:
    """CLIP logits: the model's own logit scale times cosine similarity to each class."""
    emb = F.normalize(features(model.get_image_features(pixel_values=pixels)).float(), dim=-1)
    return model.logit_scale.exp().float() * emb @ classifier.T


@torch.no_grad()
def predict_split(
    model,
    images: torch.Tensor,
    labels: torch.Tensor,
    classifier: torch.Tensor,
    preprocess: ClipPreprocess,
    *,
    batch_size: int,
    precision: str,
    noise_std: float = 0.0,
    noise_seed: int = 0,
    desc: str = "zero-shot",
    progress: bool = True,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> SplitPredictions:
    """Top-5 predictions for every image of a uint8 (N, 3, H, W) split on the model's device.

    ``noise_std`` adds N(0, std^2) after normalisation; ``transform`` (e.g. a visual prompt)
    is applied to the normalised pixels before the model.
    """
    device = images.device
    generator = torch.Generator(device=device).manual_seed(noise_seed) if noise_std else None
    k = min(5, classifier.shape[0])
    out = []
    synchronize(device)
    start = time.perf_counter()
    batches = IndexBatches(len(images), batch_size, shuffle=False, device=device)
    for pos in tqdm(
        batches, total=len(batches), desc=desc, unit="batch", disable=not progress, leave=False
    ):
        pixels = preprocess(images[pos])
        if noise_std:
            pixels = add_gaussian_noise(pixels, noise_std, generator)
        if transform is not None:
            pixels = transform(pixels)
        with autocast(device, precision):
            logits = image_logits(model, pixels, classifier)
        out.append(logits.topk(k, dim=1).indices)
    top5 = torch.cat(out).cpu().numpy()
    synchronize(device)
    seconds = time.perf_counter() - start
    return SplitPredictions(top5=top5, labels=labels.cpu().numpy(), seconds=seconds)
