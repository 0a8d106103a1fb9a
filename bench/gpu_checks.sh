#!/usr/bin/env bash
# Every GPU check of docs/PERFORMANCE.md as one prepared run, for a lent device machine (no
# DVC there: stage scripts run directly). Synthetic data of CIFAR's size, full-size random
# weights. Logs go to $OUT (default /tmp/gpu-checks); paste the figures into PERFORMANCE.md.
#
#   OUT=$OUT bash bench/gpu_checks.sh          # on the GPU machine
#   SMALL=1 bash bench/gpu_checks.sh           # dry run on a CPU: tiny sizes, minutes
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/gpu-checks}
mkdir -p "$out"
export PYTHONPATH="$repo/src${PYTHONPATH:+:$PYTHONPATH}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python - "$repo" "$work" "${SMALL:-}" <<'PY'
import sys
from pathlib import Path

import yaml

from transferlab.demo import merge_overlay
from transferlab.params import read_yaml

repo, work, small = Path(sys.argv[1]), Path(sys.argv[2]), bool(sys.argv[3])
params = merge_overlay(read_yaml(repo / "params.yaml"), read_yaml(repo / "bench/params.gpu.yaml"))
if small:  # a CPU dry run of the same script
    params = merge_overlay(params, read_yaml(repo / "params.demo.yaml"))
    params["pretrained"]["size"] = "tiny"
    params["benchmark"]["models"] = ["resnet18", "mobilenet_v3_small", "vit_b_32"]
    params["prompt"]["common"].update(epochs=1, cross_dataset=False)
(work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
PY

run() {  # name, command...: log to $out/<name>.log with its wall time
  local name=$1; shift
  echo "== $name: $*"
  local start=$(date +%s.%N)
  (cd "$work" && "$@") > "$out/$name.log" 2>&1 || echo "   FAILED (see $out/$name.log)"
  local seconds=$(python -c "print(f'{$(date +%s.%N) - $start:.1f}')")
  echo "   $seconds s"; echo "wall seconds: $seconds" >> "$out/$name.log"
  tail -n 6 "$out/$name.log" | sed 's/^/   /'
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$out/device.txt" 2>&1 || true
python -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" >> "$out/device.txt"
run data_cifar10 python "$repo/stages/data.py" cifar10
run data_cifar100 python "$repo/stages/data.py" cifar100
run pretrained python "$repo/stages/pretrained.py"
run benchmark python "$repo/stages/benchmark.py"
cp "$work/plots/benchmark.csv" "$out/" 2>/dev/null || true
if [ -n "${SMALL:-}" ]; then
  run bench_finetune python "$repo/bench/finetune.py" --params "$work/params.yaml" --epochs 2
  run bench_zeroshot python "$repo/bench/zeroshot.py" --images 512
  run bench_prompt python "$repo/bench/prompt.py" --steps 8
else
  run bench_finetune python "$repo/bench/finetune.py" --scale full --params "$work/params.yaml" --epochs 3 --workers 8
  run bench_zeroshot python "$repo/bench/zeroshot.py" --size full --workers 8
  run bench_prompt python "$repo/bench/prompt.py" --size full --steps 50 --workers 8
fi
run prompt_cifar100_padding python "$repo/stages/prompt.py" cifar100 padding
cp "$work/metrics/prompt/cifar100-padding.json" "$out/" 2>/dev/null || true
echo "logs in $out"
