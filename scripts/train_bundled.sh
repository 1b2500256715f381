#!/usr/bin/env bash
# Trains the app's bundled models on the shared landscape photos: the default network at 128 px,
# beta 0.2 (the seed's value), 1, 4 and 16, the same epochs and seed each so the comparison is fair;
# then exports each run's best checkpoint (fp16) with its facts into assets/models/.
set -euo pipefail
DATA=${DATA:-../shared/data/landscapes}
EPOCHS=${EPOCHS:-20}
for beta in 0.2 1 4 16; do
  run=runs/bundled/beta-$beta
  if [ -f "$run/training_state.pt" ]; then resume=--resume; else resume=; fi
  python train.py --data "$DATA" --image-size 128 --beta "$beta" --epochs "$EPOCHS" --seed 0 --out "$run" $resume
  python -m vae.export --run "$run" --data "$DATA" --out "assets/models/beta-$beta"
done
