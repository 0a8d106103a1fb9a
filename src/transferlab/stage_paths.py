"""Where a stage instance keeps its files: one naming scheme for every stage family.

``StagePaths("finetune", "fc")`` gives models/finetune/fc.pt, metrics/finetune/fc.json,
plots/finetune/fc.csv, plots/finetune/fc/ and the resume file models/finetune/resume/fc.pt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StagePaths:
    """Output paths of stage ``<family>@<key>``."""

    family: str
    key: str

    @property
    def model(self) -> Path:
        return Path("models") / self.family / f"{self.key}.pt"

    @property
    def resume(self) -> Path:
        # Not a DVC output (DVC would delete it before a rerun): see transferlab.resume.
        return Path("models") / self.family / "resume" / f"{self.key}.pt"

    @property
    def metrics(self) -> Path:
        return Path("metrics") / self.family / f"{self.key}.json"

    @property
    def curve(self) -> Path:
        return Path("plots") / self.family / f"{self.key}.csv"

    @property
    def figures(self) -> Path:
        return Path("plots") / self.family / self.key
