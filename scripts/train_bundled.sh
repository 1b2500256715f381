#!/usr/bin/env bash
# Trains the app's bundled models on the shared landscape photos: the default network at 128 px with the
# gaussian likelihood (learned sigma, beta 1 = the ELBO) and its linear path (a fixed 32 px PCA of the
# training photos' logits; the model starts as probabilistic PCA), beta 0.25 and 1, the same 14 epochs,
# learning rate and seed each; then exports each run's best model (fp16) with its facts, density,
# directions and atlas into assets/models/.
# The two runs train side by side, one thread each: on a 2-core CPU that trains more images per second
# than one run on both cores (about 23 + 23 against 35-40 images/s).
# A run cut short by --max-minutes continues with the same command (it adds --resume).
set -euo pipefail
DATA=${DATA:-../shared/data/landscapes}
EPOCHS=${EPOCHS:-14}
BETAS=${BETAS:-"1 0.25"}
for beta in $BETAS; do
  run=runs/linear/beta-$beta
  if [ -f "$run/training_state.pt" ]; then resume=--resume; else resume=; fi
  OMP_NUM_THREADS=1 python train.py --data "$DATA" --image-size 128 --reconstruction gaussian --linear-size 32 \
    --beta "$beta" --epochs "$EPOCHS" --lr 1e-3 --seed 0 --out "$run" --max-minutes 110 $resume &
done
wait
for beta in $BETAS; do
  python -m vae.export --run "runs/linear/beta-$beta" --data "$DATA" --out "assets/models/beta-$beta"
done
