"""Training end to end, and its promises under faults: SIGKILL, NaN, unwritable folders, two processes."""

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

import vae.core.training as training
from vae import load_model
from vae.core.model import INITIAL_SIGMA, VAEConfig
from vae.core.run_folder import load_state
from vae.core.training import TrainingError, TrainOptions, train

from .conftest import ROOT

TINY = dict(image_size=32, latent_dim=8, linear_size=0)
SEED_LIKELIHOOD = VAEConfig(**TINY, reconstruction="bce")  # the tests' runs: the seed's likelihood, no linear path


def options(out, **overrides) -> TrainOptions:
    base = dict(
        out=str(out), model=SEED_LIKELIHOOD, epochs=2, batch_size=16, procedural_count=64, seed=1, precision="fp32"
    )  # identical on every CPU; bf16 is covered by the CLI test where the CPU has it
    return TrainOptions(**{**base, **overrides})


def metrics(run_dir) -> list[dict]:
    return [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_cli_run_leaves_every_run_file_and_loads_exactly(tmp_path):
    out = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "train.py",
            "--image-size",
            "32",
            "--epochs",
            "2",
            "--out",
            str(out),
            "--procedural-count",
            "64",
            "--batch-size",
            "16",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    for name in (
        "config.json",
        "model.safetensors",
        "training_state.pt",
        "metrics.jsonl",
        "best/model.safetensors",
        "samples/sample_epoch_001.png",
        "samples/sample_epoch_002.png",
        "samples/recon_epoch_002.png",
    ):
        assert (out / name).is_file(), name
    rows = metrics(out)
    assert [r["epoch"] for r in rows] == [1, 2]
    assert {"train_loss", "val_loss", "val_recon", "val_kl", "val_psnr", "seconds"} <= set(rows[0])
    model = load_model(out)
    assert model.config.linear_size == 8  # the resnet's default: a linear path at a quarter of the size
    assert model.config.reconstruction == "gaussian"  # the CLI default: the likelihood the bundled models use
    assert model.linear_path.encode_weight.abs().sum() > 0  # started from the training photos' PCA
    model.save_pretrained(tmp_path / "copy")
    again = load_model(tmp_path / "copy")
    z = torch.randn(2, model.config.latent_dim)
    assert torch.equal(model.decode(z), again.decode(z))


@pytest.mark.slow
def test_loss_falls(tmp_path):
    train(options(tmp_path, epochs=6))
    rows = metrics(tmp_path)
    assert rows[-1]["train_loss"] < 0.95 * rows[0]["train_loss"]
    assert rows[-1]["val_psnr"] > rows[0]["val_psnr"]


@pytest.mark.slow
def test_cli_errors_are_messages_not_tracebacks(tmp_path, capsys):
    from train import main  # in-process: each case would cost a torch import as a subprocess

    (tmp_path / "file.jpg").write_text("x")
    result = subprocess.run(
        [sys.executable, "train.py", "--data", str(tmp_path / "file.jpg"), "--out", str(tmp_path / "r")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "is a file" in result.stderr and "Traceback" not in result.stderr
    for args, message in (
        (["--data", str(tmp_path / "nowhere")], "not found"),
        (["--image-size", "48"], "power of two"),
        (["--crop-scale", "0.2"], "crop_scale must be between 0.5 and 1"),
        (["--msssim-weight", "-1"], "msssim_weight must not be negative"),
        (["--adversarial-weight", "-1"], "adversarial_weight must not be negative"),
    ):
        assert main([*args, "--out", str(tmp_path / "r")]) == 1
        assert message in capsys.readouterr().err
    assert not (tmp_path / "r" / "training_state.pt").exists()


@pytest.mark.slow
def test_refuses_to_overwrite_a_run_without_resume(tmp_path):
    train(options(tmp_path, epochs=1))
    with pytest.raises(TrainingError, match="--resume"):
        train(options(tmp_path, epochs=1))


@pytest.mark.slow
def test_resume_continues_and_matches_an_uninterrupted_run(tmp_path):
    # extending --epochs stretches a cosine schedule, so this uses a constant rate (the SIGKILL test covers cosine)
    train(options(tmp_path / "a", epochs=2, lr_schedule="constant"))
    train(options(tmp_path / "a", epochs=3, resume=True, lr_schedule="constant"))
    train(options(tmp_path / "b", epochs=3, lr_schedule="constant"))
    assert [r["epoch"] for r in metrics(tmp_path / "a")] == [1, 2, 3]
    a, b = load_model(tmp_path / "a"), load_model(tmp_path / "b")
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-4), name


def test_a_decoder_only_run_keeps_the_encoder_and_its_codes(tmp_path):
    train(options(tmp_path / "start", epochs=1))
    painter = dict(
        init_from=str(tmp_path / "start"),
        decoder_only=True,
        adversarial_weight=1.0,
        feature_matching=1.0,
        lr_schedule="constant",
    )
    train(options(tmp_path / "painter", epochs=1, **painter))
    start, trained = load_model(tmp_path / "start"), load_model(tmp_path / "painter")
    for (name, before), after in zip(
        start.encoder_part().state_dict().items(), trained.encoder_part().state_dict().values(), strict=True
    ):
        assert torch.equal(before, after), name
    assert not torch.equal(start.fc_decode.weight, trained.fc_decode.weight)  # the decoder did train
    row = metrics(tmp_path / "painter")[0]
    assert row["train_feature_matching"] > 0 and row["train_adversarial_weight"] > 0


@pytest.mark.parametrize(
    "overrides, message",
    [(dict(decoder_only=True), "needs init_from"), (dict(feature_matching=1.0), "needs adversarial_weight")],
)
def test_the_painter_options_refuse_what_cannot_work(tmp_path, overrides, message):
    with pytest.raises(ValueError, match=message):
        options(tmp_path, **overrides)


@pytest.mark.slow
def test_an_adversarial_run_trains_its_discriminator_and_resumes_it(tmp_path):
    adversarial = dict(adversarial_weight=0.5, lr_schedule="constant")
    train(options(tmp_path / "a", epochs=1, **adversarial))
    state = torch.load(tmp_path / "a" / "training_state.pt", weights_only=True)
    assert set(state["adversary"]) == {"net", "optimizer"} and state["adversary"]["optimizer"]["state"]
    row = metrics(tmp_path / "a")[0]
    assert row["train_adversarial_weight"] > 0 and 0 < row["train_discriminator"] < 4  # hinge: 2 at chance
    assert "val_adversarial" not in row  # validation scores the VAE's own objective
    train(options(tmp_path / "a", epochs=2, resume=True, **adversarial))
    train(options(tmp_path / "b", epochs=2, **adversarial))
    a, b = load_model(tmp_path / "a"), load_model(tmp_path / "b")
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-4), name


KILLABLE = textwrap.dedent("""
    import sys, time, torch, vae.core.training as t
    from pathlib import Path
    from vae.core.model import VAEConfig
    flag, out, slow_save = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    real_save, real_loss = torch.save, t.model_loss
    def loss(*a, **k):  # the first loss after epoch 2 is saved is a training step of epoch 3
        if Path(flag).exists():
            Path(flag + ".epoch3").touch()
        return real_loss(*a, **k)
    t.model_loss = loss
    def save(obj, path, *a, **k):
        if isinstance(obj, dict) and obj.get("epoch") == 2:
            if slow_save:
                real_save(obj, path, *a, **k)  # the temporary file is complete but not yet renamed
            open(flag, "w").close()
            if slow_save:
                time.sleep(60)
        return real_save(obj, path, *a, **k)
    t.torch.save = save
    t.train(t.TrainOptions(out=out, model=VAEConfig(image_size=32, latent_dim=8), epochs=4, batch_size=8,
                           procedural_count=96, seed=1, precision="fp32"))
""")


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["during an epoch", "during a checkpoint write"])
def test_sigkill_then_resume_loses_nothing_and_repeats_nothing(tmp_path, moment):
    out, flag = tmp_path / "run", tmp_path / "flag"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(flag), str(out), "1" if "write" in moment else "0"], cwd=ROOT
    )
    try:
        deadline = time.time() + 120
        awaited = Path(f"{flag}.epoch3") if "epoch" in moment else flag  # a step of epoch 3 has begun
        while not awaited.exists():
            assert proc.poll() is None and time.time() < deadline, "training ended before it could be killed"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    done = load_state(out)["epoch"]
    assert done == (1 if "write" in moment else 2)
    if "write" in moment:
        assert list(out.glob(".*.tmp"))  # the half-finished write is there...
    train(options(out, epochs=4, resume=True, batch_size=8, procedural_count=96))
    assert not list(out.glob(".*.tmp"))  # ...and cleaned up by the resumed run
    assert [r["epoch"] for r in metrics(out)] == [1, 2, 3, 4]
    load_model(out)


@pytest.mark.slow
def test_nan_stops_with_the_step_and_keeps_the_last_good_model(tmp_path, monkeypatch):
    train(options(tmp_path, epochs=1))
    good = load_model(tmp_path).state_dict()
    real_loss = training.model_loss

    def poisoned(*args, **kwargs):
        terms, mu, logvar = real_loss(*args, **kwargs)
        terms["loss"] = terms["loss"] * float("nan")
        return terms, mu, logvar

    monkeypatch.setattr(training, "model_loss", poisoned)
    with pytest.raises(TrainingError, match=r"nan at step \d+"):
        train(options(tmp_path, epochs=2, resume=True))
    kept = load_model(tmp_path).state_dict()
    assert all(torch.equal(good[k], kept[k]) for k in good)
    assert load_state(tmp_path)["epoch"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions; the disk-full test covers write errors")
def test_read_only_run_folder_is_a_clear_error(tmp_path):
    train(options(tmp_path, epochs=1))
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(TrainingError, match="cannot write"):
            train(options(tmp_path, epochs=2, resume=True))
    finally:
        tmp_path.chmod(0o755)


@pytest.mark.slow
def test_full_disk_is_a_clear_error_and_keeps_the_checkpoint(tmp_path, monkeypatch):
    train(options(tmp_path, epochs=1))
    before = (tmp_path / "training_state.pt").read_bytes()
    real_save = torch.save

    def disk_full(obj, path, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(training.torch, "save", disk_full)
    with pytest.raises(TrainingError, match="No space left"):
        train(options(tmp_path, epochs=2, resume=True))
    monkeypatch.setattr(training.torch, "save", real_save)
    assert (tmp_path / "training_state.pt").read_bytes() == before
    assert load_state(tmp_path)["epoch"] == 1


@pytest.mark.slow
def test_two_process_ddp_with_gloo(tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(  # with a discriminator, whose own DistributedDataParallel must not upset the model's
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "train.py",
            "--image-size",
            "32",
            "--latent-dim",
            "8",
            "--epochs",
            "2",
            "--batch-size",
            "8",
            "--procedural-count",
            "64",
            "--adversarial-weight",
            "0.5",
            "--device",
            "cpu",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 process(es)" in result.stderr
    assert [r["epoch"] for r in metrics(out)] == [1, 2] and metrics(out)[-1]["train_discriminator"] > 0
    load_model(out)


@pytest.mark.slow
def test_corrupt_photo_mid_dataset_is_skipped_counted_and_training_goes_on(seed_layout, tmp_path, caplog):
    victims = sorted((seed_layout / "Training Data" / "Forest").glob("*.jpg"))
    victims[len(victims) // 2].write_bytes(b"\xff\xd8\xff\xe0 broken jpeg")
    with caplog.at_level("WARNING"):
        train(options(tmp_path / "run", data=str(seed_layout), epochs=1, batch_size=8))
    assert "skipped 1 unreadable training" in caplog.text
    assert [r["epoch"] for r in metrics(tmp_path / "run")] == [1]


def test_cosine_schedule_warms_up_then_decays_to_zero_at_the_last_step():
    schedule = training.Schedule(TrainOptions(lr=1e-3, warmup_steps=10), total_steps=200)
    assert schedule.lr(0) == pytest.approx(1e-4)
    assert schedule.lr(10) == pytest.approx(1e-3)
    assert schedule.lr(105) == pytest.approx(5e-4, rel=1e-3)
    assert schedule.lr(200) == pytest.approx(0.0, abs=1e-12)
    short = training.Schedule(TrainOptions(lr=1e-3, warmup_steps=200), total_steps=50)
    assert short.lr(5) == pytest.approx(1e-3)  # a short run warms up over a tenth of its steps at most
    constant = training.Schedule(TrainOptions(lr=1e-3, lr_schedule="constant", warmup_steps=0), total_steps=50)
    assert constant.lr(49) == 1e-3


@pytest.mark.slow
def test_a_run_can_start_from_another_models_weights(tmp_path):
    train(options(tmp_path / "donor", epochs=1))
    donor = load_model(tmp_path / "donor")
    gaussian = VAEConfig(**TINY, reconstruction="gaussian")
    train(options(tmp_path / "tuned", model=gaussian, epochs=1, init_from=str(tmp_path / "donor"), lr=1e-12))
    tuned = load_model(tmp_path / "tuned")
    assert tuned.log_sigma is not None
    assert torch.allclose(tuned.fc_mu.weight, donor.fc_mu.weight, atol=1e-6)  # lr ~ 0: the donor's weights
    train(options(tmp_path / "gaussian-donor", model=gaussian, epochs=1))
    learned = load_model(tmp_path / "gaussian-donor").log_sigma.item()
    assert learned != pytest.approx(math.log(INITIAL_SIGMA), abs=1e-3)
    train(
        options(
            tmp_path / "tuned-again", model=gaussian, epochs=1, init_from=str(tmp_path / "gaussian-donor"), lr=1e-12
        )
    )
    assert load_model(tmp_path / "tuned-again").log_sigma.item() == pytest.approx(
        learned, abs=1e-6
    )  # the donor's noise scale
    with pytest.raises(TrainingError, match="network differs"):
        train(
            options(
                tmp_path / "wide", model=VAEConfig(**TINY, min_width=32), epochs=1, init_from=str(tmp_path / "donor")
            )
        )


@pytest.mark.slow
def test_a_run_with_a_linear_path_starts_as_the_pca_of_its_training_photos(tmp_path):
    from vae.core.data import image_lists, make_dataset

    linear = VAEConfig(**{**TINY, "linear_size": 8}, reconstruction="bce")
    train(options(tmp_path, model=linear, epochs=1, lr=1e-12))  # lr ~ 0: the start
    model = load_model(tmp_path)
    photos, _ = make_dataset(image_lists(None, procedural_count=64, seed=1)["train"], 32, train=False)
    with torch.no_grad():
        pixels = torch.stack([photos[i] for i in range(len(photos))])
        mu, _ = model.encode(torch.cat([pixels, pixels.flip(-1)]).float() / 255)  # as training sees them
    # whitened principal components of the training photos: each code number has unit variance, no correlation
    assert torch.allclose(mu.var(0), torch.ones(TINY["latent_dim"]), atol=0.05)
    assert (torch.corrcoef(mu.T) - torch.eye(TINY["latent_dim"])).abs().max() < 0.05


def test_train_py_flags_are_the_option_fields_with_their_defaults():
    from dataclasses import fields

    from train import options_from_args, parse_args

    assert options_from_args(parse_args([])) == TrainOptions()  # one default each, written in the dataclasses
    helped = {f.name for cls in (TrainOptions, VAEConfig) for f in fields(cls) if "help" in f.metadata}
    assert helped == {f.name for cls in (TrainOptions, VAEConfig) for f in fields(cls)} - {
        "model",
        "base_channels",
        "max_channels",
    }
    args = parse_args(["--beta", "4", "--no-cache", "--linear-size", "0", "--epochs", "3", "--compile"])
    options = options_from_args(args)
    assert options.model.beta == 4 and options.model.linear_size == 0 and options.cache is False
    assert options.epochs == 3 and options.compile
    with pytest.raises(SystemExit):
        parse_args(["--epochs", "0"])


def test_an_abbreviated_flag_is_argparses_error_not_a_silent_match(tmp_path, capsys):
    """`--epoch 30` once meant --epochs for argparse but not for the check of a resumed run's flags, which matches
    exact spellings: the old epoch count stayed, and `--bet 4` slipped past the refusal of a changed flag."""
    from train import main

    for args, flag in ((["--epoch", "30"], "--epoch 30"), (["--bet", "4"], "--bet 4")):
        with pytest.raises(SystemExit) as stopped:
            main(["--out", str(tmp_path), "--resume", *args])
        assert stopped.value.code == 2
        assert f"error: unrecognized arguments: {flag}" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # refused before anything ran


@pytest.mark.slow
def test_your_own_photos_to_a_model_in_the_app_and_on_the_hub_as_the_readme_writes_it(tmp_path, capsys):
    """The README's "Train on your own photos" commands on a plain folder of 120 photos at 32 px."""
    from huggingface_hub import ModelCard

    from support.photos import write_photos
    from train import main
    from vae.latent.explore import load_explorer_models
    from vae.publish.export import main as export_main
    from vae.publish.hub import main as hub_main

    write_photos(tmp_path / "hikes", 120, size=32)
    run, mine = str(tmp_path / "runs" / "mine"), str(tmp_path / "models" / "mine")
    assert (
        main(
            [
                "--data",
                str(tmp_path / "hikes"),
                "--out",
                run,
                "--epochs",
                "1",
                "--image-size",
                "32",
                "--latent-dim",
                "4",
                "--batch-size",
                "16",
                "--beta",
                "2",
                "--crop-scale",
                "0.9",
                "--precision",
                "fp32",
            ]
        )
        == 0
    )
    saved = json.loads((tmp_path / "runs" / "mine" / "train_options.json").read_text())
    assert main(["--out", run, "--resume", "--epochs", "2"]) == 0
    assert [row["epoch"] for row in metrics(run)] == [1, 2]
    resumed = json.loads((tmp_path / "runs" / "mine" / "train_options.json").read_text())
    assert {**saved, "epochs": 2, "resume": True} == resumed  # the same data, size, beta, crops
    assert f"python -m vae.export --run {run}" in capsys.readouterr().out
    assert main(["--out", run, "--resume", "--epochs", "3", "--beta", "4", "--crop-scale", "0.8"]) == 1
    assert "--crop-scale, --beta differ from the run" in capsys.readouterr().err
    assert [row["epoch"] for row in metrics(run)] == [1, 2]

    assert export_main(["--run", run, "--out", mine]) == 0  # no --data: the run's own photos
    assert json.loads((tmp_path / "models" / "mine" / "facts.json").read_text())["epochs"] == 2
    shown = load_explorer_models(ROOT / "assets" / "models", mine)  # python app.py --models assets/models --models …
    assert "mine" in shown and "beta-1" in shown
    assert hub_main(["push", mine, "someone/mine", "--dry-run", "--stage", str(tmp_path / "repo")]) == 0
    assert ModelCard.load(tmp_path / "repo" / "README.md").data.library_name == "pytorch"
    assert (tmp_path / "repo" / "model.safetensors").is_file()  # the weights beside the card


def test_kl_warm_up_and_capacity_reach_the_loss_through_the_schedule():
    schedule = training.Schedule(TrainOptions(kl_warmup_steps=100, capacity=20.0, capacity_steps=200), total_steps=1000)
    assert schedule.loss_weights(50) == {"kl_weight": 0.5, "capacity": 5.0, "msssim_weight": None}
    assert schedule.loss_weights(400) == {"kl_weight": 1.0, "capacity": 20.0, "msssim_weight": None}
    plain = training.Schedule(TrainOptions(), total_steps=1000).loss_weights(0)
    assert plain["kl_weight"] == 1.0 and plain["capacity"] is None
