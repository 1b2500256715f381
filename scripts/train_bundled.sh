#!/usr/bin/env bash
# Trains the app's bundled models on the shared landscape photos: the default network at 128 px with
# the gaussian likelihood (learned sigma, beta 1 = the ELBO), beta 0.25 and 1, the same 8 epochs,
# learning rate and seed each, then exports each run's best model (fp16) with its facts, density,
# directions and atlas into assets/models/.
# Each run starts from the weights of the model of its family shipped at commit b583ff3 (20 epochs, BCE),
# because this 2-core CPU trains at about 40 images/s and those 20 epochs are worth keeping:
#   mkdir -p runs/init && for m in beta-0.2 beta-1; do git archive b583ff3 assets/models/$m | tar -x -C runs/init --strip-components=2; done
# A run cut short by --max-minutes continues with the same command (it adds --resume).
set -euo pipefail
DATA=${DATA:-../shared/data/landscapes}
EPOCHS=${EPOCHS:-8}
for pair in 1:beta-1 0.25:beta-0.2; do
  beta=${pair%%:*} init=runs/init/${pair#*:}
  run=runs/bundled/beta-$beta
  if [ -f "$run/training_state.pt" ]; then resume=--resume; else resume=; fi
  python train.py --data "$DATA" --image-size 128 --reconstruction gaussian --beta "$beta" --epochs "$EPOCHS" \
    --lr 5e-4 --seed 0 --init-from "$init" --out "$run" --max-minutes 40 $resume
  python -m vae.export --run "$run" --data "$DATA" --out "assets/models/beta-$beta"
done
