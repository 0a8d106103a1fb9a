"""A frozen CLIP with a learnable prompt and a fixed text classifier."""

from __future__ import annotations

import torch
from torch import nn

from transferlab.clip.zeroshot import image_logits
from transferlab.params import PromptMethodParams
from transferlab.prompt.modules import (
    DeepPrompt,
    FixedPatchPrompt,
    PaddingPrompt,
    RandomPatchPrompt,
)


def build_prompt(method: PromptMethodParams, model, image_size: int, seed: int) -> nn.Module:
    """The prompt module a method entry describes, initialised from ``seed``."""
    g = torch.Generator().manual_seed(seed)
    if method.type == "padding":
        return PaddingPrompt(image_size, method.size, g)
    if method.type == "fixed_patch":
        return FixedPatchPrompt(image_size, method.size, g)
    if method.type == "random_patch":
        return RandomPatchPrompt(image_size, method.size, g, seed=seed)
    vision = model.vision_model
    prompt = DeepPrompt(
        vision.config.hidden_size, len(vision.encoder.layers), method.tokens, method.layer, g
    )
    return prompt


class PromptedClip(nn.Module):
    """logits = scale * cos(image features of prompted pixels, class embeddings); CLIP frozen."""

    def __init__(self, clip_model, prompt: nn.Module, classifier: torch.Tensor) -> None:
        super().__init__()
        self.clip = clip_model
        self.prompt = prompt
        self.register_buffer("classifier", classifier)
        self.clip.requires_grad_(False)
        self.clip.eval()
        if isinstance(prompt, DeepPrompt):
            prompt.attach(self.clip.vision_model)

    def train(self, mode: bool = True) -> PromptedClip:
        # CLIP stays in eval mode whatever the prompt's mode.
        super().train(mode)
        self.clip.eval()
        return self

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return image_logits(self.clip, self.prompt(pixels), self.classifier)
