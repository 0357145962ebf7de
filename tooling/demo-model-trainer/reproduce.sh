#!/usr/bin/env bash
# Reproduces a demo model's weights from scratch: exports the synthetic task with the
# project's CLI, trains (one CPU thread), and writes the Hugging Face checkpoint folder.
# Rerunning it resumes an interrupted run from its last checkpoint.
#
#   reproduce.sh [v2|v1] [extra train.py train options]   (default v2, the shipped default model)
#
# v2 trains in two runs: the 9,500-step run from the wired initialization, then a further
# 2,500 steps from its best weights with a fresh optimizer at a lower learning rate
# (`--init-from`), in RUN_DIR/further. Extra options go to the first run.
#
#   RUN_DIR  run folder, outside the repository  (default /root/litestage-demo-runs/demo-<version>)
#   OUT      checkpoint folder written at the end (default $RUN_DIR/checkpoint)
#   PYTHON   a Python with PyTorch                (default /usr/bin/python3, Debian's python3-torch)
set -euo pipefail

version="v2"
case "${1:-}" in
  v1 | v2) version="$1"; shift ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
run_dir="${RUN_DIR:-/root/litestage-demo-runs/demo-$version}"
out="${OUT:-$run_dir/checkpoint}"
python="${PYTHON:-/usr/bin/python3}"
exports="$run_dir/exports"

if [ ! -f "$repo/apps/cli/dist/bin.js" ]; then
  (cd "$repo" && pnpm turbo run build --filter=@litestage/cli...)
fi
litestage() { node "$repo/apps/cli/dist/bin.js" "$@"; }

# The inputs are deterministic; write each once so a resumed run reads the same files.
mkdir -p "$exports"
[ -f "$exports/world.json" ] || litestage task world --out "$exports/world.json"
[ -f "$exports/train.jsonl" ] ||
  litestage task export --task synthetic --split train --limit 20000 --seed 1 --out "$exports/train.jsonl"
[ -f "$exports/calib.jsonl" ] ||
  litestage task export --task synthetic --split calib --limit 300 --seed 1 --out "$exports/calib.jsonl"

# v1: 8 layers, no layer dropout. v2: 16 layers with LayerSkip-style layer dropout (the last
# layer dropped with probability 0.5, linearly less towards the first:
# stochastic depth's linear rule, as LayerSkip rises the rate with depth).
case "$version" in
  v1) shape=(--layers 8) schedule=(--steps 6000 --decay-steps 1500) ;;
  v2) shape=(--layers 16 --layer-dropout 0.5) schedule=(--steps 9500 --decay-steps 1500) ;;
esac

train() {
  local dir="$1"
  shift
  "$python" "$here/train.py" train \
    --run-dir "$dir" \
    --train-jsonl "$exports/train.jsonl" \
    --world-json "$exports/world.json" \
    --calib-jsonl "$exports/calib.jsonl" \
    --seed 1 \
    --hidden-size 128 --intermediate-size 384 "${shape[@]}" --heads 4 --kv-heads 2 \
    --rope-theta 1000000 --rms-norm-eps 1e-5 --max-position-embeddings 1024 \
    --wire-induction --wire-labels --wire-hold-steps 300 \
    "${schedule[@]}" --batch-rows 16 --fact-docs 128 \
    --lr 1e-3 --warmup-steps 100 --min-lr-ratio 0 \
    --weight-decay 0.1 --beta1 0.9 --beta2 0.95 --grad-clip 1.0 \
    --eval-every 250 --eval-questions 100 \
    "$@"
}

train "$run_dir" "$@"
if [ "$version" = v1 ]; then
  "$python" "$here/train.py" export --run-dir "$run_dir" --checkpoint best --out "$out"
  exit 0
fi

# v2, the further run: from the first run's best weights (calibration accuracy), a fresh
# optimizer, lr 3e-4 (warm-up 100 steps, constant to step 1,000, linear decay to 0 by 2,500);
# the wiring is not applied again (the weights already hold the circuit) and nothing is held.
first="$run_dir/first-checkpoint"
[ -f "$first/model.safetensors" ] ||
  "$python" "$here/train.py" export --run-dir "$run_dir" --checkpoint best --out "$first"
train "$run_dir/further" --init-from "$first" --steps 2500 --decay-steps 1500 --lr 3e-4 --wire-hold-steps 0
"$python" "$here/train.py" export --run-dir "$run_dir/further" --checkpoint best --out "$out"
