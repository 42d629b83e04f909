#!/usr/bin/env bash
# The whole GPU run as one command (training/README.md, "The GPU run"): trains kontext-tiny under
# the split, distils a 4-step variant by reflow, and packs each model folder into parts of at most
# 15 MiB under $OUT (for transfers that limit file sizes), with the logs. The teacher is packed as
# soon as it exists, so it comes back even if the command is stopped during distillation.
# Budgets in minutes: TRAIN_MIN (5.5, the whole train.py run incl. evaluation and export),
# DISTILL_MIN (1.5, reflow only; its evaluation and export follow).
set -euo pipefail
export PYTHONUNBUFFERED=1
: "${OUT:?set OUT to the folder that comes back}"
TRAIN_MIN=${TRAIN_MIN:-5.5}
DISTILL_MIN=${DISTILL_MIN:-1.5}
WORK=$(mktemp -d)
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
python3 training/train.py --out "$WORK/teacher" --time-budget-min "$TRAIN_MIN" --reserve-min 0.75 --workers 8 \
  --chain-frac 0.25 --chain-start 1500 --chain-refresh 400 2>&1 | tee "$OUT/train.log"
tar -C "$WORK" -czf - teacher/model | split -b 15M - "$OUT/teacher.tgz.part-"
python3 training/distill.py --checkpoint "$WORK/teacher/checkpoint.pt" --out "$WORK/4step" --time-budget-min "$DISTILL_MIN" \
  2>&1 | tee "$OUT/distill.log"
# The autoencoder graphs of the 4-step folder are the teacher's own: copy them back in after unpacking.
rm -f "$WORK"/4step/model/ae_encoder.onnx "$WORK"/4step/model/ae_decoder.onnx
tar -C "$WORK" -czf - 4step/model | split -b 15M - "$OUT/4step.tgz.part-"
ls -la "$OUT"
