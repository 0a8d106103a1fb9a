"""Reading every metrics file the stages wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Results:
    """All metrics found under ``metrics/``, by stage family and key."""

    benchmark: dict[str, Any] | None = None
    finetune: dict[str, dict] = field(default_factory=dict)
    zeroshot: dict[str, dict] = field(default_factory=dict)
    prompt: dict[str, dict] = field(default_factory=dict)

    def all_runs(self) -> list[dict]:
        runs = [self.benchmark] if self.benchmark else []
        return [*runs, *self.finetune.values(), *self.zeroshot.values(), *self.prompt.values()]


def collect(metrics_dir: Path | str = Path("metrics")) -> Results:
    """Load metrics/benchmark.json and metrics/<family>/<key>.json, whichever exist."""
    root = Path(metrics_dir)
    results = Results()
    bench = root / "benchmark.json"
    if bench.exists():
        results.benchmark = json.loads(bench.read_text())
    for family in ("finetune", "zeroshot", "prompt"):
        for path in sorted((root / family).glob("*.json")):
            getattr(results, family)[path.stem] = json.loads(path.read_text())
    return results
