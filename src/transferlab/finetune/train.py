"""Fine-tuning loop on the fast path.

The dataset sits on the device as uint8; a batch is an index tensor. Everything before the
first trainable step of the network (the frozen prefix) runs in eval mode, so when no
augmentation precedes it its output is computed once and cached: fc-only training then costs
one backbone pass per training image in total, two with flips (both orientations are cached).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from transferlab.data.device_batches import IndexBatches
from transferlab.data.device_transforms import add_gaussian_noise, preprocess
from transferlab.device import autocast, resolve_precision
from transferlab.finetune.model import (
    freeze_all_but,
    set_train_mode,
    split_frozen_prefix,
    trainable_parameter_names,
)
from transferlab.metrics import RunningTrainStats, evaluate
from transferlab.params import FinetuneConfig
from transferlab.resume import ResumeStore

GB = 1e9


class SuffixInputs:
    """Inputs of the trainable suffix for batches of positions in one split.

    With ``cache`` (and room in ``budget_bytes``) the frozen prefix's outputs are computed once,
    for both orientations when ``flips``; otherwise they are computed per batch under
    ``no_grad``. Both give the same values, since the prefix works per image in eval mode.
    """

    def __init__(
        self,
        images: torch.Tensor,
        prefix: nn.Module,
        transform: Callable[[torch.Tensor], torch.Tensor],
        amp: Callable,
        *,
        cache: bool,
        flips: bool,
        batch_size: int,
        budget_bytes: float,
    ) -> None:
        self.images, self.prefix, self.transform, self.amp = images, prefix, transform, amp
        self.batch_size = batch_size
        self.cached: torch.Tensor | None = None
        self.cached_flipped: torch.Tensor | None = None
        self.mode = "computed per batch"
        if cache:
            sample = self._compute(torch.arange(1, device=images.device))
            need = sample.element_size() * sample.numel() * len(images) * (2 if flips else 1)
            if need <= budget_bytes:
                self.cached = self._compute_all(flipped=False)
                if flips:
                    self.cached_flipped = self._compute_all(flipped=True)
                self.mode = f"cached ({need / GB:.2f} GB{', both orientations' if flips else ''})"
            else:
                self.mode = f"computed per batch (cache needs {need / GB:.2f} GB > budget)"

    @property
    def cached_bytes(self) -> int:
        """Device memory held by the cache."""
        tensors = (self.cached, self.cached_flipped)
        return sum(t.element_size() * t.numel() for t in tensors if t is not None)

    def _compute(self, pos: torch.Tensor, flip: torch.Tensor | None = None) -> torch.Tensor:
        x = self.transform(self.images[pos])
        if flip is not None:
            x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
        with torch.no_grad(), self.amp():
            return self.prefix(x)

    def _compute_all(self, flipped: bool) -> torch.Tensor:
        n = len(self.images)
        out = []
        for pos in IndexBatches(n, self.batch_size, shuffle=False, device=self.images.device):
            flip = torch.ones(len(pos), dtype=torch.bool, device=pos.device) if flipped else None
            out.append(self._compute(pos, flip))
        return torch.cat(out)

    def __call__(self, pos: torch.Tensor, flip: torch.Tensor | None = None) -> torch.Tensor:
        if self.cached is None:
            return self._compute(pos, flip)
        out = self.cached[pos]
        if flip is not None:
            mask = flip.view(-1, *([1] * (out.ndim - 1)))
            out = torch.where(mask, self.cached_flipped[pos], out)
        return out


@dataclass
class FinetuneResult:
    """What a run produced: the best-validation model and its figures."""

    model: nn.Module
    history: list[dict] = field(default_factory=list)
    best_epoch: int = -1
    best_val_top1: float = 0.0
    test: dict[str, float] = field(default_factory=dict)
    test_noisy_top1: float | None = None
    train_seconds: float = 0.0
    train_images: int = 0
    feature_mode: str = ""
    precision: str = "fp32"
    resumed_from_epoch: int | None = None


def _changed_state(
    model: nn.Module, trainable: list[str], frozen_bn: str
) -> dict[str, torch.Tensor]:
    # Only these tensors can differ from the pretrained file: trainable parameters, and the
    # BatchNorm buffers when model.train() lets them update.
    keep = set(trainable)
    if frozen_bn == "train":
        keep |= {name for name, _ in model.named_buffers()}
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items() if k in keep}


def finetune(
    config: FinetuneConfig,
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    device: torch.device,
    store: ResumeStore | None = None,
    progress: bool = True,
) -> FinetuneResult:
    """Train ``config``'s parameters of ``model`` and evaluate the best-validation checkpoint.

    ``train``, ``val`` and ``test`` are (uint8 images (N, 3, 32, 32), int64 labels) on ``device``.
    """
    s = config.settings
    precision = resolve_precision(s.precision, device)
    memory_format = (
        torch.channels_last
        if s.channels_last and device.type == "cuda"
        else torch.contiguous_format
    )
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True

    def amp():
        return autocast(device, precision)

    def transform(images: torch.Tensor) -> torch.Tensor:
        x = preprocess(images, s.image_size, s.mean, s.std, s.interpolation)
        return x.contiguous(memory_format=memory_format)

    key = f"finetune.variants.{config.name}.trainable"
    trainable = trainable_parameter_names(model, config.variant.trainable, key)
    freeze_all_but(model, trainable)
    model.to(device, memory_format=memory_format)
    set_train_mode(model, s.frozen_bn)
    prefix, suffix = split_frozen_prefix(model, trainable)
    flips = config.variant.hflip > 0
    cache = s.cache_features and s.frozen_bn == "eval" and len(prefix) > 0
    budget = s.cache_memory_gb * GB

    (train_x, train_y), (val_x, val_y), (test_x, test_y) = train, val, test
    common = {"cache": cache, "batch_size": s.eval_batch_size}
    train_in = SuffixInputs(
        train_x, prefix, transform, amp, flips=flips, budget_bytes=budget, **common
    )
    val_budget = budget - train_in.cached_bytes
    val_in = SuffixInputs(
        val_x, prefix, transform, amp, flips=False, budget_bytes=val_budget, **common
    )

    optimizer = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=s.lr, weight_decay=s.weight_decay
    )
    batches = IndexBatches(len(train_y), s.batch_size, shuffle=True, seed=s.seed, device=device)
    result = FinetuneResult(model=model, precision=precision, feature_mode=train_in.mode)
    best_state: dict[str, torch.Tensor] = _changed_state(model, trainable, s.frozen_bn)

    saved = store.load() if store else None
    start_epoch = 0
    if saved is not None:
        model.load_state_dict(saved["weights"], strict=False)
        optimizer.load_state_dict(saved["optimizer"])
        result.history, best_state = saved["history"], saved["best_state"]
        result.best_epoch, result.best_val_top1 = saved["best_epoch"], saved["best_val_top1"]
        result.train_seconds, result.train_images = saved["train_seconds"], saved["train_images"]
        start_epoch = result.resumed_from_epoch = saved["epoch"] + 1

    for epoch in range(start_epoch, s.epochs):
        start = time.perf_counter()
        set_train_mode(model, s.frozen_bn)
        flip_gen = torch.Generator(device=device).manual_seed(s.seed * 1_000_003 + epoch)
        stats = RunningTrainStats(device)
        desc = f"{config.name} epoch {epoch + 1}/{s.epochs}"
        bar = tqdm(batches.epoch(epoch), total=len(batches), desc=desc, unit="batch",
                   disable=not progress, leave=False)  # fmt: skip
        for step, pos in enumerate(bar):
            flip = None
            if flips:
                flip = (
                    torch.rand(len(pos), generator=flip_gen, device=device) < config.variant.hflip
                )
            inputs = train_in(pos, flip)
            with amp():
                logits = suffix(inputs)
            loss = F.cross_entropy(logits.float(), train_y[pos])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            stats.update(loss, logits, train_y[pos])
            if progress and step % 20 == 0:
                bar.set_postfix(loss=f"{stats.loss:.3f}")
        model.eval()
        with amp():
            val_metrics = evaluate(lambda p: suffix(val_in(p)), val_y, s.eval_batch_size)
        result.train_seconds += time.perf_counter() - start
        result.train_images += stats.seen
        row = stats.epoch_row(epoch + 1, val_metrics)
        result.history.append(row)
        if val_metrics["top1"] > result.best_val_top1 or result.best_epoch < 0:
            result.best_epoch, result.best_val_top1 = epoch + 1, val_metrics["top1"]
            best_state = _changed_state(model, trainable, s.frozen_bn)
        if progress:
            print(f"{config.name} epoch {epoch + 1}/{s.epochs}: train loss {row['train_loss']:.4f} "
                  f"top-1 {row['train_top1']:.4f}, val loss {row['val_loss']:.4f} "
                  f"top-1 {row['val_top1']:.4f}")  # fmt: skip
        if store is not None:
            store.save({
                "epoch": epoch, "weights": _changed_state(model, trainable, s.frozen_bn),
                "optimizer": optimizer.state_dict(), "history": result.history,
                "best_state": best_state, "best_epoch": result.best_epoch,
                "best_val_top1": result.best_val_top1, "train_seconds": result.train_seconds,
                "train_images": result.train_images,
            })  # fmt: skip

    model.load_state_dict(best_state, strict=False)
    model.eval()
    with amp():
        result.test = evaluate(lambda p: model(transform(test_x[p])), test_y, s.eval_batch_size)
        if s.noise_std > 0:
            noise_gen = torch.Generator(device=device).manual_seed(s.seed)

            def noisy(p: torch.Tensor) -> torch.Tensor:
                return model(add_gaussian_noise(transform(test_x[p]), s.noise_std, noise_gen))

            result.test_noisy_top1 = evaluate(noisy, test_y, s.eval_batch_size)["top1"]
    return result


def _bytes(inputs: SuffixInputs) -> float:
    return sum(
        t.element_size() * t.numel()
        for t in (inputs.cached, inputs.cached_flipped)
        if t is not None
    )
