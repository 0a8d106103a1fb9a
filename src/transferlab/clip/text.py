"""Zero-shot text classifiers: one normalised embedding per class, computed once."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from transferlab.errors import ParamsError


def readable_class_names(classes: Sequence[str]) -> list[str]:
    """CIFAR's names with ``_`` turned into spaces (``aquarium_fish`` -> ``aquarium fish``)."""
    return [c.replace("_", " ") for c in classes]


def check_templates(templates: Sequence[str], key: str) -> None:
    """A prompt set must be non-empty and every template must hold one ``{}``."""
    if not templates:
        raise ParamsError(f"params: {key} = [] is invalid; allowed: a non-empty list of templates")
    for i, template in enumerate(templates):
        if template.count("{}") != 1:
            raise ParamsError(
                f"params: {key}[{i}] = {template!r} is invalid; allowed: a template with exactly "
                "one {} where the class name goes"
            )


def features(output) -> torch.Tensor:
    """Embeddings from ``get_text_features``/``get_image_features`` (tensor or output object)."""
    return output if isinstance(output, torch.Tensor) else output.pooler_output


@torch.no_grad()
def encode_texts(
    model, tokenizer, texts: Sequence[str], device: torch.device, batch_size: int = 256
):
    """L2-normalised text embeddings, (len(texts), D), float32."""
    out = []
    for start in range(0, len(texts), batch_size):
        tokens = tokenizer(
            list(texts[start : start + batch_size]),
            padding=True,
            truncation=True,
            return_tensors="pt",
        ).to(device)
        emb = features(model.get_text_features(**tokens)).float()
        out.append(F.normalize(emb, dim=-1))
    return torch.cat(out)


@torch.no_grad()
def text_classifier(
    model, tokenizer, class_names: Sequence[str], templates: Sequence[str], device: torch.device
) -> torch.Tensor:
    """(C, D) classifier: per class, normalise each template's embedding, average, normalise."""
    texts = [t.format(name) for name in class_names for t in templates]
    emb = encode_texts(model, tokenizer, texts, device).view(len(class_names), len(templates), -1)
    return F.normalize(emb.mean(dim=1), dim=-1)
