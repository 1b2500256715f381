"""Exporting a run as a bundled model: what facts.json promises, for a run from scratch and for a fine-tune."""

import json
import shutil

import pytest
import torch

from vae import build_model, load_model
from vae.core.checkpoint import read_metrics
from vae.core.model import VAEConfig
from vae.core.training import TrainOptions, train
from vae.latent.density import LatentDensity
from vae.latent.diffusion_prior import DiffusionPrior
from vae.publish import export
from vae.publish.code_samplers import fit_code_density, latent_means, posterior_draws
from vae.publish.export import export_run, training_seed
from vae.publish.export import main as export_main


@pytest.fixture
def networks_written(monkeypatch) -> list:
    """The folders whose onnx/ files each export and refit wrote, in order. What the writing writes is tested in
    test_onnx_export.py, and end to end by the own-photos commands in test_training.py; here, ten writes with
    torch's exporter would take most of these tests' time."""
    folders = []

    def record(model, model_dir):
        folders.append(model_dir)
        return {"onnx_fp16_difference": {"decoder": 0.0, "encoder": 0.0, "prior": 0.0}}

    monkeypatch.setattr(export, "write_networks", record)
    return folders


@pytest.mark.slow
def test_a_fine_tune_ships_the_whole_recipe_and_history(seed_layout, tmp_path, networks_written):
    tiny = dict(model=VAEConfig(image_size=32, latent_dim=4, linear_size=8), batch_size=8, seed=1, precision="fp32")
    train(TrainOptions(data=str(seed_layout), out=str(tmp_path / "run"), epochs=2, crop_scale=0.9, **tiny))
    first = export_run(tmp_path / "run", None, tmp_path / "model", prior_epochs=2)  # the photos the run trained on
    assert first["epochs"] == 2 and first["classes"] == ["Forest", "Sea"]
    assert first["fitted_sampler"] == "diffusion" and DiffusionPrior.load(tmp_path / "model").config.classes == 2
    (stage,) = first["stages"]
    assert stage["run"] == str(tmp_path / "run") and TrainOptions.from_dict(stage["options"]).crop_scale == 0.9
    assert first["commands"] == [
        f"python train.py --data {seed_layout} --out {tmp_path / 'run'} --epochs 2 --batch-size 8 "
        f"--seed 1 --precision fp32 --crop-scale 0.9 --image-size 32 --latent-dim 4 --linear-size 8",
        f"python -m vae.export --run {tmp_path / 'run'} --out {tmp_path / 'model'} --prior-epochs 2",
    ]

    train(
        TrainOptions(
            data=str(seed_layout),
            out=str(tmp_path / "tuned"),
            epochs=1,
            init_from=str(tmp_path / "model"),
            msssim_weight=2.0,
            **tiny,
        )
    )
    # over its donor, as the bundled models are; without a diffusion prior, "fitted" means the mixture
    tuned = export_run(tmp_path / "tuned", seed_layout, tmp_path / "model", prior_epochs=0, fitted_sampler="mixture")
    assert tuned["stages"][0] == stage and tuned["stages"][1]["options"]["msssim_weight"] == 2.0
    assert tuned["commands"][:2] == [*first["commands"][:1], first["commands"][1].removesuffix(" --prior-epochs 2")]
    assert "--msssim-weight 2" in tuned["commands"][2]
    assert tuned["commands"][3].endswith("--prior-epochs 0 --fitted-sampler mixture")
    assert tuned["fitted_sampler"] == "mixture" and not DiffusionPrior.exists(tmp_path / "model")
    assert tuned["epochs"] == 3 and tuned["best_epoch"] == 3
    assert [row["epoch"] for row in read_metrics(tmp_path / "model")] == [1, 2, 3]
    assert json.loads((tmp_path / "model" / "facts.json").read_text()) == tuned
    assert load_model(tmp_path / "model").config.latent_dim == 4

    # a refit draws posterior codes with the seed its export used
    assert training_seed(tuned) == 1 and training_seed({"commands": []}) == 0
    density_file = tmp_path / "model" / "latent_density.safetensors"
    density_file.unlink()
    for _ in range(2):  # a second refit adds no second line
        assert export_main(["--refit", str(tmp_path / "model"), "--data", str(seed_layout), "--prior-epochs", "2"]) == 0
    refitted = json.loads((tmp_path / "model" / "facts.json").read_text())
    assert refitted["commands"] == [
        *tuned["commands"],
        f"python -m vae.export --refit {tmp_path / 'model'} --data {seed_layout} --prior-epochs 2",
    ]
    assert refitted["fitted_sampler"] == "diffusion" and DiffusionPrior.exists(tmp_path / "model")
    assert LatentDensity.load(density_file).means.shape[1] == 4

    train(
        TrainOptions(
            data=str(seed_layout), out=str(tmp_path / "again"), epochs=1, init_from=str(tmp_path / "model"), **tiny
        )
    )
    again = export_run(
        tmp_path / "again", seed_layout, tmp_path / "model", prior_epochs=0
    )  # a third stage, after the refit
    assert again["stages"][:2] == tuned["stages"] and len(again["stages"]) == 3
    assert again["commands"][:3] == tuned["commands"][:3] and not any("--refit" in line for line in again["commands"])
    assert again["commands"][3] == tuned["commands"][3].removesuffix(" --prior-epochs 0 --fitted-sampler mixture")
    assert again["epochs"] == 4
    assert networks_written == [tmp_path / "model"] * 5  # three exports and two refits, each into the folder


@pytest.mark.slow
def test_a_second_painter_ships_its_donors_codes_tools_and_its_best_epoch(seed_layout, tmp_path, networks_written):
    tiny = dict(model=VAEConfig(image_size=32, latent_dim=4, linear_size=8), batch_size=8, seed=1, precision="fp32")
    train(TrainOptions(data=str(seed_layout), out=str(tmp_path / "run"), epochs=1, **tiny))
    donor = export_run(tmp_path / "run", None, tmp_path / "models" / "start", prior_epochs=2)
    painter = dict(init_from=str(tmp_path / "models" / "start"), decoder_only=True, adversarial_weight=1.0)
    train(TrainOptions(data=str(seed_layout), out=str(tmp_path / "painter"), epochs=2, **painter, **tiny))
    facts = export_run(tmp_path / "painter", None, tmp_path / "models" / "start-detailed")
    best = min(read_metrics(tmp_path / "painter"), key=lambda row: row["val_loss"])["epoch"]
    assert facts["painter_of"] == "start" and facts["best_epoch"] == donor["epochs"] + best
    assert facts["classes"] == donor["classes"] and facts["test_kl"] == donor["test_kl"]  # the same codes
    assert facts["fitted_sampler"] == donor["fitted_sampler"] == "diffusion"
    shipped_files = ("latent_density.safetensors", "latent_axes.safetensors", "atlas.safetensors")
    for name in (*shipped_files, "diffusion_prior.safetensors", "diffusion_prior.json"):
        assert (tmp_path / "models" / "start-detailed" / name).read_bytes() == (
            tmp_path / "models" / "start" / name
        ).read_bytes(), name
    chosen = load_model(tmp_path / "painter" / "best")  # the lowest validation loss, stored in fp16 like every export
    shipped = load_model(tmp_path / "models" / "start-detailed")
    assert torch.allclose(chosen.fc_decode.weight.half().float(), shipped.fc_decode.weight)
    assert "--decoder-only" in facts["commands"][-2]
    # a painter's refit takes the refitted files of the model whose codes it paints, which must lie beside it
    refit_painter = ["--refit", str(tmp_path / "models" / "start-detailed"), "--data", str(seed_layout)]
    assert export_main(refit_painter) == 0
    assert (
        json.loads((tmp_path / "models" / "start-detailed" / "facts.json").read_text())["fitted_sampler"] == "diffusion"
    )
    shutil.copytree(tmp_path / "models" / "start-detailed", tmp_path / "alone" / "start-detailed")
    assert export_main(["--refit", str(tmp_path / "alone" / "start-detailed"), "--data", str(seed_layout)]) == 1
    again = dict(painter, init_from=str(tmp_path / "models" / "start-detailed"))  # a painter fine-tuned from a painter
    train(TrainOptions(data=str(seed_layout), out=str(tmp_path / "again"), epochs=1, **again, **tiny))
    assert export_run(tmp_path / "again", None, tmp_path / "models" / "again", prior_epochs=0)["painter_of"] == "start"
    models = tmp_path / "models"
    assert networks_written == [
        models / "start",
        models / "start-detailed",
        models / "start-detailed",
        models / "again",
    ]


def wide_posterior_model(objective: str):
    torch.manual_seed(0)
    model = build_model(VAEConfig(image_size=32, latent_dim=4, objective=objective)).eval()
    with torch.no_grad():
        model.fc_logvar.weight.zero_()
        model.fc_logvar.bias.fill_(torch.tensor(0.25).log().item())  # every posterior: variance 0.25 per dimension
    return model


@pytest.mark.slow
def test_the_density_describes_posterior_draws_not_only_their_means():
    photos = torch.randint(0, 256, (400, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    model = wide_posterior_model("vae")
    means = latent_means(model, photos)
    density, _ = fit_code_density(model, photos[:300], photos[300:])
    covariance = density.scale_trils @ density.scale_trils.transpose(1, 2)
    spread = (density.weights[:, None] * covariance.diagonal(dim1=1, dim2=2)).sum(0)  # within-component variance
    spread = spread + (density.weights[:, None] * (density.means - density.means.mean(0)).pow(2)).sum(0)
    assert torch.allclose(spread, means[:300].var(0) + 0.25, rtol=0.2)
    assert len(posterior_draws(model, photos[:10], draws=3)) == 30


def test_a_wae_density_fits_the_codes_its_decoder_saw():
    photos = torch.randint(0, 256, (10, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    model = wide_posterior_model("wae")
    assert torch.equal(posterior_draws(model, photos), latent_means(model, photos))  # WAE decodes the mean
