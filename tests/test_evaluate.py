"""python -m vae.evaluate on a tiny model and photo folder, and loading by Hub repo id."""

import fnmatch
import json

import pytest
import torch

import vae.core.checkpoint as checkpoint
from support.app_launcher import ROOT, model_names
from vae import VAEConfig, build_model, load_model
from vae.core.evaluate import main as evaluate_main
from vae.core.evaluate import score
from vae.latent.atlas import PHOTO_SIDE, Atlas

PCA_128_TEST_PSNR = 21.105  # PCA with 128 components on the Testing Data at 128 px (python -m bench.quality)


def test_evaluate_cli_prints_one_json_object(seed_layout, tmp_path, capsys):
    build_model(VAEConfig(image_size=32, latent_dim=4)).save_pretrained(tmp_path / "m")
    assert evaluate_main(["--model", str(tmp_path / "m"), "--data", str(seed_layout), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["images"] == 6  # the Testing Data split only
    assert {"psnr", "ssim", "recon", "kl", "loss", "active_units", "kl_per_dim"} <= set(scores)
    assert len(scores["kl_per_dim"]) == 4 and 0 <= scores["active_units"] <= 4


def test_evaluate_cli_bad_model_is_a_message(tmp_path, seed_layout, capsys):
    assert evaluate_main(["--model", str(tmp_path / "none"), "--data", str(seed_layout)]) == 1
    assert "not found" in capsys.readouterr().err


def test_perfect_reconstruction_scores_high_and_active_units_count_variance():
    model = build_model(VAEConfig(image_size=32, latent_dim=4)).eval()
    pixels = torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8)
    model.decode_logits = lambda z: torch.logit(pixels.float().div(255).clamp(1e-4, 1 - 1e-4))  # an oracle decoder
    # an encoder whose means vary over the images in dimensions 0 and 2 only
    spread = torch.tensor([1.0, 0.0, 0.5, 0.05])
    model.encode = lambda x: (
        torch.randn(len(x), 4, generator=torch.Generator().manual_seed(len(x))) * spread,
        torch.zeros(len(x), 4),
    )
    scores = score(model, pixels, batch_size=8)
    assert scores["psnr"] > 60 and scores["ssim"] > 0.99
    assert scores["fine_detail"] == pytest.approx(1.0, abs=0.01)
    assert scores["active_units"] == 2


def test_wae_models_are_scored_on_their_own_objective():
    model = build_model(VAEConfig(image_size=32, latent_dim=4, objective="wae", beta=100.0)).eval()
    pixels = torch.randint(0, 256, (16, 3, 32, 32), dtype=torch.uint8)
    scores = score(model, pixels, batch_size=8)
    assert scores["mmd"] > 0
    assert scores["loss"] == pytest.approx(scores["recon"] + 100.0 * scores["mmd"], rel=1e-4)


def test_hub_repo_ids_are_fetched_with_only_the_model_files(tmp_path, monkeypatch):
    model = build_model(VAEConfig(image_size=32, latent_dim=4)).eval()
    model.save_pretrained(tmp_path / "snapshot")
    asked = {}

    def fake_snapshot_download(repo_id, allow_patterns):
        asked.update(repo_id=repo_id, allow_patterns=allow_patterns)
        return str(tmp_path / "snapshot")

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    loaded = load_model("someone/landscape-vae")
    assert asked["repo_id"] == "someone/landscape-vae"

    def wanted(name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for pattern in asked["allow_patterns"])

    assert wanted(checkpoint.WEIGHTS_NAME) and wanted(checkpoint.CONFIG_NAME) and wanted("atlas.jpg")
    assert not any(wanted(f"model{suffix}") for suffix in (".bin", ".pt", ".pkl"))  # never a pickle
    z = torch.randn(1, 4)
    assert torch.equal(loaded.decode(z), model.decode(z))


@pytest.mark.parametrize("name", model_names())
def test_bundled_models_load_fit_the_budget_and_ship_what_the_app_shows(name):
    folder = ROOT / "assets" / "models" / name
    model = load_model(folder)
    assert model.config.image_size == 128 and model.config.arch == "resnet"
    assert (folder / "model.safetensors").stat().st_size < 10e6
    facts = json.loads((folder / "facts.json").read_text())
    assert facts["beta"] == model.config.beta and sorted(facts["dims_by_kl"]) == list(range(model.config.latent_dim))
    assert facts["classes"] == ["Forest", "Glacier", "Mountain", "Sea"]
    assert facts["stages"][-1]["options"]["model"] == model.config.to_dict()
    assert facts["commands"][0].startswith("python train.py")
    assert any(line.endswith(f"--out assets/models/{name}") for line in facts["commands"])
    assert model.config.linear_size and model.linear_path.encode_weight.abs().sum() > 0  # started from PCA
    for shipped in ("latent_density.safetensors", "latent_axes.safetensors", "atlas.safetensors", "metrics.jsonl"):
        assert (folder / shipped).is_file(), shipped
    assert Atlas.load(folder).photos.shape[1:] == (PHOTO_SIDE, PHOTO_SIDE, 3)  # real photos, not thumbnails


def test_the_bundled_models_span_betas_trade_off():
    facts = [json.loads((ROOT / "assets" / "models" / name / "facts.json").read_text()) for name in model_names()]
    kl, psnr = [f["test_kl"] for f in facts], [f["test_psnr"] for f in facts]
    assert max(kl) >= 10 * min(kl) and max(psnr) - min(psnr) >= 1.5, (kl, psnr)
    assert min(facts, key=lambda f: f["beta"])["test_psnr"] >= PCA_128_TEST_PSNR + 0.5


def test_models_that_show_the_same_photos_share_one_sheet():
    sheets = list((ROOT / "assets" / "models").glob("*/atlas.jpg"))
    assert sheets == [], "bundled models show the same test photos: one shared sheet, not a copy each"


def test_assets_fit_a_space():
    from vae.publish.staging import SPACE_BUDGET_MB

    total = sum(p.stat().st_size for p in (ROOT / "assets").rglob("*") if p.is_file())
    assert total < SPACE_BUDGET_MB * 1e6


def test_a_plain_folder_is_scored_on_its_test_split_unless_asked_for_all(tmp_path, capsys):
    from support.photos import write_photos
    from vae.core.data import photo_splits

    write_photos(tmp_path / "photos", 60, size=32)
    build_model(VAEConfig(image_size=32, latent_dim=4)).save_pretrained(tmp_path / "m")
    splits = photo_splits(tmp_path / "photos")
    assert evaluate_main(["--model", str(tmp_path / "m"), "--data", str(tmp_path / "photos")]) == 0
    out = capsys.readouterr().out
    assert f"images        {len(splits['test'])} of the test split (never trained on)" in out
    assert (
        evaluate_main(["--model", str(tmp_path / "m"), "--data", str(tmp_path / "photos"), "--split", "all", "--json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["images"] == 60
