#!/usr/bin/env bash
# Trains the app's bundled models on the shared landscape photos: the default network at 128 px with the
# gaussian likelihood (learned sigma, beta 1 = the ELBO) and its linear path (a fixed 32 px PCA of the
# training photos' logits; the model starts as probabilistic PCA), beta 0.25, 1 and 32, the same epochs
# and seed each (a beta of 4 barely differs from 1 here: after 7 epochs 21.14 against 21.15 dB
# validation PSNR, KL 311 against 401 nats, because a 128 px photo's ELBO has some 45,000 nats of
# reconstruction term; 32 is a trade-off the Compare tab can show), with random crops keeping at least 85 % of a
# photo's side (without them the 14-epoch models of an earlier round stopped improving on validation
# photos after epoch 9-10).
# Four stages, each exported (best epoch, fp16, with its facts, density, directions and atlas) into
# assets/models/: 26 epochs from scratch, then a warm restart of 12 epochs from the exported model at a
# peak learning rate of 3e-4 (bench.levers: +0.05 dB on beta 1, where 8 more epochs at 1e-4 gave +0.016),
# then 8 epochs at 1e-4 with a patch discriminator of adaptive weight 0.5 (bench.levers: fine detail
# 1.02 -> 1.27 % for 0.005 dB; weight 1 gave 3.7 % but cost 0.28 dB), then a warm restart of 12 epochs at
# 3e-4 with the discriminator and an MS-SSIM term of weight 1 (bench.levers on beta 0.25: fine detail
# 1.63 -> 2.47 % for 0.015 dB; 8 epochs at 1e-4 gave 1.98 % for 0.035 dB, weight 3 2.30 % for 0.12 dB).
# STAGES="detail" runs only the named stages (each needs the one before it exported).
# The runs train side by side, one thread each: on a 2-core CPU that trains more images per second
# than one run on both cores.
# Learning rate of the first stage: 1e-3 for beta 0.25; beta 1 at 1e-3 spiked in its 2nd epoch (training
# reconstruction term 3,000 nats worse for an epoch) and its network never learned again (validation stayed
# at the PCA level for 4 epochs), so beta 1 and 32 train at 5e-4.
# A run cut short by --max-minutes continues with the same command (it adds --resume).
set -euo pipefail
DATA=${DATA:-../shared/data/landscapes}
RUNS=${RUNS:-"1:5e-4 0.25:1e-3 32:5e-4"}  # beta:learning rate of the first stage
STAGES=${STAGES:-"crop restart detail sharpen"}

stage() {  # stage NAME EPOCHS [flags...]: every beta side by side, then each exported
  local name=$1 epochs=$2; shift 2
  [[ " $STAGES " == *" $name "* ]] || return 0
  for pair in $RUNS; do
    local beta=${pair%%:*} lr=${pair#*:} run=runs/$name/beta-${pair%%:*} resume=
    [ -f "$run/training_state.pt" ] && resume=--resume
    OMP_NUM_THREADS=1 python train.py --data "$DATA" --image-size 128 --reconstruction gaussian --linear-size 32 \
      --crop-scale 0.85 --beta "$beta" --epochs "$epochs" --lr "$lr" --seed 0 --out "$run" \
      --max-minutes ${MAX_MINUTES:-85} $resume "${@//BETA/$beta}" &
  done
  wait
  for pair in $RUNS; do
    python -m vae.export --run "runs/$name/beta-${pair%%:*}" --data "$DATA" --out "assets/models/beta-${pair%%:*}"
  done
}

stage crop 26
stage restart 12 --lr 3e-4 --init-from assets/models/beta-BETA
stage detail 8 --lr 1e-4 --adversarial-weight 0.5 --init-from assets/models/beta-BETA
stage sharpen 12 --lr 3e-4 --adversarial-weight 0.5 --msssim-weight 1 --init-from assets/models/beta-BETA
