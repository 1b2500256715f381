#!/usr/bin/env bash
# Trains the app's bundled models on the shared landscape photos: the default network at 128 px with
# the gaussian likelihood (learned sigma, beta 1 = the ELBO), beta 0.25, 1 and 16, the same epochs,
# learning rate and seed each. Each starts from the weights of the model of that family shipped at
# commit b583ff3 (20 epochs, BCE), copied to runs/init/ first:
#   git show b583ff3:assets/models/beta-1/...  (or: git worktree add /tmp/b583ff3 b583ff3)
# because this 2-core CPU trains at about 40 images/s, and those 20 epochs are worth keeping.
# Then export each run's best model (fp16) with its facts, directions and density into assets/models/.
set -euo pipefail
DATA=${DATA:-../shared/data/landscapes}
EPOCHS=${EPOCHS:-8}
for pair in 1:beta-1 0.25:beta-0.2 16:beta-16; do
  beta=${pair%%:*} init=runs/init/${pair#*:}
  run=runs/bundled/beta-$beta
  if [ -f "$run/training_state.pt" ]; then resume=--resume; else resume=; fi
  python train.py --data "$DATA" --image-size 128 --reconstruction gaussian --beta "$beta" --epochs "$EPOCHS" \
    --lr 5e-4 --seed 0 --init-from "$init" --out "$run" --max-minutes 40 $resume
done
