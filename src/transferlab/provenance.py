"""Labels that mark results from synthetic data or random weights wherever they appear."""

from __future__ import annotations


def provenance_label(data_source: str, weights_source: str) -> str:
    """One line saying whether a run is a result of the study or only a pipeline test."""
    parts = []
    if data_source == "synthetic":
        parts.append("SYNTHETIC DATA")
    if weights_source == "random":
        parts.append("RANDOM WEIGHTS")
    if not parts:
        return "real data, pretrained weights"
    return " + ".join(parts) + ": tests the pipeline, not a result of the study"


def provenance_fields(data_source: str, weights_source: str) -> dict[str, str | bool]:
    """The fields every metrics file starts with, so reports and readers can label runs."""
    return {
        "label": provenance_label(data_source, weights_source),
        "synthetic_data": data_source == "synthetic",
        "random_weights": weights_source == "random",
        "data_source": data_source,
        "weights_source": weights_source,
    }
