"""A convolutional VAE (and beta-VAE) for landscape photos: models, losses, data, training, evaluation."""

from .checkpoint import ModelFileError, load_model, save_model
from .model import VAE, VAEConfig, build_model, count_parameters

__all__ = ["VAE", "VAEConfig", "ModelFileError", "build_model", "count_parameters", "load_model", "save_model"]
