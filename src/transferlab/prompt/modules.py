"""Learnable prompts for a frozen CLIP.

Pixel prompts (padding, fixed patch, random patch) are added to the normalised image. The
deep prompt inserts learnable tokens into the vision transformer's hidden states before a
chosen layer, through a forward pre-hook on that layer: CLIP's own forward code runs
unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from transferlab.errors import ParamsError


class PaddingPrompt(nn.Module):
    """A learnable border of width ``size`` around the image; the centre is left untouched."""

    def __init__(
        self, image_size: int, size: int, generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        if not size > 0 or 2 * size > image_size:
            raise ParamsError(
                f"params: padding size = {size} is invalid for {image_size} px images; "
                f"allowed: 1 to {image_size // 2} (at most half the image)"
            )
        inner = image_size - 2 * size
        self.size, self.image_size = size, image_size
        self.top = nn.Parameter(torch.randn(1, 3, size, image_size, generator=generator))
        self.bottom = nn.Parameter(torch.randn(1, 3, size, image_size, generator=generator))
        self.left = nn.Parameter(torch.randn(1, 3, inner, size, generator=generator))
        self.right = nn.Parameter(torch.randn(1, 3, inner, size, generator=generator))

    def prompt(self) -> torch.Tensor:
        """The full (1, 3, H, W) prompt, zero in the centre."""
        inner = self.image_size - 2 * self.size
        centre = self.top.new_zeros(1, 3, inner, inner)
        middle = torch.cat([self.left, centre, self.right], dim=3)
        return torch.cat([self.top, middle, self.bottom], dim=2)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return pixels + self.prompt().to(pixels.dtype)


class FixedPatchPrompt(nn.Module):
    """A learnable ``size`` x ``size`` patch added at the top-left corner."""

    def __init__(
        self, image_size: int, size: int, generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        _check_patch(image_size, size)
        self.image_size, self.size = image_size, size
        self.patch = nn.Parameter(torch.randn(1, 3, size, size, generator=generator))

    def place(self, top: int, left: int) -> torch.Tensor:
        """The full (1, 3, H, W) prompt with the patch at (top, left)."""
        s, n = self.size, self.image_size
        return nn.functional.pad(self.patch, (left, n - left - s, top, n - top - s))

    def prompt(self) -> torch.Tensor:
        return self.place(0, 0)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return pixels + self.prompt().to(pixels.dtype)


class RandomPatchPrompt(FixedPatchPrompt):
    """The same learnable patch, at a position drawn from a seeded generator at every call."""

    def __init__(
        self, image_size: int, size: int, generator: torch.Generator | None = None, seed: int = 0
    ) -> None:
        super().__init__(image_size, size, generator)
        self.positions = torch.Generator().manual_seed(seed)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        top, left = torch.randint(
            0, self.image_size - self.size + 1, (2,), generator=self.positions
        ).tolist()
        return pixels + self.place(top, left).to(pixels.dtype)


def _check_patch(image_size: int, size: int) -> None:
    if not 0 < size <= image_size:
        raise ParamsError(
            f"params: patch size = {size} is invalid for {image_size} px images; "
            f"allowed: 1 to {image_size}"
        )


class DeepPrompt(nn.Module):
    """``tokens`` learnable vectors inserted after the class token before encoder layer ``layer``.

    ``attach(vision_model)`` registers a forward pre-hook on that layer; the tokens then flow
    through the remaining layers, and the pooled class token sees them through attention.
    """

    def __init__(
        self,
        hidden_size: int,
        depth: int,
        tokens: int,
        layer: int,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if tokens < 1:
            raise ParamsError(f"params: deep prompt tokens = {tokens} is invalid; allowed: >= 1")
        if not 0 <= layer < depth:
            raise ParamsError(
                f"params: deep prompt layer = {layer} is invalid; the vision transformer has "
                f"{depth} layers, so allowed: 0 to {depth - 1}"
            )
        self.layer = layer
        self.tokens = nn.Parameter(torch.randn(1, tokens, hidden_size, generator=generator))
        self._handle = None

    def insert(self, hidden: torch.Tensor) -> torch.Tensor:
        """(B, 1 + P, D) -> (B, 1 + T + P, D): class token, prompt tokens, patch tokens."""
        tokens = self.tokens.to(hidden.dtype).expand(hidden.shape[0], -1, -1)
        return torch.cat([hidden[:, :1], tokens, hidden[:, 1:]], dim=1)

    def attach(self, vision_model: nn.Module) -> None:
        """Hook into ``vision_model.encoder.layers[layer]`` of a transformers CLIP vision model."""

        def hook(module, args, kwargs):
            if args:
                return (self.insert(args[0]), *args[1:]), kwargs
            return args, {**kwargs, "hidden_states": self.insert(kwargs["hidden_states"])}

        self.detach()
        self._handle = vision_model.encoder.layers[self.layer].register_forward_pre_hook(
            hook, with_kwargs=True
        )

    def detach(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return pixels  # acts inside the model, through the hook
