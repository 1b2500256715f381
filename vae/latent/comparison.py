"""The models side by side: rate against distortion, how each learned, and their facts (Compare β)."""

from __future__ import annotations

from .explore import ExplorerModel


def rate_distortion(models: dict[str, ExplorerModel]) -> list[dict]:
    """One point per model: test KL (nats per image, the rate) and test PSNR (the distortion)."""
    return [
        {"model": em.name, "kl": em.facts["test_kl"], "psnr": em.facts["test_psnr"]}
        for em in models.values()
        if "test_kl" in em.facts and "test_psnr" in em.facts
    ]


def padded_range(values, share: float = 0.15) -> list[float] | None:
    """[low, high] around `values` with a margin, so a plot's extreme points are not cut by its frame."""
    values = list(values)
    if not values:
        return None
    low, high = min(values), max(values)
    margin = share * (high - low) if high > low else max(abs(high) * 0.05, 1.0)
    return [low - margin, high + margin]


def training_curves(models: dict[str, ExplorerModel]) -> list[dict]:
    """Validation PSNR per epoch of every model."""
    return [
        {"model": em.name, "epoch": row["epoch"], "val_psnr": row["val_psnr"]}
        for em in models.values()
        for row in em.history
    ]


FACT_KEYS = ("val_psnr", "val_ssim", "val_kl", "active_units", "epochs", "training_minutes", "file_mb")


def model_facts(models: dict[str, ExplorerModel]) -> list[dict]:
    """What each model's facts say about it, one dict per model (missing facts are None)."""
    return [
        {"model": em.name, "beta": em.model.config.beta, **{key: em.facts.get(key) for key in FACT_KEYS}}
        for em in models.values()
    ]
