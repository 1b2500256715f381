"""Exporting a run as a bundled model: what facts.json promises, for a run from scratch and for a fine-tune."""

import json

from vae import load_model
from vae.checkpoint import read_metrics
from vae.export import export_run
from vae.model import VAEConfig
from vae.training import TrainOptions, train


def test_a_fine_tune_ships_the_whole_recipe_and_history(seed_layout, tmp_path):
    tiny = dict(model=VAEConfig(image_size=32, latent_dim=4, linear_size=8), batch_size=8, seed=1, precision="fp32")
    train(TrainOptions(data=str(seed_layout), out=str(tmp_path / "run"), epochs=2, crop_scale=0.9, **tiny))
    first = export_run(tmp_path / "run", seed_layout, tmp_path / "model")
    assert first["epochs"] == 2 and first["classes"] == ["Forest", "Sea"]
    assert first["command"].endswith("--crop-scale 0.9 --out " + str(tmp_path / "run"))
    assert "--ema-decay" not in first["command"] and "&&" not in first["command"]

    train(TrainOptions(data=str(seed_layout), out=str(tmp_path / "tuned"), epochs=1, init_from=str(tmp_path / "model"),
                       ema_decay=0.99, focal_weight=0.5, **tiny))
    tuned = export_run(tmp_path / "tuned", seed_layout, tmp_path / "model")  # over its donor, as the bundled models are
    donor_line, export_line, own_line = tuned["command"].split(" && ")
    assert donor_line == first["command"]
    assert export_line == f"python -m vae.export --run {tmp_path / 'run'} --data {seed_layout} --out {tmp_path / 'model'}"
    assert "--ema-decay 0.99 --focal-weight 0.5" in own_line and f"--init-from {tmp_path / 'model'}" in own_line
    assert tuned["epochs"] == 3 and tuned["best_epoch"] == 3
    assert [row["epoch"] for row in read_metrics(tmp_path / "model")] == [1, 2, 3]
    assert json.loads((tmp_path / "model" / "facts.json").read_text()) == tuned
    assert load_model(tmp_path / "model").config.latent_dim == 4
