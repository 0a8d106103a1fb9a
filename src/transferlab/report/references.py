"""The study's reference figures (real CIFAR, pretrained weights, GPU), as fractions.

A reference is a single value (the study's own) or a (low, high) range (public
reproductions). Sources: the study and the reproductions summarised in the project's design
document.
"""

from __future__ import annotations

Reference = float | tuple[float, float]

FINETUNE_TEST_TOP1: dict[str, Reference] = {
    "fc": 0.5855,
    "fc_hflip": 0.5927,
}

# Table 1 of the study: CLIP ViT-B/32, "This is a photo of a {}".
ZEROSHOT_SINGLE: dict[str, dict[str, Reference]] = {
    "cifar10": {"train": 0.88726, "test": 0.88940},
    "cifar100": {"train": 0.63564, "test": 0.63150},
}
ZEROSHOT_ENSEMBLE_TEST: dict[str, Reference] = {
    "cifar10": (0.898, 0.913),
    "cifar100": (0.645, 0.651),
}

PROMPT_TEST_TOP1: dict[tuple[str, str], Reference] = {
    ("cifar10", "padding"): (0.927, 0.930),
    ("cifar100", "padding"): (0.713, 0.723),
    ("cifar10", "deep"): (0.95, 0.964),
    ("cifar100", "deep"): (0.736, 0.794),
}


def difference(value: float | None, reference: Reference | None) -> float | None:
    """value - reference; for a range, the distance outside it (0 inside)."""
    if value is None or reference is None:
        return None
    if isinstance(reference, tuple):
        low, high = reference
        return 0.0 if low <= value <= high else (value - low if value < low else value - high)
    return value - reference
