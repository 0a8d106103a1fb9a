"""Training a visual prompt on a frozen CLIP, on the fast path.

Splits sit on the device as uint8; CLIP preprocessing runs batched on the device; the text
classifier is computed once; only the prompt's parameters receive gradients. SGD with
momentum, a linear warm-up then cosine decay, stepped per batch (torch's schedulers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm import tqdm

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.data.device_batches import IndexBatches
from transferlab.data.device_transforms import add_gaussian_noise
from transferlab.device import autocast
from transferlab.metrics import RunningTrainStats, evaluate
from transferlab.params import PromptConfig
from transferlab.prompt.model import PromptedClip
from transferlab.resume import ResumeStore


def warmup_cosine(optimizer: torch.optim.Optimizer, warmup: int, total: int):
    """Linear warm-up over ``warmup`` steps, then cosine decay to zero at ``total`` steps."""
    warmup = min(warmup, max(total - 1, 0))
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total - warmup, 1))
    if warmup == 0:
        return cosine
    linear = torch.optim.lr_scheduler.LinearLR(
        optimizer, start_factor=1.0 / warmup, total_iters=warmup
    )
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [linear, cosine], milestones=[warmup])


@dataclass
class PromptResult:
    """History and best-validation state of a prompt training run."""

    history: list[dict] = field(default_factory=list)
    best_epoch: int = -1
    best_val_top1: float = -1.0
    best_state: dict[str, torch.Tensor] = field(default_factory=dict)
    train_seconds: float = 0.0
    train_images: int = 0
    resumed_from_epoch: int | None = None


def logits_fn(
    model: PromptedClip,
    images: torch.Tensor,
    preprocess: ClipPreprocess,
    precision: str,
    noise_std: float = 0.0,
    generator: torch.Generator | None = None,
):
    """positions -> logits of the prompted model on ``images[positions]``."""

    def run(pos: torch.Tensor) -> torch.Tensor:
        pixels = preprocess(images[pos])
        if noise_std:
            pixels = add_gaussian_noise(pixels, noise_std, generator)
        with autocast(images.device, precision):
            return model(pixels).float()

    return run


def train_prompt(
    config: PromptConfig,
    model: PromptedClip,
    preprocess: ClipPreprocess,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    device: torch.device,
    precision: str,
    store: ResumeStore | None = None,
    progress: bool = True,
) -> PromptResult:
    """Train ``model.prompt``; keep the prompt state of the best validation epoch."""
    s = config.settings
    (train_x, train_y), (val_x, val_y) = train, val
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=s.lr, momentum=s.momentum, weight_decay=s.weight_decay)
    batches = IndexBatches(len(train_y), s.batch_size, shuffle=True, seed=s.seed, device=device)
    scheduler = warmup_cosine(optimizer, s.warmup_steps, s.epochs * len(batches))
    result = PromptResult()

    saved = store.load() if store else None
    start_epoch = 0
    if saved is not None:
        model.prompt.load_state_dict(saved["prompt"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        if "positions" in saved:
            model.prompt.positions.set_state(saved["positions"])
        for name in (
            "history",
            "best_epoch",
            "best_val_top1",
            "best_state",
            "train_seconds",
            "train_images",
        ):
            setattr(result, name, saved[name])
        start_epoch = result.resumed_from_epoch = saved["epoch"] + 1

    for epoch in range(start_epoch, s.epochs):
        start = time.perf_counter()
        model.train()
        stats = RunningTrainStats(device)
        desc = f"{config.key} epoch {epoch + 1}/{s.epochs}"
        bar = tqdm(
            batches.epoch(epoch),
            total=len(batches),
            desc=desc,
            unit="batch",
            disable=not progress,
            leave=False,
        )
        for step, pos in enumerate(bar):
            pixels = preprocess(train_x[pos])
            with autocast(device, precision):
                logits = model(pixels).float()
            loss = F.cross_entropy(logits, train_y[pos])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            stats.update(loss, logits, train_y[pos])
            if progress and step % 20 == 0:
                bar.set_postfix(loss=f"{stats.loss:.3f}")
        model.eval()
        val_metrics = evaluate(
            logits_fn(model, val_x, preprocess, precision), val_y, s.eval_batch_size
        )
        result.train_seconds += time.perf_counter() - start
        result.train_images += stats.seen
        row = {**stats.epoch_row(epoch + 1, val_metrics), "lr": optimizer.param_groups[0]["lr"]}
        result.history.append(row)
        if val_metrics["top1"] > result.best_val_top1:
            result.best_epoch, result.best_val_top1 = epoch + 1, val_metrics["top1"]
            result.best_state = {
                k: v.detach().cpu().clone() for k, v in model.prompt.state_dict().items()
            }
        if progress:
            print(
                f"{config.key} epoch {epoch + 1}/{s.epochs}: train loss {row['train_loss']:.4f} "
                f"top-1 {row['train_top1']:.4f}, val top-1 {row['val_top1']:.4f}"
            )
        if store is not None:
            state = {
                "epoch": epoch,
                "prompt": model.prompt.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "history": result.history,
                "best_epoch": result.best_epoch,
                "best_val_top1": result.best_val_top1,
                "best_state": result.best_state,
                "train_seconds": result.train_seconds,
                "train_images": result.train_images,
            }
            if hasattr(model.prompt, "positions"):
                state["positions"] = model.prompt.positions.get_state()
            store.save(state)
    model.prompt.load_state_dict(result.best_state)
    return result
