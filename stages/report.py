"""Stage report: REPORT.md and its overview figures, from every metrics file present.

Usage: python stages/report.py     (reads metrics/ and plots/; no params)
Stages that have not run are reported as missing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from transferlab.atomic_io import write_text
from transferlab.report.collect import collect
from transferlab.report.figures import overlay_curves
from transferlab.report.render import render_report
from transferlab.stage import run_stage

REPORT = Path("REPORT.md")
FIGURES = Path("plots/report")


def main(argv: list[str]) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    results = collect()
    labels = {r["label"] for r in results.all_runs() if "label" in r}
    note = "; ".join(sorted(labels))
    overlay_curves(
        {n: Path(f"plots/finetune/{n}.csv") for n in results.finetune},
        "val_top1",
        "Fine-tuning ResNet-18: validation top-1",
        FIGURES / "finetune_val_top1.png",
        note,
    )
    overlay_curves(
        {k: Path(f"plots/prompt/{k}.csv") for k in results.prompt},
        "val_top1",
        "Visual prompts: validation top-1",
        FIGURES / "prompt_val_top1.png",
        note,
    )
    write_text(REPORT, render_report(results))
    print(f"{REPORT} written from {len(results.all_runs())} metrics files; {note or 'no runs yet'}")


if __name__ == "__main__":
    run_stage(main)
