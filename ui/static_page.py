"""The static edition's words and layout: what web/static/index.html shows, from the same definitions as the Gradio
app (ui/words.py and the Explore tab's layout), handed to vae.publish.static_site as site.json's page part."""

from __future__ import annotations

from ui import words
from ui.browser_decoding import ONNXRUNTIME_WEB_CDN, ONNXRUNTIME_WEB_INTEGRITY
from ui.explore_inputs import CLASS_RANGE, MAX_CLASSES, MAX_OWN_NAME, SHOWN_DIRECTIONS, SLIDER_RANGE, SLIDERS
from ui.widgets import (
    MAX_SEED,
    MAX_UPLOAD_MB,
    MIN_PHOTO_SIDE,
    OWN_EXAMPLES,
    PREVIEW_POSITIONS,
    PREVIEW_SIZE,
    START_PHOTO,
)
from vae.core.data import MAX_PIXELS
from vae.latent.comparison import goal_changes
from vae.latent.explore import GIF_SCALE, GIF_SECONDS, MAX_FRAMES, MAX_SAMPLES, TRAVERSAL_VALUES


def page_settings(facts: list[dict]) -> dict:
    """`facts`: the staged models' facts.json, which the About text quotes and the model menu's words read."""
    return {
        "ort_cdn": ONNXRUNTIME_WEB_CDN,
        "ort_cdn_integrity": ONNXRUNTIME_WEB_INTEGRITY,
        "layout": {
            "sliders": SLIDERS,
            "shown_directions": SHOWN_DIRECTIONS,
            "start_photo": START_PHOTO.name,  # Explore's first view (vae.publish.static_site.start_view)
            "slider_range": SLIDER_RANGE,
            "classes": MAX_CLASSES,
            "class_range": list(CLASS_RANGE),
            "max_seed": MAX_SEED,
            "max_own_name": MAX_OWN_NAME,
            "max_samples": MAX_SAMPLES,
            "photo": {"max_bytes": MAX_UPLOAD_MB * 1_000_000, "max_pixels": MAX_PIXELS, "min_side": MIN_PHOTO_SIDE},
            "previews": {"positions": list(PREVIEW_POSITIONS), "size": PREVIEW_SIZE},
            "traversal": list(TRAVERSAL_VALUES),
            "max_frames": MAX_FRAMES,
            "walk_gif": {"seconds": GIF_SECONDS, "scale": GIF_SCALE},
            "own_examples": [{"name": n, "with": w, "without": wo} for n, w, wo in OWN_EXAMPLES],
        },
        "words": {
            "intro": words.INTRO,
            "model_labels": {
                f["name"]: words.model_label(f["name"], f["beta"], f) for f in facts if {"name", "beta"} <= f.keys()
            },
            "curious": words.CURIOUS,
            "more_directions": words.MORE_DIRECTIONS,
            "explore_curious": words.EXPLORE_CURIOUS,
            "sample_curious": words.SAMPLE_CURIOUS,
            "reconstruct_curious": words.RECONSTRUCT_CURIOUS,
            "about": words.about(facts),
            "beta_note": words.BETA_NOTE,
            "preview_note": words.PREVIEW_NOTE,
            "map_note": words.MAP_NOTE,
            "closeness": words.CLOSENESS,
            "detail": words.DETAIL,
            "score_sentences": words.SCORE_SENTENCES,
            "broken_link": words.broken_link("{problem}"),
            "typicality": words.TYPICALITY,
            "typicality_sentence": words.TYPICALITY_SENTENCE,
            "no_photos": words.NO_PHOTOS,
            "samplers": words.SAMPLER_CHOICES,
            "compare_original": words.COMPARE_ORIGINAL,
            "compare_caption": words.COMPARE_CAPTION,
            "name_caption": words.MODEL_NAME_CAPTION,
            "plots": words.PLOT_WORDS,
            "goal_change_note": words.goal_change_note([change for f in facts for change in goal_changes(f)]),
            "fact_headers": words.FACT_HEADERS,
        },
    }
