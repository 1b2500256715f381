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
    """Validation PSNR by epoch, one series per model that ships its metrics."""
    return [
        {
            "model": em.name,
            "epochs": [row["epoch"] for row in em.history],
            "val_psnr": [round(row["val_psnr"], 3) for row in em.history],
        }
        for em in models.values()
        if em.history
    ]


def goal_changes(facts: dict) -> list[dict]:
    """The epochs where a model's training began to ask for something else, read from its facts' training stages:
    a stage that trains with another β than the stage before it ({"beta_from", "beta_to"}), or that trains a
    second decoder alone ({"decoder_only": True}). A validation curve may fall there by design."""
    changes, first_epoch, before = [], 1, None
    for stage in facts.get("stages", []):
        options = stage["options"]
        beta = options["model"]["beta"]
        change = {"model": facts["name"], "epoch": first_epoch}
        if before is not None and options.get("decoder_only") and not before.get("decoder_only"):
            changes.append({**change, "decoder_only": True})
        elif before is not None and beta != before["model"]["beta"]:
            changes.append({**change, "beta_from": before["model"]["beta"], "beta_to": beta})
        first_epoch += options["epochs"]  # a shipped stage ran all its epochs (vae.publish.export refuses less)
        before = options
    return changes


def plot_data(models: dict[str, ExplorerModel]) -> dict:
    """What the Compare β plots draw (web/plots.js, the same on both pages): each model's rate against its
    distortion, and its validation curve with the epochs where its training changed its goal."""
    points = rate_distortion(models)
    curves = training_curves(models)
    return {
        "rate_distortion": {
            "points": points,
            "kl_range": padded_range(p["kl"] for p in points),
            "psnr_range": padded_range(p["psnr"] for p in points),
        },
        "curves": {
            "series": curves,
            "epoch_range": [0, max((s["epochs"][-1] for s in curves), default=1)],
            "psnr_range": padded_range(v for s in curves for v in s["val_psnr"]),
            "changes": [change for em in models.values() for change in goal_changes({**em.facts, "name": em.name})],
        },
    }


FACT_KEYS = ("val_psnr", "val_ssim", "val_kl", "active_units", "epochs", "training_minutes", "file_mb")


def model_facts(models: dict[str, ExplorerModel]) -> list[dict]:
    """What each model's facts say about it, one dict per model (missing facts are None)."""
    return [
        {"model": em.name, "beta": em.model.config.beta, **{key: em.facts.get(key) for key in FACT_KEYS}}
        for em in models.values()
    ]
