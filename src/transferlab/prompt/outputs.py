"""Files a prompt stage writes: prompt weights, metrics, per-epoch CSV, prompt pictures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from transferlab.atomic_io import write_json, write_with
from transferlab.clip.preprocess import ClipPreprocess
from transferlab.figures import STYLE, save_figure
from transferlab.params import PromptConfig
from transferlab.prompt.modules import DeepPrompt
from transferlab.prompt.train import PromptResult
from transferlab.provenance import provenance_fields
from transferlab.stage_paths import StagePaths


def _to_display(pixels: torch.Tensor, preprocess: ClipPreprocess) -> np.ndarray:
    """Normalised (3, H, W) -> (H, W, 3) in [0, 1] for imshow."""
    mean = torch.tensor(preprocess.mean).view(3, 1, 1)
    std = torch.tensor(preprocess.std).view(3, 1, 1)
    return (pixels.float().cpu() * std + mean).clamp(0, 1).permute(1, 2, 0).numpy()


def write_figures(
    prompt: torch.nn.Module, example: torch.Tensor, preprocess: ClipPreprocess, key: str, label: str
) -> None:
    """prompt.png (the learned prompt) and prompted_example.png (a test image with it)."""
    out = StagePaths("prompt", key).figures
    with plt.rc_context(STYLE), torch.no_grad():
        fig, ax = plt.subplots(figsize=(4.2, 4.2))
        if isinstance(prompt, DeepPrompt):
            tokens = prompt.tokens[0].float().cpu().numpy()
            image = ax.imshow(tokens, aspect="auto", cmap="coolwarm")
            fig.colorbar(image, ax=ax)
            ax.set_xlabel("hidden dimension")
            ax.set_ylabel("prompt token")
            ax.set_title(f"Deep prompt, layer {prompt.layer}", fontsize=9)
        else:
            p = prompt.prompt()[0].float().cpu()
            shown = (p - p.min()) / (p.max() - p.min() + 1e-12)
            ax.imshow(shown.permute(1, 2, 0).numpy(), interpolation="nearest")
            ax.set_title("Learned prompt (min-max scaled)", fontsize=9)
            ax.axis("off")
        fig.text(0.01, 0.005, label, fontsize=6, color="0.4")
        save_figure(fig, out / "prompt.png")

        pixels = preprocess(example[None])
        fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.4))
        axes[0].imshow(_to_display(pixels[0], preprocess), interpolation="nearest")
        axes[0].set_title("test image", fontsize=9)
        axes[1].imshow(_to_display(prompt(pixels)[0], preprocess), interpolation="nearest")
        axes[1].set_title(
            "with the prompt"
            + (" (acts inside the model)" if isinstance(prompt, DeepPrompt) else ""),
            fontsize=9,
        )
        for ax in axes:
            ax.axis("off")
        fig.text(0.01, 0.005, label, fontsize=6, color="0.4")
        save_figure(fig, out / "prompted_example.png")


def prompt_metrics(
    config: PromptConfig,
    result: PromptResult,
    tested: dict,
    cross: dict | None,
    *,
    zero_shot_val: float,
    data_source: str,
    weights_source: str,
    device: str,
    precision: str,
    seconds: float,
) -> dict:
    """The content of metrics/prompt/<dataset>-<method>.json."""
    return {
        **provenance_fields(data_source, weights_source),
        "dataset": config.dataset,
        "method": config.name,
        "type": config.method.type,
        "zero_shot_val_top1": zero_shot_val,
        "best_val_top1": result.best_val_top1,
        "best_epoch": result.best_epoch,
        **tested,
        "noise_std": config.settings.noise_std,
        "cross_dataset": cross,
        "epochs": config.settings.epochs,
        "seconds": seconds,
        "train_seconds": result.train_seconds,
        "train_images_per_second": result.train_images / max(result.train_seconds, 1e-9),
        "resumed_from_epoch": result.resumed_from_epoch,
        "device": device,
        "precision": precision,
        "params": config.as_dict(),
    }


def write_outputs(config: PromptConfig, result: PromptResult, metrics: dict) -> None:
    """Prompt weights and per-epoch curve, then the metrics file (it marks a complete run)."""
    payload = {
        "method": metrics["params"]["method"],
        "state_dict": result.best_state,
        "meta": {k: metrics[k] for k in ("label", "dataset", "method", "best_epoch")},
    }
    paths = StagePaths("prompt", config.key)
    write_with(paths.model, lambda tmp: torch.save(payload, tmp))
    curve = pd.DataFrame(result.history)
    write_with(paths.curve, lambda tmp: curve.to_csv(tmp, index=False, float_format="%.6g"))
    write_json(paths.metrics, metrics)
