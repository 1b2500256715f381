"""A convolutional VAE (and beta-VAE) for landscape photos: models, losses, data, training, evaluation."""

from .core.checkpoint import ModelFileError
from .core.model import VAE, VAEConfig, build_model, count_parameters, load_model, save_model

__all__ = ["VAE", "VAEConfig", "ModelFileError", "build_model", "count_parameters", "load_model", "save_model"]
