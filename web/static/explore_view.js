// The static page's Explore tab: the photo beside the picture, the class sliders, then main-direction or single-number
// sliders with their strips (the first few shown, the rest folded), the own sliders, a random code or the average, the
// share link and the nearest photos. The explorer core (../explorer_core.js) paints the frames, draws the strips and
// keeps the link, as it does on the Gradio page; this module builds the settings from site.json's model entries
// (../explore_settings.js), lays out the sliders, shows the first view drawn at staging (./start_view.js), reads a
// share link when the page opens, and adds the typicality and the visitor's own sliders.

import { Explorer } from "../explorer_core.js";
import { settingsOfEntry } from "../explore_settings.js";
import { ownDirection, percentileBelow } from "../latent_formulas.js";
import { mixtureLogDensity } from "../sampler.js";
import { checkView, readShareLink } from "../share_codec.js";
import { fill, markdown, photoPixels, show } from "./pictures.js";
import { showStart } from "./start_view.js";

class Explore extends Explorer {
  constructor(site) {
    super(document.querySelector("#explore-tab"));
    this.site = site;
    this.networks = null; // site.networks once the runtime and the first decoder are here (goLive)
    this.live = false; // frames decode here; until then the sliders' values are kept, and the first live frame paints them
    this.times = { firstPicture: null, live: null }; // ms after the page's request (bench/static_page.py)
    this.picture = this.document.querySelector("#picture");
    this.own = []; // the visitor's own sliders: { name, vector }
    this.photo = null; // the URL of the photo the code was made from, shown beside the picture (null: none)
    this.shown = Promise.resolve(); // the first view's pictures drawn at staging, shown
    this.whenLive = new Promise((resolve) => { this.becameLive = resolve; }); // the first live frame painted
  }

  get entry() { return this.site.entry(this.settings.model); }

  paintFrame(picture) {
    show(this.picture, picture);
    this.times.firstPicture ??= performance.now();
  }

  frame() { return this.live ? super.frame().catch((error) => this.fallBack(error)) : Promise.resolve(null); }

  async decodesHere() { return this.live; }

  // the runtime and the chosen model's decoder, loaded after the first view shows; then the picture of the latest
  // slider values (moved before, or not at all) and its strips are decoded here
  async goLive() {
    await this.shown.catch(() => undefined);
    if (typeof WebAssembly === "object") this.site.fileBytes(this.site.url(this.settings.decoder)).catch(() => undefined); // beside the runtime
    const networks = await this.site.runtime();
    await networks.session(this.site.url(this.settings.decoder));
    this.networks = networks;
    this.live = true;
    await this.moved();
    this.times.live = performance.now();
    this.becameLive();
  }

  fallBack(error) { this.site.say(`A picture could not be painted: ${error.message}`); }

  settled() {
    if (!this.live) return; // the atlas loads once the sliders are live
    this.site.showNearest(this.entry, this.code(), this.document.querySelector("#explore-nearest")).catch((error) => this.site.say(error.message));
  }

  // a view: model, axes, starting code, slider values and class amounts, own sliders, the photo its code was made from
  // (null for any other code); resolves once it is painted
  setView(view) {
    const entry = this.site.entry(view.model);
    this.own = view.own ?? [];
    this.use(settingsOfEntry(entry, this.site.site, { ...view, own: this.own }));
    this.document.querySelector("#model").value = entry.name;
    this.picture.setAttribute("aria-label", `${entry.name}: the picture the sliders paint`);
    this.showPhoto(view.photo ?? null, entry);
    this.document.querySelector("#axes").value = this.settings.axes;
    const classNames = [...entry.classes.map((c) => `more ${c.toLowerCase()}`), ...this.settings.own_names];
    this.buildSliders(entry.axes[this.settings.axes].labels, classNames);
    return this.moved();
  }

  // the photo a code was made from, beside the picture the sliders paint; hidden for a code of no photo
  showPhoto(url, entry) {
    this.photo = url;
    const photo = this.document.querySelector("#explore-photo");
    if (url) photo.src = this.site.url(url);
    photo.alt = url ? `The photo the code was made from, as ${entry.name} sees it` : "";
    this.document.querySelector("#explore-photo-figure").hidden = !url;
  }

  buildSliders(labels, classNames) {
    const { slider_range: range, class_range: [low, high] } = this.site.layout;
    const slider = (id, label, min, max, value, strip) => {
      const row = this.document.createElement("div");
      row.className = "slider";
      row.id = id;
      row.innerHTML = `<label for="${id}-input"></label><input id="${id}-input" type="range" min="${min}" max="${max}" step="0.01">${strip ? '<div class="slider-preview" role="group"></div>' : ""}`;
      row.querySelector("label").textContent = label;
      const input = row.querySelector("input");
      input.value = value;
      input.dataset.said = label.split(" · ")[0]; // what its value is announced with: "Direction 3 at +2.0"
      sayValue(input);
      if (strip) row.querySelector(".slider-preview").setAttribute("aria-label", `Where ${input.dataset.said.toLowerCase()} leads`);
      return row;
    };
    // the first few directions, then the rest folded under "More directions" (open as the visitor left it)
    const rows = labels.map((label, k) => slider(`preview-${k}`, label, -range, range, this.latest.sliders[k], true));
    const shown = this.site.layout.shown_directions;
    const fold = this.document.createElement("details");
    fold.id = "more-directions";
    fold.open = this.document.querySelector("#more-directions")?.open ?? false;
    fold.innerHTML = '<summary></summary><div class="sliders"></div>';
    fold.querySelector("summary").textContent = this.site.words.more_directions;
    fold.querySelector(".sliders").append(...rows.slice(shown));
    this.document.querySelector("#sliders").replaceChildren(...rows.slice(0, shown), ...(rows.length > shown ? [fold] : []));
    this.document.querySelector("#class-sliders").replaceChildren(...classNames.map((label, c) =>
      slider(`class-${c}`, label, low, high, this.latest.more[c] ?? 0, false)));
  }

  // a slider moved: read every slider
  readSliders() {
    const read = (selector) => Array.from(this.document.querySelectorAll(`${selector} input[type=range]`), (s) => Number(sayValue(s).value));
    this.latest = { sliders: read("#sliders"), more: read("#class-sliders") };
    this.moved();
  }

  // a share link's view, checked against the model it names; null for a page opened without one
  linkedView() {
    const view = readShareLink(new URLSearchParams(this.document.location.search));
    if (!view) return null;
    const entry = this.site.entry(view.model);
    if (!entry) throw new Error(`it names a model this page does not have ('${view.model.slice(0, 40)}')`);
    const { sliders, slider_range, classes, class_range } = this.site.layout;
    checkView(view, { latent_dim: entry.latent_dim, axis_kinds: Object.keys(entry.axes), sliders, slider_range, classes,
      class_range, own_room: classes - entry.classes.length });
    const own = view.own.map(([name, vector]) => ({ name: name.slice(0, this.site.layout.max_own_name), vector }));
    return { ...view, base: view.code, own };
  }

  // "How typical is this picture's code?": its fitted log-density's percentile among the real photos' codes
  // (vae.latent.explore.code_typicality), in ui/words.py's words
  async typical() {
    const { mixture, atlas } = await this.site.modelData(this.entry.name);
    const words = this.site.words;
    let text = words.no_photos;
    if (mixture && atlas) {
      const percentile = percentileBelow(atlas.logDensity, mixtureLogDensity(mixture, this.code()));
      const verdict = words.typicality.find(([ceiling]) => ceiling === null || percentile <= ceiling)[1];
      text = fill(words.typicality_sentence, { verdict, what: "this code", percentile });
    }
    this.document.querySelector("#typical-text").innerHTML = markdown(text);
  }

  // own sliders: photos with a quality and without it, encoded here
  async addOwn(name, withPhotos, withoutPhotos) {
    const entry = this.entry;
    if (this.settings.class_directions.length >= this.site.layout.classes) throw new Error("There is no room for another slider.");
    if (withPhotos.length < 2 || withoutPhotos.length < 2) throw new Error("Choose at least 2 photos with the quality and 2 without it.");
    const code = async (source) => (await this.site.encode(entry, await photoPixels(source, entry.image_size, this.site.layout.photo))).mean;
    const codesWith = await Promise.all(withPhotos.map(code));
    const codesWithout = await Promise.all(withoutPhotos.map(code));
    const { atlas } = await this.site.modelData(entry.name);
    const dim = entry.latent_dim;
    const population = atlas ? Array.from({ length: atlas.codes.length / dim }, (_, n) => atlas.codes.subarray(n * dim, (n + 1) * dim))
      : [...codesWith, ...codesWithout];
    const direction = ownDirection(codesWith, codesWithout, population, dim);
    if (!direction) throw new Error("The two groups' photos have the same codes: choose photos that differ in the quality.");
    this.setView({ ...this.settings, sliders: this.latest.sliders, more: this.latest.more, own: [...this.own, { name, vector: direction.vector }],
      photo: this.photo });
    return direction;
  }
}

// the Explore tab, on its first view: a share link's, else the one drawn at staging (the first example photo's code,
// site.json's start), else the first model's average; returns its Explore at once, showing what it can before the
// runtime arrives (Explore.goLive)
export function startExplore(site) {
  const explore = new Explore(site);
  const models = [...site.entries.values()];
  const select = document.querySelector("#model");
  select.replaceChildren(...models.map((m) => new Option(site.words.model_labels[m.name] ?? m.name, m.name)));
  showCurious(site, "#explore-curious", site.words.explore_curious);
  const first = models[0];
  const average = (entry) => entry.axes[Object.keys(entry.axes)[0]].origin;
  let view = null;
  try {
    view = explore.linkedView();
  } catch (error) {
    site.say(fill(site.words.broken_link, { problem: error.message }));
  }
  const start = site.site.start && site.entry(site.site.start.model) ? site.site.start : null;
  if (view) explore.setView(view);
  else if (start) {
    explore.setView({ model: start.model, axes: start.axes, base: start.code, sliders: start.sliders, photo: start.photo });
    explore.shown = showStart(explore, start);
  } else explore.setView({ model: first.name, axes: "main", base: average(first) });
  const act = (task) => async (...args) => { // a visitor's action: a new line replaces the last one
    site.say("");
    try { await task(...args); } catch (error) { site.say(error.message); }
  };
  document.querySelector("#sliders").addEventListener("input", () => explore.readSliders());
  document.querySelector("#class-sliders").addEventListener("input", () => explore.readSliders());
  // another model starts from its own average code (issue 39: not from the last model's)
  select.addEventListener("change", act(() => explore.setView({ model: select.value, axes: explore.settings.axes, base: average(site.entry(select.value)) })));
  document.querySelector("#axes").addEventListener("change", (event) => explore.setView({ ...explore.settings, axes: event.target.value, own: explore.own, photo: explore.photo }));
  document.querySelector("#reset").addEventListener("click", () => explore.setView({ model: explore.settings.model, axes: explore.settings.axes, base: average(explore.entry) }));
  document.querySelector("#random").addEventListener("click", act(async () => {
    const seed = checkedSeed(document.querySelector("#seed").value, site.layout.max_seed);
    const [z] = await site.codes(explore.entry, seed, 1, 1, "fitted");
    explore.setView({ model: explore.settings.model, axes: explore.settings.axes, base: z, own: explore.own });
  }));
  document.querySelector("#typical").addEventListener("click", act(() => explore.typical()));
  startOwn(site, explore, act);
  return explore;
}

// a slider's value in words for a screen reader ("Direction 3 at +2.0"); returns the slider
function sayValue(input) {
  const value = Number(input.value);
  input.setAttribute("aria-valuetext", `${input.dataset.said} at ${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(1)}`);
  return input;
}

// a tab's folded part "For the curious" (`selector`, a details element): its summary and its markdown text
export function showCurious(site, selector, text) {
  const fold = document.querySelector(selector);
  fold.querySelector("summary").textContent = site.words.curious;
  fold.querySelector(".curious-text").innerHTML = markdown(text);
}

export function checkedSeed(value, maximum) {
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed > maximum) throw new Error(`The seed must be a whole number from 0 to ${maximum}.`);
  return seed;
}

function startOwn(site, explore, act) {
  document.querySelector("#own-name").maxLength = site.layout.max_own_name;
  const box = document.querySelector("#own-examples");
  const example = (name) => site.url(`examples/${name}.jpg`);
  for (const group of site.layout.own_examples) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `Make "${group.name}" from example photos`;
    button.addEventListener("click", act(() => explore.addOwn(group.name, group.with.map(example), group.without.map(example))));
    box.append(button);
  }
  document.querySelector("#own-add").addEventListener("click", act(() => explore.addOwn(
    document.querySelector("#own-name").value.trim().slice(0, site.layout.max_own_name) || "my quality",
    Array.from(document.querySelector("#own-with").files), Array.from(document.querySelector("#own-without").files))));
}
