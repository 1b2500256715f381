"""What the app says: its texts, captions and plot labels, and scores in words a non-programmer
understands. vae/ returns numbers; these turn them into sentences."""

from __future__ import annotations

INTRO = """# 🏔️ Landscape VAE Explorer
This program learned to sum up a landscape photo in a short list of numbers, its *code*, and to paint a landscape
from any code: move a slider and the picture changes, since nearby codes paint similar landscapes. Draw new scenes,
see how much of your own photo it keeps, or compare models that squeeze the code harder (a larger **β**)."""

CURIOUS = "For the curious"  # the folded part of each tab that holds the terms and the numbers
MORE_DIRECTIONS = "More directions"  # the main sliders after the first few, folded

# what a model does, in plain words, beside its name (the model menus of both pages): the first row whose floor its β
# reaches; a second painter of another model's codes (facts' painter_of) paints texture instead
MODEL_WORDS = ((256, "keeps the broad strokes"), (4, "keeps the layout"), (None, "keeps the most"))
PAINTER_WORDS = "paints texture"


def model_label(name: str, beta: float, facts: dict) -> str:
    """A model as the menus name it: its name (the bundled ones say their β), then what it does."""
    return f"{name} · {PAINTER_WORDS if facts.get('painter_of') else first_row(MODEL_WORDS, beta)}"


ABOUT = """## What is a VAE?
An **encoder** turns a photo into a code: {latent_dim} numbers, each a point on a bell curve. A **decoder** turns
any code back into a picture. Training asks for two things at once:

- **Reconstruction**: the decoded picture should look like the photo that went in;
- **KL divergence**: the codes should look like draws from a standard bell curve, so that *any* code
  you pick, not only those of real photos, decodes to a plausible landscape.

The bundled models start as the best *linear* squeeze of the photos (a principal component analysis:
the blurry broad strokes) and the network learns what a linear projection misses, such as sharper
edges.

The loss is **reconstruction + β · KL**. With β = 1 it is the model's honest estimate of how likely a
photo is (the *evidence lower bound*). A larger β (a *β-VAE*) squeezes the codes harder: each code holds
less about its photo (fewer nats of KL), so the copies keep only the broad layout and colours.{span}

## The tabs
- **Explore**: the sliders move the code. *Main directions* are the directions in which real photos
  differ most (measured on the pictures their codes paint), largest first; *single code numbers* move one of the {latent_dim} numbers each, the most
  informative first. Start from a random code or a photo and move a slider.
- **Sample**: decode random codes. *Fitted to the photos* draws codes from where real photos' codes lie,
  which gives more realistic samples than the standard bell curve (Ghosh et al. 2020). Where a model ships
  one, that is a small *diffusion prior*: it first picks a kind of landscape by its share of the photos,
  then carries random noise, step by step, to a code of that kind; the other fitted sampler is a *mixture
  of bell curves*. *Temperature* scales the random start (lower: safer, duller pictures).
- **Reconstruct**: a photo, its code, and the picture decoded from it, with scores in plain words.
- **Compare β**: one photo through every model; each model's own sample for a seed (the same code would
  mean different things to different models); each model's first main direction from −3 to +3; and
  what each keeps (KL) against how close its copies come (PSNR).
- **Landscape map**: every held-out photo placed by its code along the two main directions, framed in the
  colour of its kind; the landscape under the mouse follows it, and a click shows the nearest real photos.
- **Traverse & interpolate**: each row moves along one slider axis from −3 to +3; and a smooth walk
  between two photos' codes, as frames and as a GIF.

The models were trained with `train.py` on about {photos:,} landscape photos from the Intel Image
Classification dataset; the example photos come from its test split, never seen in training."""


def about(facts: list[dict]) -> str:
    """ABOUT with the shown models' own figures, read from their facts.json (so they never go stale)."""
    scored = sorted(  # a second painter shares its donor's codes: no point of its own on the trade
        (f for f in facts if "test_kl" in f and "test_psnr" in f and not f.get("painter_of")), key=lambda f: f["beta"]
    )
    span = ""
    if len(scored) > 1:
        betas = ", ".join(f"{f['beta']:g}" for f in scored[:-1]) + f" and {scored[-1]['beta']:g}"
        low, high = scored[0], scored[-1]
        span = (
            f" The models shown span that trade: β = {betas}, from about {low['test_kl']:.0f} nats and "
            f"{low['test_psnr']:.1f} dB down to about {high['test_kl']:.0f} nats and {high['test_psnr']:.1f} dB on "
            "photos they never saw (the Compare β tab shows each one's numbers)."
        )
    photos = max((f.get("training_images", 0) for f in facts), default=0)
    latent_dim = facts[0].get("latent_dim", 128) if facts else 128
    return ABOUT.format(span=span, photos=round(photos, -2), latent_dim=latent_dim)


BETA_NOTE = """**What β trades.** β weighs how much a code may say about a photo (its KL, in nats). A small β
keeps more, and the copies come closer to the photo; a large β keeps less, and only the broad layout and
colours survive. The captions give each model's numbers, measured on photos it never saw. A *detailed* model
paints another model's codes with a second decoder, trained to paint texture: the same code and information,
sharper pictures, less faithful copies (the faithful–sharp trade)."""


# how much of the photo a copy keeps, in two parts, each the first row whose floor the copy reaches (the static page
# reads these tables too): the layout and colours by PSNR in dB, and the detail by the share of the photo's edges the
# copy keeps (vae.latent.likeness.detail_kept), since PSNR alone rewards a blurred copy of a hazy photo. Under half of
# the detail is never "much"; no copy is called "very close" as a whole. The floors: python -m bench.closeness.
CLOSENESS = ((25, "very closely"), (20, "closely"), (16, "roughly"), (None, "only loosely"))
DETAIL = ((0.5, "and much of its detail"), (0.25, "and some of its detail"), (None, "but little of its detail"))


# a reconstruction's scores in words: one plain sentence, then the numbers for the curious (the static page fills the
# same templates; it has no SSIM)
SCORE_SENTENCES = {
    "closeness": "**The copy keeps the photo's layout and colours {closeness}, {detail_words}.**\n\n",
    "psnr": "PSNR {psnr:.1f} dB: how small the pixel errors are (higher is better; 20 dB and up looks alike at a glance). ",
    "ssim": "SSIM {ssim:.2f}: how well shapes and textures survive, from 0 (not at all) to 1 (perfectly). ",
    "detail": "Detail {detail_percent:.0f}%: the copy's edges against the photo's (a blurred copy keeps little). ",
    "kl": "KL {kl:.0f} nats: how much information the code holds about this photo; "
    "a bigger β squeezes it, trading detail for a smoother, more regular latent space.",
}


def first_row(table, value: float) -> str:
    """The words of the first row of a (floor or None, words) table whose floor `value` reaches."""
    return next(phrase for floor, phrase in table if floor is None or value >= floor)


def closeness_sentence(scores: dict) -> str:
    """How much of the photo the copy keeps, in plain words: its layout and colours (PSNR), and its detail."""
    return SCORE_SENTENCES["closeness"].format(
        closeness=first_row(CLOSENESS, scores["psnr"]), detail_words=first_row(DETAIL, scores["detail"])
    )


def describe_scores(scores: dict) -> str:
    """A reconstruction's scores (PSNR, SSIM, detail kept, KL): a plain sentence, then the numbers."""
    values = {**scores, "detail_percent": 100 * scores["detail"]}
    numbers = "".join(sentence.format(**values) for key, sentence in SCORE_SENTENCES.items() if key != "closeness")
    return closeness_sentence(scores) + numbers


# a percentile of the model's score among real photos, in words: the first row whose ceiling it does not pass
# (the static page reads this table too)
TYPICALITY = (
    (1, "**Unusual.** Less typical than 99% of the real landscape photos"),
    (10, "**Rather unusual.** Less typical than most real landscape photos"),
    (90, "**Typical.** As typical as most real landscape photos"),
    (None, "**Very typical.** More typical than most real landscape photos"),
)
TYPICALITY_SENTENCE = "{verdict} (the model scores {what} above {percentile:.0f}% of them)."
NO_PHOTOS = "This model ships no photos to compare with."
ON_THE_MAP = "**This photo is on the map** (one of its real photos), so the nearest photos shown are the next three."


def typicality(percentile: float | None, what: str) -> str:
    """Plain words for a percentile of the model's score among real photos (None: the model ships none)."""
    if percentile is None:
        return NO_PHOTOS
    verdict = next(words for ceiling, words in TYPICALITY if ceiling is None or percentile <= ceiling)
    return TYPICALITY_SENTENCE.format(verdict=verdict, what=what, percentile=percentile)


# a model's picture in Compare β: which model (two may share a β), and for a copy how close it comes (the static page
# fills the same templates)
MODEL_NAME_CAPTION = "{name} (β = {beta})"
COMPARE_CAPTION = MODEL_NAME_CAPTION + " · PSNR {psnr:.1f} dB"


def reconstruction_caption(name: str, beta: float, scores: dict) -> str:
    return COMPARE_CAPTION.format(name=name, beta=f"{beta:g}", psnr=scores["psnr"])


def name_caption(name: str, beta: float) -> str:
    return MODEL_NAME_CAPTION.format(name=name, beta=f"{beta:g}")


COMPARE_ORIGINAL = "The photo, as every model sees it"
COMPARE_GALLERY = "Reconstructed by each model (PSNR: higher is closer)"
WALK_LOOP = "The walk, looping (⬇ downloads the GIF)"


def model_caption(beta: float, facts: dict) -> str:
    """What a model keeps, in plain words: its test KL and PSNR where its facts have them."""
    if "test_kl" not in facts or "test_psnr" not in facts:
        return f"β = {beta:g}"
    if facts.get("painter_of"):
        return painter_caption(facts)
    return (
        f"β = {beta:g}: a code holds {facts['test_kl']:.0f} nats about a photo; "
        f"copies come within {facts['test_psnr']:.1f} dB PSNR"
    )


def painter_caption(facts: dict) -> str:
    """A second painter of another model's codes: what stayed and what changed, in plain words."""
    return (
        f"{facts['name']}: the same code as {facts['painter_of']} (the same {facts['test_kl']:.0f} nats, the same "
        f"information), painted by a decoder trained to paint detail: more texture, less faithful "
        f"(PSNR {facts['test_psnr']:.1f} dB)"
    )


def class_caption(name: str | None) -> str:
    return name or "photo"


# the Compare β tab's plots and table

TRAVERSALS_NOTE = (
    "**Each model's first main direction**, from its average code, −3 … +3: how smoothly the picture "
    "changes along the direction in which its photos differ most."
)
KL_LABEL = "KL (nats per image)"
PSNR_LABEL = "test PSNR (dB)"
CURVE_LABEL = "validation PSNR (dB)"
FACT_HEADERS = {
    "model": "model",
    "beta": "β",
    "val_psnr": "val PSNR (dB)",
    "val_ssim": "val SSIM",
    "val_kl": "KL (nats)",
    "active_units": "active dims",
    "epochs": "epochs",
    "training_minutes": "minutes",
    "file_mb": "size (MB)",
}


# the plots' words (web/plots.js draws both plots on both pages)
PLOT_WORDS = {
    "rate_distortion_title": "What β trades: information in the code (KL) against closeness of the copies (PSNR)",
    "kl_label": KL_LABEL,
    "psnr_label": PSNR_LABEL,
    "curves_title": "How each model learned",
    "epoch_label": "epoch",
    "curve_label": CURVE_LABEL,
    "change_label": "epoch {epoch}: new goal",
}
# what a dashed line on the training curves marks (vae.latent.comparison.goal_changes), so a fall there reads as meant
BETA_CHANGE = "{models} went on from β = {beta_from:g} to β = {beta_to}, {squeeze}"
SQUEEZE = {True: "which squeezes the code harder, so copies keep less", False: "which lets the code keep more"}
DECODER_CHANGE = "{models} went on training a second decoder alone, to paint texture rather than to copy closely"


def joined(items: list[str]) -> str:
    """a; a and b; a, b and c."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def goal_change_note(changes: list[dict]) -> str:
    """One line under the training curves: what changed at each dashed line (empty where nothing did)."""
    said = []
    for epoch in sorted({change["epoch"] for change in changes}):
        now = [change for change in changes if change["epoch"] == epoch]
        painters = [change["model"] for change in now if change.get("decoder_only")]
        parts = [DECODER_CHANGE.format(models=joined(painters))] if painters else []
        for beta_from in sorted({change["beta_from"] for change in now if "beta_from" in change}):
            moved = sorted((c for c in now if c.get("beta_from") == beta_from), key=lambda c: c["beta_to"])
            parts.append(
                BETA_CHANGE.format(
                    models=joined([change["model"] for change in moved]),
                    beta_from=beta_from,
                    beta_to=joined([f"{change['beta_to']:g}" for change in moved]),
                    squeeze=SQUEEZE[all(change["beta_to"] > beta_from for change in moved)],
                )
            )
        said.append(f"at epoch {epoch}, {'; '.join(parts)}")
    if not said:
        return ""
    return f"**A dashed line marks where training changed its goal**, so a curve may fall there by design: {'; '.join(said)}."


def broken_link(problem: str) -> str:
    """One line for a share link that cannot be opened; the page shows its default view."""
    return f"⚠️ This link could not be opened ({problem}), so here is the usual starting picture."


PREVIEW_NOTE = (
    "The small pictures under each slider show where it leads: the picture with that slider at −2, −1, +1 and +2."
)
MAP_NOTE = (
    "Every held-out photo (never seen in training), placed by its code along the two main directions, framed "
    "in the colour of its kind. **Move the mouse over the map**: the landscape at that spot follows it, "
    "painted in your browser. **Click** to pin a spot: the nearest real photos appear below."
)


MAP_OWN_NOTE = (
    "Add the three nearest photos above to one group of **your own slider** (Explore, Make your own slider): "
    "the photos that have a quality, or those that do not."
)


def photos_added(count: int) -> str:
    return (
        f"That group now holds {count} photo{'s' if count != 1 else ''}: name the quality and add the slider under "
        "**Make your own slider** in the Explore tab."
    )


# the Sample tab's choice of sampler (vae.latent.explore.SOURCES), in the app and on the static page
SAMPLER_CHOICES = {
    "fitted": "Like real photos (this model's best way)",
    "diffusion": "Like real photos, drawn step by step",
    "mixture": "Like real photos, from a blend of bell curves",
    "standard": "Anywhere at all (often muddled scenes)",
}
SAMPLER_INFO = "The first three draw codes where real photos' codes lie, so the samples look more like photos."

# each tab's folded part: the terms and the runtime behind the plain words above it
EXPLORE_CURIOUS = """- A photo's *code* is its point in the model's **latent space**: the numbers its encoder gives it, from
  which the decoder paints. The sliders move that point; the class sliders add the direction from the mean code of
  all photos to the mean code of one kind.
- **Main directions** are the principal directions of the real photos' codes (measured on the pictures they paint);
  a slider's unit is one standard deviation of the photos along it.
- **Single code numbers** are ranked by their KL divergence (in nats): how much each holds about a photo.
- The pictures that follow the sliders and the mouse are painted in your browser by onnxruntime-web, a runtime
  for neural networks compiled to WebAssembly, with no request to a server."""
SAMPLE_CURIOUS = """- *Like real photos* draws codes from a density fitted to the real photos' codes: a **diffusion prior**
  where the model ships one (it picks a landscape class by its share of the photos, then carries noise to a code of
  that class step by step), else a **mixture of Gaussians**. Samples from where photos lie look more like photos
  (Ghosh et al. 2020).
- *Anywhere at all* draws from the standard normal N(0, I), the bell curve that training (its KL term) pulls every
  code towards; many such codes lie where no photo's code does.
- Temperature scales the spread of the bell curves, and the diffusion prior's starting noise."""
RECONSTRUCT_CURIOUS = (
    "The words weigh two scores: PSNR for the layout and colours, and for the detail the share of the photo's edges "
    "the copy keeps, which falls for a blurred copy where PSNR and SSIM may not. The example photos are **held-out** "
    "test photos: the model never saw them in training. The copy is decoded from the mean of the photo's code (its "
    "*latent* posterior), so it is the same each time."
)
