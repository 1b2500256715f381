"""Loading files never runs code: model weights are safetensors + JSON, training state is weights_only."""

import os
import pickle

import pytest
import torch

from vae import ModelFileError, VAEConfig, build_model, load_model
from vae.core.run_folder import load_state
from vae.core.training import TrainingError


class WritesAFile:
    """Unpickling this would create `target`: the canary for code execution."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def plant_pickle(path, canary):
    with open(path, "wb") as f:
        pickle.dump({"model": WritesAFile(canary)}, f)


def test_crafted_training_state_is_refused_and_runs_no_code(tmp_path):
    canary = tmp_path / "pwned"
    plant_pickle(tmp_path / "training_state.pt", canary)
    with pytest.raises(TrainingError, match="cannot load"):
        load_state(tmp_path)
    assert not canary.exists()


def test_pickle_disguised_as_safetensors_is_refused_and_runs_no_code(tmp_path):
    canary = tmp_path / "pwned"
    build_model(VAEConfig(image_size=32, latent_dim=4)).save_pretrained(tmp_path / "m")
    plant_pickle(tmp_path / "m" / "model.safetensors", canary)
    with pytest.raises(ModelFileError, match="model.safetensors"):
        load_model(tmp_path / "m")
    assert not canary.exists()


def test_torch_pickle_checkpoint_in_place_of_weights_is_refused(tmp_path):
    model = build_model(VAEConfig(image_size=32, latent_dim=4))
    model.save_pretrained(tmp_path / "m")
    torch.save(model.state_dict(), tmp_path / "m" / "model.safetensors")
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "m")


def test_wrong_shapes_and_missing_keys_are_refused(tmp_path):
    from safetensors.torch import load_file, save_file

    build_model(VAEConfig(image_size=32, latent_dim=4)).save_pretrained(tmp_path / "m")
    weights = tmp_path / "m" / "model.safetensors"
    state = load_file(weights)
    key = next(iter(state))
    save_file({**state, key: torch.zeros(3)}, weights)
    with pytest.raises(ModelFileError, match="wrong shape"):
        load_model(tmp_path / "m")
    del state[key]
    save_file(state, weights)
    with pytest.raises(ModelFileError, match="missing"):
        load_model(tmp_path / "m")
