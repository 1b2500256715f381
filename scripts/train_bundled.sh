#!/usr/bin/env bash
# Trains the app's bundled models on the shared landscape photos and exports them into $OUT (required, so that
# assets/models is only ever overwritten when asked: OUT=assets/models bash scripts/train_bundled.sh).
#
# The default network at 128 px with the gaussian likelihood (learned sigma, beta 1 = the ELBO) and its linear
# path (a fixed 32 px PCA of the training photos' logits), random crops keeping at least 85 % of a photo's side.
# Four stages for beta 1 and 32, each exported (best epoch, fp16, with its facts, density, directions and
# atlas) and the next started from that export: 26 epochs from scratch; a warm restart of 12 epochs at a peak
# learning rate of 3e-4; 8 epochs at 1e-4 with a patch discriminator of adaptive weight 0.5; a warm restart of
# 12 epochs at 3e-4 with the discriminator and an MS-SSIM term of weight 1 (docs/RESULTS.md has what each
# bought). Then the stage that spreads the set across beta's trade-off: beta 128 and 1024, each fine-tuned for
# 14 epochs at 3e-4 from the exported beta 32 (a 128 px photo's reconstruction term is some 45,000 nats, so
# beta must be in the hundreds to move the KL; docs/RESULTS.md has the sweep). The app bundles beta 1, 128
# and 1024.
# STAGES="spread" runs only the named stages (each needs the exports of the one before it in $OUT).
# The runs of a stage train side by side, one thread each: on a 2-core CPU that trains more images per second
# than one run on both cores. The script stops at the first run that fails. A run cut short by --max-minutes
# is not exported (vae.export refuses it); run the same command again to resume it.
set -euo pipefail
DATA=${DATA:-../shared/data/landscapes}
OUT=${OUT:?set OUT to the folder the models go to, e.g. OUT=runs/models (OUT=assets/models replaces the bundled ones)}
STAGES=${STAGES:-"crop restart detail sharpen spread"}

stage() {  # stage NAME EPOCHS RUNS [flags...]: RUNS is "beta:learning-rate ..."; the runs side by side, then exported
  local name=$1 epochs=$2 runs=$3 pids=() pair; shift 3
  [[ " $STAGES " == *" $name "* ]] || return 0
  for pair in $runs; do
    local beta=${pair%%:*} lr=${pair#*:} run=runs/$name/beta-${pair%%:*} resume=()
    [ -f "$run/training_state.pt" ] && resume=(--resume)
    if [ ${#resume[@]} -gt 0 ]; then
      OMP_NUM_THREADS=1 python train.py --out "$run" --resume --max-minutes "${MAX_MINUTES:-85}" &
    else
      OMP_NUM_THREADS=1 python train.py --data "$DATA" --image-size 128 --reconstruction gaussian --linear-size 32 \
        --crop-scale 0.85 --beta "$beta" --epochs "$epochs" --lr "$lr" --seed 0 --out "$run" \
        --max-minutes "${MAX_MINUTES:-85}" "${@//BETA/$beta}" &
    fi
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done  # set -e: the first failed run stops the script
  for pair in $runs; do
    python -m vae.export --run "runs/$name/beta-${pair%%:*}" --out "$OUT/beta-${pair%%:*}"
  done
}

stage crop 26 "1:5e-4 32:5e-4"
stage restart 12 "1:3e-4 32:3e-4" --init-from "$OUT/beta-BETA"
stage detail 8 "1:1e-4 32:1e-4" --adversarial-weight 0.5 --init-from "$OUT/beta-BETA"
stage sharpen 12 "1:3e-4 32:3e-4" --adversarial-weight 0.5 --msssim-weight 1 --init-from "$OUT/beta-BETA"
stage spread 14 "128:3e-4 1024:3e-4" --init-from "$OUT/beta-32"
