// The static page's other tabs: Sample, Reconstruct, Compare β, the landscape map, and Traverse & interpolate.
// Each draws a finished picture when the page opens; a bad photo or number gets one line (#message) and changes
// nothing else. The views hang on the tabs' nav (#tabs) as `.views`: nothing is kept on window.

import { FrameBatch, FrameTimes } from "../frames.js";
import { encodeGif, frameDelayMs, pingPong } from "../gif.js";
import { addAlong, detailKept, dot, klNats, mapCode, mapPointAt, psnr } from "../latent_formulas.js";
import { compareCopies, compareSamples, showComparison } from "./compare_view.js";
import { checkedSeed, showCurious } from "./explore_view.js";
import { fill, labelledGrid, markdown, named, photoPixels, show } from "./pictures.js";

const MAP_KEY_STEP = 0.25; // an arrow key moves the map's spot this far (standard deviations)
const MAP_KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

const $ = (selector) => document.querySelector(selector);

function checkedNumber(selector, what, low, high, whole = false) {
  const value = Number($(selector).value);
  if (!Number.isFinite(value) || value < low || value > high || (whole && !Number.isInteger(value))) {
    throw new Error(`${what} must be a ${whole ? "whole " : ""}number from ${low} to ${high}.`);
  }
  return value;
}

class Views {
  constructor(site, explore) {
    this.site = site;
    this.explore = explore;
    this.photo = null; // the source of the photo being reconstructed and compared (a File or an example's URL)
    this.walkTimer = null;
    this.drawn = new Map(); // tab id -> the promise of its first pictures
    // the spot under the pointer, one frame at a time, each of the newest point (the pointer outruns the decoder)
    this.mapBatch = new FrameBatch((point) => this.mapTimes.time(() => this.paintSpot(point)).catch((error) => this.say(error)),
      { oneAtATime: true });
    this.mapTimes = new FrameTimes(); // map frames painted while hovering (bench/static_page.py)
  }

  get entry() { return this.site.entry($("#model").value); }

  say(error) { this.site.say(error.message); }

  // Sample: the model's own sampler (or N(0, I)), as the app's /sample draws it for the same seed
  async sample() {
    const { max_seed: maxSeed, max_samples: most } = this.site.layout;
    const seed = checkedSeed($("#sample-seed").value, maxSeed);
    const count = checkedNumber("#sample-count", "Count", 1, most, true);
    const temperature = checkedNumber("#temperature", "Temperature", 0.1, 2);
    const entry = this.entry;
    const codes = await this.site.codes(entry, seed, count, temperature, $("#sampler").value);
    const pictures = await Promise.all(codes.map((z) => this.site.decode(entry, z)));
    $("#samples").replaceChildren(...pictures.map((p, n) => show(document.createElement("canvas"), p,
      `${entry.name}, sample ${n + 1} of seed ${seed}`)));
  }

  // Reconstruct: crop, encode and decode in the browser; the copy's scores in words and the nearest photos
  async reconstruct(source) {
    const entry = this.entry;
    const photo = await photoPixels(source, entry.image_size, this.site.layout.photo); // a bad file stops here
    this.photo = source;
    const posterior = await this.site.encode(entry, photo);
    const copy = await this.site.decode(entry, posterior.mean);
    show($("#original"), photo);
    show($("#reconstruction"), copy);
    const scores = { psnr: psnr(copy.pixels, photo.pixels), detail: detailKept(copy.pixels, photo.pixels, photo.size),
      kl: klNats(posterior.mean, posterior.logvar) };
    const words = this.site.words;
    const first = (table, value) => table.find(([floor]) => floor === null || value >= floor)[1]; // ui/words.py first_row
    const values = { ...scores, detail_percent: 100 * scores.detail, closeness: first(words.closeness, scores.psnr),
      detail_words: first(words.detail, scores.detail) };
    // the verdict in words; the numbers behind it under "For the curious"
    $("#scores").innerHTML = markdown(fill(words.score_sentences.closeness, values));
    $("#score-numbers").innerHTML = markdown(["psnr", "detail", "kl"].map((k) => fill(words.score_sentences[k], values)).join(""));
    await this.site.showNearest(entry, posterior.mean, $("#recon-nearest"));
    await compareCopies(this.site, source);
  }

  // the map: the spot under the mouse, one frame at a time; a click pins it and shows its nearest photos
  showMap() {
    const map = this.entry.map;
    $("#map").hidden = !map;
    if (map) $("#map").src = this.site.url(map.picture);
    return this.paintSpot(this.pinned ?? this.startSpot(), true); // a new model keeps the pinned spot
  }

  // the map's first spot: the start photo's, inside its kind's cluster of photos (site.json's start)
  startSpot() { return this.site.site.start?.map ?? { x: 0, y: 0 }; }

  async paintSpot(point, pinned = false) {
    const entry = this.entry;
    if (!entry.map || !point) return;
    const z = mapCode(entry.map, point);
    show($("#map-picture"), await this.site.decode(entry, z));
    $("#map-xy").textContent = `x ${point.x.toFixed(2)} · y ${point.y.toFixed(2)}`;
    $("#map-picture").setAttribute("aria-label", `${entry.name}, the landscape at x ${point.x.toFixed(2)}, y ${point.y.toFixed(2)} on the map`);
    if (pinned) {
      this.pinned = point;
      await this.site.showNearest(entry, z, $("#map-nearest"));
    }
  }

  // the keyboard's map: arrow keys move the spot (painted as the pointer paints it), Enter or Space pins it
  key(event) {
    const { extent } = this.site.site.map_frame;
    const spot = this.spot ?? this.pinned ?? this.startSpot();
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      return this.paintSpot(spot, true);
    }
    const step = MAP_KEYS[event.key];
    if (!step) return null;
    event.preventDefault();
    const along = (v, d) => Math.round(Math.min(Math.max(v + d * MAP_KEY_STEP, -extent), extent) * 100) / 100;
    this.spot = { x: along(spot.x, step[0]), y: along(spot.y, step[1]) };
    return this.mapBatch.ask(this.spot);
  }

  hover(event) {
    const point = mapPointAt(event, this.site.site.map_frame);
    if (point) this.mapBatch.ask((this.spot = point));
  }

  // Traverse: row r moves the Explore tab's code along axis r to each traversal value; rows and columns labelled
  async traverse() {
    const { settings } = this.explore;
    const entry = this.entry;
    const rows = checkedNumber("#traverse-rows", "Rows", 1, settings.vectors.length, true);
    const z = this.explore.code();
    const offset = z.map((x, i) => x - settings.origin[i]);
    const values = this.site.layout.traversal;
    const canvas = document.createElement("canvas");
    const size = entry.image_size;
    canvas.width = values.length * size;
    canvas.height = rows * size;
    const tile = document.createElement("canvas");
    for (let r = 0; r < rows; r++) {
      const coordinate = dot(offset, settings.vectors[r]) / settings.scale[r];
      for (let c = 0; c < values.length; c++) {
        const code = addAlong(Float32Array.from(z), settings.vectors[r], (values[c] - coordinate) * settings.scale[r]);
        canvas.getContext("2d").drawImage(show(tile, await this.site.decode(entry, code)), c * size, r * size);
      }
    }
    const signed = (v) => (v > 0 ? `+${v}` : String(v).replace("-", "−"));
    const names = entry.axes[settings.axes].labels.slice(0, rows);
    const said = `${entry.name}: ${rows} rows, one per slider (${names.join(", ")}), each from ${signed(values[0])} to ${signed(values.at(-1))}`;
    labelledGrid($("#traversal"), named(canvas, said), values.map(signed), names);
  }

  // the walk between two example photos' codes, as frames and as a loop
  async walk() {
    const entry = this.entry;
    const frames = checkedNumber("#walk-frames", "Frames", 2, this.site.layout.max_frames, true);
    const code = async (selector) => (await this.site.encode(entry, await photoPixels(this.site.url($(selector).value), entry.image_size, this.site.layout.photo))).mean;
    const [a, b] = [await code("#walk-from"), await code("#walk-to")];
    const pictures = [];
    for (let f = 0; f < frames; f++) {
      const t = f / (frames - 1);
      pictures.push(await this.site.decode(entry, a.map((x, i) => (1 - t) * x + t * b[i])));
    }
    const [from, to] = ["#walk-from", "#walk-to"].map((selector) => $(selector).selectedOptions[0]?.textContent ?? "a photo");
    $("#frames").replaceChildren(...pictures.map((p, f) => show(document.createElement("canvas"), p,
      `${entry.name}, the walk from ${from} to ${to}, frame ${f + 1} of ${frames}`)));
    clearInterval(this.walkTimer);
    const { seconds, scale } = this.site.layout.walk_gif;
    const order = pingPong(frames); // forward, then back, as the GIF plays
    let shown = 0;
    const loop = () => { show($("#walk-loop"), pictures[order[shown]]); shown = (shown + 1) % order.length; };
    loop();
    // a visitor who asks for less motion sees the first frame, still (the frames beside it show the rest)
    const still = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    named($("#walk-loop"), `${entry.name}, the walk from ${from} to ${to}${still ? ", its first frame" : ", looping"}`);
    if (!still) this.walkTimer = setInterval(loop, frameDelayMs(seconds, frames));
    const link = $("#walk-gif");
    if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([encodeGif(pictures, { seconds, scale })], { type: "image/gif" }));
    link.download = `walk-${from}-${to}.gif`;
    link.hidden = false;
  }

  // a tab draws its pictures when it is first opened (Explore draws as the page opens), and again after a new model
  open(tab) {
    if (!this.drawn.has(tab)) this.drawn.set(tab, (TAB_DRAWS[tab] ?? (() => null))(this));
    return Promise.resolve(this.drawn.get(tab)).catch((error) => this.say(error));
  }

  modelChanged() {
    this.drawn.clear();
    const shown = document.querySelector(".tab:not([hidden])");
    return this.open(shown.id);
  }
}

const TAB_DRAWS = {
  "sample-tab": (views) => views.sample(),
  "reconstruct-tab": (views) => views.reconstruct(views.photo), // Compare β's copies too
  "compare-tab": (views) => Promise.all([showComparison(views.site), views.open("reconstruct-tab"), compareSamples(views.site)]),
  "map-tab": (views) => views.showMap(),
  "traverse-tab": (views) => Promise.all([views.traverse(), views.walk()]),
};

// the views beside `explore` (the Explore tab's, null where nothing can be painted: the map's picture still shows)
export function startViews(site, explore) {
  if (!explore) return null;
  const views = new Views(site, explore);
  $("#tabs").views = views;
  const act = (task) => (...args) => { // a visitor's action: a new line replaces the last one
    site.say("");
    return task(...args).catch((error) => views.say(error));
  };
  const examples = site.site.examples;
  views.photo = site.url(`examples/${site.layout.start_photo}`); // Reconstruct's first photo, as the app's
  showCurious(site, "#sample-curious", site.words.sample_curious);
  showCurious(site, "#recon-curious", site.words.reconstruct_curious);
  $("#examples").replaceChildren(...examples.map((path) => { // buttons, so that a keyboard reaches them
    const button = document.createElement("button");
    button.type = "button";
    const image = new Image();
    image.loading = "lazy"; // loaded when the Reconstruct tab first shows
    image.src = site.url(path);
    image.alt = `Reconstruct the example photo ${path.split("/").pop().replace(/\.\w+$/, "").replaceAll("-", " ")}`;
    button.append(image);
    button.addEventListener("click", act(() => views.reconstruct(site.url(path))));
    return button;
  }));
  for (const [selector, index] of [["#walk-from", 0], ["#walk-to", Math.min(2, examples.length - 1)]]) {
    $(selector).replaceChildren(...examples.map((path) => new Option(path.split("/").pop().replace(".jpg", ""), site.url(path))));
    $(selector).selectedIndex = index;
  }
  $("#sample").addEventListener("click", act(() => views.sample()));
  $("#photo").addEventListener("change", act(async (event) => { if (event.target.files[0]) await views.reconstruct(event.target.files[0]); }));
  $("#reconstruct-tab").addEventListener("dragover", (event) => event.preventDefault());
  $("#reconstruct-tab").addEventListener("drop", act(async (event) => {
    event.preventDefault();
    if (event.dataTransfer.files[0]) await views.reconstruct(event.dataTransfer.files[0]);
  }));
  $("#compare-seed").addEventListener("change", act(() => compareSamples(site)));
  $("#map").addEventListener("pointermove", (event) => views.hover(event));
  $("#map").addEventListener("click", act((event) => views.paintSpot(mapPointAt(event, site.site.map_frame), true)));
  // a finger lifted leaves its spot on the map; a mouse that leaves brings back the pinned spot
  $("#map").addEventListener("pointerleave", act(async (event) => { if (event.pointerType === "mouse") await views.paintSpot(views.pinned); }));
  $("#map").addEventListener("keydown", act(async (event) => { await views.key(event); }));
  $("#model").addEventListener("change", act(() => views.modelChanged()));
  $("#traverse-draw").addEventListener("click", act(() => views.traverse()));
  $("#walk").addEventListener("click", act(() => views.walk()));
  site.onTab = (tab) => views.open(tab);
  views.ready = explore.whenLive.then(() => true); // the Explore picture decoded here
  return views;
}
