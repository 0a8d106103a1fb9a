"""REPORT.md from the collected metrics, in the study's order, beside its reference figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from transferlab.report.collect import Results
from transferlab.report.references import (
    FINETUNE_TEST_TOP1,
    PROMPT_TEST_TOP1,
    ZEROSHOT_ENSEMBLE_TEST,
    ZEROSHOT_SINGLE,
    Reference,
    difference,
)

FINETUNE_SECTIONS = (
    ("1.2.a Only the fc layer", ("fc",)),
    ("1.2.b fc with horizontal-flip augmentation", ("fc_hflip",)),
    ("1.2.c fc with the last or the first conv layer", ("last_conv", "first_conv")),
)
DATASET_TITLES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}"


def ref_text(reference: Reference | None) -> str:
    if reference is None:
        return "n/a"
    if isinstance(reference, tuple):
        return f"{100 * reference[0]:.1f}-{100 * reference[1]:.1f}"
    return pct(reference)


def diff_text(value: float | None, reference: Reference | None) -> str:
    d = difference(value, reference)
    return "n/a" if d is None else f"{100 * d:+.2f}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def missing(stage: str, path: str) -> str:
    return f"_Missing: stage `{stage}` has not written `{path}`; nothing is reported for it._"


def figure(path: str, caption: str) -> str:
    return f"![{caption}]({path})" if Path(path).exists() else f"_Figure missing: `{path}`._"


def provenance_lines(results: Results, today: dt.date) -> list[str]:
    runs = results.all_runs()
    # The benchmark times random weights by design, so it has no data or weights source.
    data = sorted({r["data_source"] for r in runs if "data_source" in r}) or ["n/a"]
    weights = sorted({r["weights_source"] for r in runs if "weights_source" in r}) or ["n/a"]
    devices = sorted({r["device"] for r in runs if "device" in r}) or ["n/a"]
    lines = [
        f"Data: {', '.join(data)}; weights: {', '.join(weights)}; device: {'; '.join(devices)}; "
        f"generated {today.isoformat()}."
    ]
    if any(
        r.get("data_source") == "synthetic" or r.get("weights_source") == "random" for r in runs
    ):
        lines += [
            "",
            "> **SYNTHETIC DATA / RANDOM WEIGHTS.** This report comes from a pipeline test "
            "(e.g. `make demo`): its numbers say nothing about the study. Only a run with "
            "`data.source: download` and `pretrained.source: download` reproduces it.",
        ]
    return lines


def benchmark_section(results: Results) -> list[str]:
    out = ["## 1.1 Comparing ImageNet models", ""]
    b = results.benchmark
    if b is None:
        return [*out, missing("benchmark", "metrics/benchmark.json"), ""]
    models = b["models"]
    out += [
        f"Device {b['device']}, batch {b['batch_size']}, {b['precision']}; {b['weights_note']}.",
        "",
    ]
    corr = b["correlations"]

    def corr_line(name: str, key: str) -> str:
        c = corr[key]
        if c["pearson_r"] is None:
            return f"{name}: too few models for a correlation."
        return (
            f"{name}: Pearson r = {c['pearson_r']:.3f} (p = {c['pearson_p']:.3g}), "
            f"Spearman rho = {c['spearman_rho']:.3f}, n = {c['n']}."
        )

    out += ["### 1.1.a Inference time against ImageNet top-1", ""]
    out += [
        table(
            ["model", "ImageNet top-1 (%)", "top-5 (%)", "GFLOPs", "time per image, no_grad (ms)"],
            [
                (
                    m,
                    f"{v['top1']:.2f}",
                    f"{v['top5']:.2f}",
                    f"{v['gflops']:.2f}",
                    f"{v['time_ms_no_grad']:.3f}",
                )
                for m, v in models.items()
            ],
        ),
        "",
        corr_line("Top-1 against time per image", "top1_vs_time"),
        "",
        figure("plots/benchmark/time_vs_top1.png", "time per image against top-1"),
        "",
    ]
    out += ["### 1.1.b Inference time against parameter count", ""]
    out += [
        table(
            ["model", "parameters (M)", "trainable (M)", "time per image, no_grad (ms)"],
            [
                (
                    m,
                    f"{v['params_m']:.2f}",
                    f"{v['params_trainable'] / 1e6:.2f}",
                    f"{v['time_ms_no_grad']:.3f}",
                )
                for m, v in models.items()
            ],
        ),
        "",
        corr_line("Parameters against time per image", "params_vs_time"),
        "",
        figure("plots/benchmark/time_vs_params.png", "time per image against parameters"),
        "",
    ]
    out += ["### 1.1.c With and without `torch.no_grad()`", ""]
    out += [
        table(
            [
                "model",
                "time grad (ms)",
                "time no_grad (ms)",
                "time inference_mode (ms)",
                f"memory grad (MiB, batch {b['memory_batch_size']})",
                "memory no_grad (MiB)",
            ],
            [
                (
                    m,
                    f"{v['time_ms_grad']:.3f}",
                    f"{v['time_ms_no_grad']:.3f}",
                    f"{v['time_ms_inference_mode']:.3f}",
                    f"{v['memory_mb_grad']:.1f}",
                    f"{v['memory_mb_no_grad']:.1f}",
                )
                for m, v in models.items()
            ],
        ),
        "",
        f"Memory: {b['memory_method']}.",
        "",
        figure("plots/benchmark/time_by_mode.png", "time by autograd mode"),
        "",
        figure("plots/benchmark/memory_by_mode.png", "memory by autograd mode"),
        "",
    ]
    return out


def finetune_section(results: Results) -> list[str]:
    out = ["## 1.2 Fine-tuning ResNet-18 on CIFAR-100", ""]
    runs = results.finetune
    headers = [
        "variant",
        "trains",
        "best epoch",
        "best val top-1 (%)",
        "test top-1 (%)",
        "test top-5 (%)",
        "study (%)",
        "difference (pp)",
    ]

    def row(name: str) -> tuple:
        m = runs[name]
        ref = FINETUNE_TEST_TOP1.get(name)
        return (
            name,
            ", ".join(m["params"]["trainable"]),
            m["best_epoch"],
            pct(m["best_val_top1"]),
            pct(m["test_top1"]),
            pct(m["test_top5"]),
            ref_text(ref),
            diff_text(m["test_top1"], ref),
        )

    listed = set()
    for title, names in FINETUNE_SECTIONS:
        out += [f"### {title}", ""]
        present = [n for n in names if n in runs]
        listed |= set(names)
        out += [table(headers, [row(n) for n in present]) if present else "", ""]
        out += [
            missing(f"finetune@{n}", f"metrics/finetune/{n}.json") for n in names if n not in runs
        ]
        out += [""]
    extra = [n for n in runs if n not in listed]
    if extra:
        out += ["### Other variants", "", table(headers, [row(n) for n in extra]), ""]
    if runs:
        out += [
            figure("plots/report/finetune_val_top1.png", "validation top-1 of every variant"),
            "",
        ]
    return out


def zeroshot_section(results: Results) -> list[str]:
    out = ["## 2.1 CLIP zero-shot", ""]
    runs = results.zeroshot
    for prompt_set, title in (
        ("single", 'Table 1: one template, "This is a photo of a {}"'),
        ("ensemble", "18-template ensemble"),
    ):
        out += [f"### {title}", ""]
        rows = []
        for dataset in ("cifar10", "cifar100"):
            key = f"{dataset}-{prompt_set}"
            if key not in runs:
                out += [missing(f"zeroshot@{key}", f"metrics/zeroshot/{key}.json"), ""]
                continue
            m = runs[key]
            if prompt_set == "single":
                ref_train, ref_test = (
                    ZEROSHOT_SINGLE[dataset]["train"],
                    ZEROSHOT_SINGLE[dataset]["test"],
                )
            else:
                ref_train, ref_test = None, ZEROSHOT_ENSEMBLE_TEST[dataset]
            rows.append(
                (
                    DATASET_TITLES[dataset],
                    pct(m["train"]["top1"]),
                    pct(m["test"]["top1"]),
                    ref_text(ref_train),
                    ref_text(ref_test),
                    diff_text(m["test"]["top1"], ref_test),
                )
            )
        if rows:
            out += [
                table(
                    [
                        "Dataset",
                        "Train accuracy (%)",
                        "Test accuracy (%)",
                        "study train (%)",
                        "study test (%)",
                        "test difference (pp)",
                    ],
                    rows,
                ),
                "",
            ]
    for key in sorted(runs):
        if key.endswith("-single"):
            out += [
                figure(
                    f"plots/zeroshot/{key}/probes.png", f"CLIP's answers to custom questions, {key}"
                ),
                "",
            ]
    return out


def prompt_section(results: Results) -> list[str]:
    out = ["## 2.2 Visual prompting on frozen CLIP", ""]
    runs = results.prompt
    if not runs:
        return [*out, missing("prompt@*", "metrics/prompt/*.json"), ""]
    rows = []
    for m in runs.values():
        ref = PROMPT_TEST_TOP1.get((m["dataset"], m["method"]))
        rows.append(
            (
                DATASET_TITLES.get(m["dataset"], m["dataset"]),
                m["method"],
                pct(m["zero_shot_val_top1"]),
                pct(m["best_val_top1"]),
                pct(m["test_top1"]),
                ref_text(ref),
                diff_text(m["test_top1"], ref),
            )
        )
    out += [
        table(
            [
                "dataset",
                "method",
                "zero-shot val (%)",
                "prompted best val (%)",
                "test top-1 (%)",
                "reproductions (%)",
                "difference (pp)",
            ],
            rows,
        ),
        "",
    ]
    out += [figure("plots/report/prompt_val_top1.png", "validation top-1 of every prompt"), ""]
    for key in sorted(runs):
        out += [figure(f"plots/prompt/{key}/prompt.png", f"learned prompt {key}"), ""]
    return out


def robustness_section(results: Results) -> list[str]:
    out = [
        "## Robustness to Gaussian noise",
        "",
        "Test top-1 with N(0, sigma^2) noise added after normalisation.",
        "",
    ]
    rows = []
    for name, m in results.finetune.items():
        rows.append(
            (f"ResNet-18 {name}", m["noise_std"], pct(m["test_top1"]), pct(m["test_noisy_top1"]))
        )
    for key, m in results.zeroshot.items():
        rows.append(
            (
                f"CLIP zero-shot {key}",
                m["noise_std"],
                pct(m["test"]["top1"]),
                pct(m["test_noisy_top1"]),
            )
        )
    for key, m in results.prompt.items():
        rows.append(
            (f"CLIP + prompt {key}", m["noise_std"], pct(m["test_top1"]), pct(m["test_noisy_top1"]))
        )
    if not rows:
        return [*out, "_Missing: no stage with a noisy evaluation has run._", ""]
    return [
        *out,
        table(["model", "sigma", "clean test top-1 (%)", "noisy test top-1 (%)"], rows),
        "",
    ]


def cross_dataset_section(results: Results) -> list[str]:
    out = ["## Cross-dataset: one prompt, CIFAR-10 + CIFAR-100 (110 classes)", ""]
    rows = [
        (
            key,
            pct(m["cross_dataset"]["cifar10"]),
            pct(m["cross_dataset"]["cifar100"]),
            pct(m["cross_dataset"]["combined"]),
        )
        for key, m in results.prompt.items()
        if m.get("cross_dataset")
    ]
    if not rows:
        return [*out, missing("prompt@*", "metrics/prompt/*.json (with cross_dataset)"), ""]
    return [
        *out,
        table(
            [
                "prompt trained on",
                "CIFAR-10 test (%)",
                "CIFAR-100 test (%)",
                "combined, by size (%)",
            ],
            rows,
        ),
        "",
    ]


def render_report(results: Results, today: dt.date | None = None) -> str:
    """The whole REPORT.md."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    lines = provenance_lines(results, today)
    lines += [
        "",
        "# transferlab: transfer learning on CIFAR, reproduced",
        "",
        "Generated by the `report` stage from `metrics/`; differences are percentage points "
        "against the study (single values) or the range of public reproductions.",
        "",
    ]
    for section in (
        benchmark_section,
        finetune_section,
        zeroshot_section,
        prompt_section,
        robustness_section,
        cross_dataset_section,
    ):
        lines += section(results)
    return "\n".join(lines).rstrip() + "\n"
