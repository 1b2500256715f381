"""The static edition: the explorer as files any static host serves (a Hugging Face static Space), run wholly in
the visitor's browser by web/static/index.html and the web/ modules with onnxruntime-web.

Each model becomes its encoder and decoder in ONNX (weights stored as fp16, which the bundled models' weights
already are, so the pictures do not change) and what its views need: its slider axes, class directions and map
frame in site.json; its Gaussian mixture and atlas codes as little-endian float32 files. Files are named by their
content, so models that share an encoder, a mixture or the photo sheet (a second painter and its donor) ship them once.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from ..latent import comparison, explore
from ..latent.atlas import MAP_EXTENT, MAP_SIZE, map_spot, named_sheet_digest, photo_sheet_path
from ..latent.diffusion_prior import DiffusionPrior
from ..latent.onnx_files import missing_onnx_message

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "web" / "static" / "index.html"
MODULES = ROOT / "web"
EXAMPLES = ROOT / "assets" / "examples"
DATA = "data"  # the staged folder's content-named files
# what the page loads of onnxruntime-web (web/onnx_runtime.js): the runtime with its wasm glue inside, and its wasm
ONNXRUNTIME_WEB_FILES = ("ort.wasm.bundle.min.mjs", "ort-wasm-simd-threaded.wasm")
ONNXRUNTIME_WEB_FOLDER = "onnxruntime-web/"
STRIP_QUALITY = 85  # the first view's strips as WebP: 48 pictures in ~20 kB until the browser redraws them
PHOTO_QUALITY = 90  # the start photo beside its copy, as WebP: 128 px in a few kB
SERVICE_WORKER = PAGE.parent / "service_worker.js"  # staged at the site's root as service-worker.js (stage_offline)


def content_file(stage: Path, data: bytes, suffix: str) -> str:
    """`data` written once under data/, named by its digest; returns its path in the site."""
    name = f"{DATA}/{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    path = stage / name
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return name


def floats_file(stage: Path, array) -> dict:
    """A float array as a little-endian float32 file, with its shape."""
    values = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
    return {"file": content_file(stage, values.tobytes(), ".f32"), "shape": list(values.shape)}


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def start_view(stage: Path, em: explore.ExplorerModel, layout: dict, photo: Path | None) -> dict:
    """The Explore tab's first view, drawn here so that the page shows it before onnxruntime-web and the decoder
    arrive: the starting code (the start photo's, as the app opens; the average without one), the sliders' values,
    its picture, the photo as the model sees it (shown beside its copy), each main slider's strip as one sheet (a row
    per slider, a column per strip position), and the map's first spot (the photo's, inside its kind's cluster)."""
    kind = "main" if "main" in em.axis_kinds() else em.axis_kinds()[0]
    axes = explore.slider_axes(em, kind, layout["sliders"])
    seen = None if photo is None else explore.photo_tensor(photo, em.image_size)
    base = axes.origin if seen is None else explore.encode(em, seen)
    values = explore.slider_values(axes, base, layout["slider_range"])
    z = axes.with_values(base, values)
    previews = layout["previews"]
    strips = explore.slider_previews(em, axes, z, values, previews["positions"], previews["size"])  # (K, P, s, s, 3)
    rows, columns, side = strips.shape[:3]
    sheet = strips.transpose(0, 2, 1, 3, 4).reshape(rows * side, columns * side, 3)
    shown_photo = None if seen is None else webp_bytes(explore.to_uint8(seen[0]), PHOTO_QUALITY)
    spot = map_spot(em.axes, base) if seen is not None and em.axes is not None else (0.0, 0.0)
    return {
        "model": em.name,
        "axes": kind,
        "code": base.tolist(),
        "sliders": values,
        "picture": content_file(stage, png_bytes(explore.decode(em, z)), ".png"),
        "photo": None if shown_photo is None else content_file(stage, shown_photo, ".webp"),
        "strips": {"sheet": content_file(stage, webp_bytes(sheet), ".webp"), "rows": rows, "columns": columns},
        "map": {"x": spot[0], "y": spot[1]},
    }


def webp_bytes(pixels: np.ndarray, quality: int = STRIP_QUALITY) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="WEBP", quality=quality, method=6)
    return buffer.getvalue()


def prior_entry(stage: Path, prior: DiffusionPrior, network: Path) -> dict:
    """The diffusion prior's part of a model's entry: its velocity network's ONNX file and what sampling needs
    around it."""
    return {
        "network": content_file(stage, network.read_bytes(), ".onnx"),
        "mean": prior.mean.tolist(),
        "std": prior.std.tolist(),
        "class_shares": prior.class_shares.tolist(),
        **prior.sampling_facts(),
    }


def axes_entry(axes: explore.SliderAxes) -> dict:
    return {
        "origin": axes.origin.tolist(),
        "vectors": axes.vectors.tolist(),
        "scale": axes.scale.tolist(),
        "labels": axes.labels,
    }


def model_entry(stage: Path, em: explore.ExplorerModel, sliders: int) -> tuple[dict, dict]:
    """A model's part of site.json, and how much its ONNX files' fp16 weights change its pictures (measured at
    export, vae.publish.onnx_export); a ValueError for a model folder without its ONNX files."""
    folder = em.folder
    if not {"decoder", "encoder"} <= em.onnx.keys() or (em.prior is not None and "prior" not in em.onnx):
        raise ValueError(missing_onnx_message(em.name, folder))
    size = em.image_size
    measured = em.facts.get("onnx_fp16_difference", {})
    decoder = content_file(stage, em.onnx["decoder"].read_bytes(), ".onnx")
    encoder = content_file(stage, em.onnx["encoder"].read_bytes(), ".onnx")
    entry = {
        "name": em.name,
        "beta": em.model.config.beta,
        "latent_dim": em.latent_dim,
        "image_size": size,
        "facts": {k: em.facts[k] for k in ("test_kl", "test_psnr", "painter_of", "name") if k in em.facts},
        "encoder": encoder,
        "decoder": decoder,
        "axes": {kind: axes_entry(explore.slider_axes(em, kind, sliders)) for kind in em.axis_kinds()},
        "classes": em.classes,
        "class_directions": explore.slider_directions(em).tolist(),
        "mixture": None,
        "prior": prior_entry(stage, em.prior, em.onnx["prior"]) if em.prior is not None else None,
        "fitted_source": em.fitted_source,
        "atlas": None,
        "map": None,
    }
    if em.density is not None:
        entry["mixture"] = {
            name: floats_file(stage, getattr(em.density, name)) for name in ("weights", "means", "scale_trils")
        }
    if em.atlas is not None:
        sheet = photo_sheet_path(folder, named_sheet_digest(folder))
        entry["atlas"] = {
            "codes": floats_file(stage, em.atlas.codes),
            "code_log_density": floats_file(stage, em.atlas.code_log_density),
            "typical_logvar": None if em.atlas.typical_logvar is None else floats_file(stage, em.atlas.typical_logvar),
            "labels": em.atlas.labels.tolist(),
            "sheet": content_file(stage, sheet.read_bytes(), ".jpg"),
            "side": int(em.atlas.photos.shape[1]),
        }
    if em.map_image is not None:
        entry["map"] = {
            "picture": content_file(stage, png_bytes(em.map_image), ".png"),
            "origin": em.axes.origin.tolist(),
            "vectors": em.axes.vectors[:2].tolist(),
            "scale": em.axes.scale[:2].tolist(),
        }
    return entry, measured


def file_sizes(stage: Path) -> dict:
    """Bytes of each data/ file and of onnxruntime-web's wasm when staged here: the page's progress line counts
    what is left to load with them."""
    files = [*(stage / DATA).glob("*"), *(stage / ONNXRUNTIME_WEB_FOLDER).glob("*.wasm")]
    return {path.relative_to(stage).as_posix(): path.stat().st_size for path in sorted(files)}


def onnxruntime_web_source(stage: Path, source: str) -> str:
    """Where the page loads onnxruntime-web from: a URL prefix as it is, or a local folder of the npm package's
    dist/ files, whose needed files are copied into the site."""
    if "://" in source:
        if re.search(r"[\s;,'\"]", source):  # a policy's separators: the page's policy names the URL as it is
            raise ValueError(f"onnxruntime-web's URL may hold no space, quote, comma or semicolon, got {source!r}")
        return source if source.endswith("/") else source + "/"
    folder = Path(source)
    missing = [name for name in ONNXRUNTIME_WEB_FILES if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"{folder} lacks onnxruntime-web's {', '.join(missing)}: give its npm package's dist/ folder")
    target = stage / ONNXRUNTIME_WEB_FOLDER
    target.mkdir(exist_ok=True)
    for name in ONNXRUNTIME_WEB_FILES:
        shutil.copyfile(folder / name, target / name)
    return ONNXRUNTIME_WEB_FOLDER


def subresource_integrity(data: bytes) -> str:
    """`data`'s Subresource Integrity hash, as a browser checks it."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def onnxruntime_web_integrity(stage: Path, ort: str, pinned: dict[str, str]) -> dict[str, str]:
    """The hash of each onnxruntime-web file the page loads, which it checks before running it: of the bytes copied
    into the site, or, for a URL, the pinned version's (`pinned`: ui.browser_decoding.ONNXRUNTIME_WEB_INTEGRITY)."""
    if "://" in ort:
        return {name: pinned[name] for name in ONNXRUNTIME_WEB_FILES}
    return {name: subresource_integrity((stage / ort / name).read_bytes()) for name in ONNXRUNTIME_WEB_FILES}


def content_security_policy(ort: str) -> str:
    """The page's Content-Security-Policy: scripts and connections from the site itself and from onnxruntime-web's
    folder only (`ort`: a URL prefix, or a folder of the site), WebAssembly compiled (from bytes the page checked),
    no inline script, and nothing else loaded from anywhere."""
    runtime = [ort] if "://" in ort else []
    sources = {
        "default-src": ["'none'"],
        "script-src": ["'self'", *runtime, "'wasm-unsafe-eval'"],
        "connect-src": ["'self'", *runtime],
        "img-src": ["'self'", "data:"],  # the strips' pictures are their canvases' data: URLs
        "style-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],  # the service worker
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
    return "; ".join(" ".join([name, *values]) for name, values in sources.items())


def written_in(template: Path, pattern: str, line: str) -> str:
    """`template`'s text with its one line that matches `pattern` replaced by `line`: how staging writes the site's
    facts into its page and its service worker; a ValueError where the template has no such line."""
    text, written = re.subn(pattern, lambda _: line, template.read_text(), count=1, flags=re.M)
    if written != 1:
        raise ValueError(f"{template} has no line matching {pattern!r} to write the staged site's facts into")
    return text


def stage_page(stage: Path, ort: str) -> None:
    """index.html, with its Content-Security-Policy written in."""
    policy = f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(ort)}">'
    (stage / "index.html").write_text(written_in(PAGE, r'^<meta http-equiv="Content-Security-Policy".*>$', policy))


def stage_static(stage: Path, model_folders: list[Path], *, page: dict, onnxruntime_web: str) -> dict:
    """Stage the static site into `stage` for these model folders; `page` holds the page's words and layout
    (ui.static_page.page_settings). Every model's sampler ships, the diffusion prior included, so that the page
    samples as the app does; the page loads each only when it draws codes. Returns the fp16 differences measured, by model."""
    ort = onnxruntime_web_source(stage, onnxruntime_web)
    stage_page(stage, ort)
    (stage / "web").mkdir(exist_ok=True)
    for module in MODULES.glob("*.js"):
        shutil.copyfile(module, stage / "web" / module.name)
    shutil.copytree(
        PAGE.parent,
        stage / "web" / "static",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("*.html", SERVICE_WORKER.name),
    )
    examples = sorted(EXAMPLES.glob("*.jpg"))
    (stage / "examples").mkdir(exist_ok=True)
    for photo in examples:
        shutil.copyfile(photo, stage / "examples" / photo.name)
    shutil.copyfile(EXAMPLES / "CREDITS.md", stage / "examples" / "CREDITS.md")
    models, differences, loaded = [], {}, {}
    for folder in model_folders:
        em = explore.load_explorer_model(folder)
        entry, measured = model_entry(stage, em, page["layout"]["sliders"])
        models.append(entry)
        differences[entry["name"]] = measured
        loaded[entry["name"]] = em
    models.sort(key=lambda m: (m["beta"], m["name"]))
    shown = {entry["name"]: loaded[entry["name"]] for entry in models}  # in the page's order
    start_photo = EXAMPLES / page["layout"]["start_photo"]  # the app's START_PHOTO
    start = start_view(stage, shown[models[0]["name"]], page["layout"], start_photo if start_photo.is_file() else None)
    site = {
        **page,
        "ort": ort,
        "ort_integrity": onnxruntime_web_integrity(stage, ort, page["ort_cdn_integrity"]),
        "map_frame": {"size": MAP_SIZE, "extent": MAP_EXTENT},
        "examples": [f"examples/{photo.name}" for photo in examples],
        "models": models,
        # Compare β's plots and the models' numbers (a few kB): what the app's Compare β tab shows
        "comparison": {**comparison.plot_data(shown), "facts": comparison.model_facts(shown)},
        "start": start,
        "sizes": file_sizes(stage),
    }
    (stage / "site.json").write_text(json.dumps(site, separators=(",", ":")))
    stage_offline(stage)
    return differences


# installable and offline: a web app manifest, its icons, and a service worker that keeps the site's files

APP_NAME, APP_SHORT_NAME = "Landscape VAE Explorer", "Landscape VAE"
THEME_COLOR = "#22aa66"  # the chosen tab's green (page.css)
ICON_PHOTOS = ("forest-light", "glacier-lake", "mountain-ridge", "sea-cove")  # the icon: one example of each kind
# each size browsers ask of an installable site's icons, and its format: a 128-colour PNG (what iOS's home screen
# takes) at 192 px, WebP at 512 px (55 kB, where a PNG takes 127 kB even with a palette, 490 kB without)
ICONS = {192: "png", 512: "webp"}
ICON_COLORS, ICON_QUALITY = 128, 80
# not fetched at install: the Space's card, the worker itself, and the files the worker keeps as they are first used
NOT_SHELL = ("README.md", "service-worker.js", f"{DATA}/", ONNXRUNTIME_WEB_FOLDER)


def stage_icons(stage: Path) -> dict[int, str]:
    """The app's icons: four example photos, two by two, as squares of each of ICONS' sizes; returns their paths."""
    photos = [Image.open(EXAMPLES / f"{name}.jpg").convert("RGB") for name in ICON_PHOTOS]
    side = min(min(photo.size) for photo in photos)
    mosaic = Image.new("RGB", (2 * side, 2 * side))
    for i, photo in enumerate(photos):
        mosaic.paste(photo.resize((side, side), Image.LANCZOS), ((i % 2) * side, (i // 2) * side))
    (stage / "icons").mkdir(exist_ok=True)
    paths = {}
    for size, kind in ICONS.items():
        paths[size] = f"icons/icon-{size}.{kind}"
        icon = mosaic.resize((size, size), Image.LANCZOS)
        if kind == "png":
            icon = icon.quantize(ICON_COLORS, method=Image.Quantize.MEDIANCUT)
        icon.save(stage / paths[size], format=kind.upper(), optimize=True, quality=ICON_QUALITY, method=6)
    return paths


def stage_offline(stage: Path) -> str:
    """The manifest (manifest.webmanifest), its icons, and service-worker.js (web/static/service_worker.js with the
    site's version, shell, runtime and the runtime's hashes written in) at the root of a staged site, whose site.json
    is written; returns the version: a digest of the shell's files and onnxruntime-web's, which changes whenever one
    of them does, so a new staging's worker replaces the old cache."""
    icons = stage_icons(stage)
    manifest = {
        "name": APP_NAME,
        "short_name": APP_SHORT_NAME,
        "description": "A landscape VAE's latent sliders, samples and reconstructions, running in your browser",
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": path, "sizes": f"{size}x{size}", "type": f"image/{ICONS[size]}"} for size, path in icons.items()
        ],
    }
    (stage / "manifest.webmanifest").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    files = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
    shell = [name for name in files if not name.startswith(NOT_SHELL)]
    digest = hashlib.sha256()
    for name in shell + [name for name in files if name.startswith(ONNXRUNTIME_WEB_FOLDER)]:
        digest.update(name.encode() + b"\0" + (stage / name).read_bytes())  # site.json names data/'s files by content
    version = digest.hexdigest()[:16]
    site = json.loads((stage / "site.json").read_text())
    staged = {
        "version": version,
        "shell": ["./", *shell],
        "ort": site["ort"],
        "integrity": site.get("ort_integrity", {}),
    }
    line = f"const STAGED = {json.dumps(staged)};"
    (stage / "service-worker.js").write_text(written_in(SERVICE_WORKER, r"^const STAGED = .*?;", line))
    return version
