"""Stage benchmark: time, memory, accuracy and size of torchvision models (study part 1.1).

Usage: python stages/benchmark.py     (reads params.yaml: benchmark.*)
Writes metrics/benchmark.json, plots/benchmark.csv, plots/benchmark_modes.csv and
plots/benchmark/*.png.
"""

from __future__ import annotations

import argparse
import time

from transferlab.benchmark.catalogue import validate_model_names
from transferlab.benchmark.outputs import write_outputs
from transferlab.benchmark.run import benchmark_metrics, run_benchmark
from transferlab.device import resolve_device
from transferlab.params import BenchmarkParams, load_section
from transferlab.stage import run_stage


def main(argv: list[str]) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    params = load_section(BenchmarkParams, "benchmark")
    validate_model_names(params.models)
    device = resolve_device(params.device, "benchmark.device")

    start = time.perf_counter()
    table = run_benchmark(params, device)
    metrics = benchmark_metrics(table, params, device, time.perf_counter() - start)
    write_outputs(table, metrics)
    r = metrics["correlations"]["top1_vs_time"]["pearson_r"]
    print(
        f"{len(table)} models on {metrics['device']} in {metrics['seconds']:.1f} s; "
        f"Pearson r(top-1, time per image) = {'n/a' if r is None else f'{r:.3f}'}"
    )


if __name__ == "__main__":
    run_stage(main)
