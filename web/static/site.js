// The static edition (vae.hub space --static): the explorer running wholly in the visitor's browser. site.json,
// which vae/publish/static_site.py writes, holds the page's words and layout and each model's networks and data;
// this module loads them and onnxruntime-web, and starts the views. Every request is a GET of the site's own files
// or of onnxruntime-web's; a failed one says which file and why, and is tried again when next needed.

import { fetchChecked, remembered } from "../loading.js";
import { loadRuntime, Networks, WASM_FILE } from "../onnx_runtime.js";
import { nearestCodes } from "../latent_formulas.js";
import { mixtureCodes, priorCodes, standardCodes } from "../sampler.js";
import { markdown, sheetTile } from "./pictures.js";
import { startExplore } from "./explore_view.js";
import { startViews } from "./views.js";

const LOAD_TIMEOUT_MS = 60000;
const MB = (bytes) => (bytes / 1e6).toFixed(1);

// a flat array as nested arrays of `shape` (the mixture's matrices)
const nested = ({ data, shape }) => {
  if (shape.length === 1) return Array.from(data);
  const step = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nested({ data: data.subarray(i * step, (i + 1) * step), shape: shape.slice(1) }));
};

// Loading by need: the page first shows the first view drawn at staging (site.json's start), then loads
// onnxruntime-web and the chosen model's decoder; an encoder when a view encodes a photo, another model's files when it
// is chosen, the sampler's networks when a code is drawn, the atlas once the sliders are live. A progress line
// (#message) names what is loading and how many MB are left, from site.json's sizes (or the response's length).
class Site {
  constructor(site) {
    this.site = site;
    this.words = site.words;
    this.layout = site.layout;
    this.entries = new Map(site.models.map((m) => [m.name, m]));
    this.loads = new Map(); // what -> Promise: the runtime, and each model's mixture and atlas
    this.networks = null; // onnxruntime-web's sessions, once the runtime is here
    this.onTab = null; // what a tab's first opening draws (web/static/views.js)
    this.messageBox = document.querySelector("#message");
    this.loading = new Map(); // URL -> { what, done, total } of the files loading now
    this.files = new Map(); // ONNX file URL -> Promise of its bytes, until its session is made
    this.progressShown = false; // the message box shows the progress line (not a message said)
    this.names = new Map(); // file URL -> what the progress line calls it
    for (const m of site.models) {
      for (const [key, what] of [["decoder", "decoder"], ["encoder", "encoder"]]) this.names.set(this.url(m[key]), `${m.name}'s ${what}`);
      if (m.prior) this.names.set(this.url(m.prior.network), `${m.name}'s diffusion prior`);
    }
  }

  url(path) { return new URL(path, document.baseURI).href; }

  say(text) {
    this.progressShown = false;
    this.messageBox.textContent = text;
  }

  entry(name) { return this.entries.get(name); }

  // the progress line: what is loading and how much is left; it never hides a message said, and clears once all is in
  progress() {
    if (this.messageBox.textContent && !this.progressShown) return;
    if (!this.loading.size) {
      if (this.progressShown) this.say("");
      return;
    }
    const files = [...this.loading.values()];
    const left = files.reduce((sum, f) => sum + Math.max(f.total - f.done, 0), 0);
    const known = files.every((f) => f.total > 0);
    this.messageBox.textContent = `Loading ${files.map((f) => f.what).join(", ")}${known ? `: ${MB(left)} MB left` : "…"}`;
    this.progressShown = true;
  }

  // a file's bytes (a Uint8Array), read as they arrive so that the progress line counts them
  async fetchBytes(url, what = this.names.get(url) ?? url.split("/").pop()) {
    const response = await fetchChecked(url);
    const path = url.startsWith(document.baseURI) ? url.slice(new URL(".", document.baseURI).href.length) : null;
    const length = response.headers.get("content-encoding") ? 0 : Number(response.headers.get("content-length") ?? 0);
    const file = { what, done: 0, total: this.site.sizes?.[path] ?? length };
    if (!response.body) return new Uint8Array(await response.arrayBuffer());
    this.loading.set(url, file);
    try {
      const reader = response.body.getReader();
      const chunks = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        file.done += value.length;
        this.progress();
      }
      const bytes = new Uint8Array(file.done);
      let at = 0;
      for (const chunk of chunks) { bytes.set(chunk, at); at += chunk.length; }
      return bytes;
    } finally {
      this.loading.delete(url);
      this.progress();
    }
  }

  // an ONNX file's bytes, fetched once until its session takes them (goLive fetches the decoder beside the runtime)
  fileBytes(url) { return remembered(this.files, url, () => this.fetchBytes(url)); }

  async floats({ file, shape }) {
    return { data: new Float32Array((await this.fetchBytes(this.url(file))).buffer), shape };
  }

  // onnxruntime-web, its wasm fetched here (the progress line counts it) beside its module; again if that failed
  runtime() {
    return remembered(this.loads, "runtime", async () => {
      const prefix = this.url(this.site.ort);
      const wasm = typeof WebAssembly === "object" ? this.fetchBytes(`${prefix}${WASM_FILE}`, "the in-browser painter") : null;
      wasm?.catch(() => undefined); // loadRuntime reports it
      const ort = await loadRuntime(prefix, LOAD_TIMEOUT_MS, { wasmBinary: wasm, integrity: this.site.ort_integrity });
      this.networks = new Networks(ort, { load: (url) => this.fileBytes(url).finally(() => this.files.delete(url)) });
      return this.networks;
    });
  }

  // a model's Gaussian mixture (null: none shipped), fetched when first needed (again if that failed)
  mixture(name) {
    const entry = this.entry(name);
    return remembered(this.loads, `mixture ${name}`, async () => entry.mixture && Object.fromEntries(await Promise.all(
      Object.entries(entry.mixture).map(async ([key, file]) => [key, nested(await this.floats(file))]))));
  }

  // a model's atlas: its photos' codes, their log-densities and the photo sheet (null: none shipped)
  atlas(name) {
    const entry = this.entry(name);
    return remembered(this.loads, `atlas ${name}`, async () => {
      if (!entry.atlas) return null;
      const typical = entry.atlas.typical_logvar; // null where the model's atlas predates it (nearestCodes: σ = 1)
      const sheetBytes = this.fetchBytes(this.url(entry.atlas.sheet), `${name}'s photos`);
      const [codes, logDensity, typicalLogvar, sheet] = await Promise.all([this.floats(entry.atlas.codes), this.floats(entry.atlas.code_log_density),
        typical ? this.floats(typical) : null, sheetBytes.then((bytes) => createImageBitmap(new Blob([bytes], { type: "image/jpeg" })))]);
      return { codes: codes.data, logDensity: Array.from(logDensity.data), typicalLogvar: typicalLogvar?.data ?? null, sheet,
        side: entry.atlas.side, labels: entry.atlas.labels };
    });
  }

  // both, as the typicality and the own sliders need them
  async modelData(name) {
    const [mixture, atlas] = await Promise.all([this.mixture(name), this.atlas(name)]);
    return { mixture, atlas };
  }

  async decode(entry, z) {
    const networks = await this.runtime();
    return networks.enqueue(() => networks.decode(this.url(entry.decoder), z));
  }

  async encode(entry, photo) {
    const networks = await this.runtime();
    return networks.enqueue(() => networks.encode(this.url(entry.encoder), photo.pixels, photo.size));
  }

  // codes as the app's /sample draws them (vae.latent.explore.random_latent) from `source`: "fitted" (the model's
  // chosen fitted sampler), "diffusion", "mixture" or "standard"; an Error for a sampler the model does not ship
  async codes(entry, seed, count, temperature, source) {
    const mixture = await this.mixture(entry.name);
    const chosen = source === "fitted" ? (mixture ? entry.fitted_source : "standard") : source;
    const shipped = { diffusion: entry.prior, mixture }[chosen];
    if (chosen !== "standard" && !shipped) {
      throw new Error(`${entry.name} ships no ${chosen} sampler: choose 'fitted' or 'standard'`);
    }
    if (chosen === "diffusion") {
      const url = this.url(entry.prior.network);
      const networks = await this.runtime();
      const velocity = (z, t, label) => networks.enqueue(() => networks.velocity(url, z, t, label, count));
      return priorCodes(entry.prior, velocity, seed, count, temperature);
    }
    return chosen === "mixture" ? mixtureCodes(mixture, seed, count, temperature) : standardCodes(seed, count, entry.latent_dim, temperature);
  }

  // the real photos whose codes are nearest z, into `box`
  async showNearest(entry, z, box, count = 3) {
    const atlas = await this.atlas(entry.name);
    if (!atlas) { box.textContent = "This model ships no photos to compare with."; return; }
    const found = nearestCodes(atlas.codes, entry.latent_dim, z, count, atlas.typicalLogvar);
    box.replaceChildren(...found.map((n) => sheetTile(atlas.sheet, n, atlas.side, entry.classes[atlas.labels[n]] ?? "photo")));
  }
}

// a tab shows when its button is clicked, and draws its pictures the first time (site.onTab, set by the views)
function showTabs(site) {
  const buttons = document.querySelectorAll("#tabs button");
  buttons.forEach((button) => button.addEventListener("click", () => {
    buttons.forEach((b) => { b.classList.toggle("chosen", b === button); b.setAttribute("aria-selected", String(b === button)); });
    document.querySelectorAll(".tab").forEach((tab) => { tab.hidden = tab.id !== button.dataset.tab; });
    site.onTab?.(button.dataset.tab);
  }));
}

async function start() {
  const site = new Site(await (await fetchChecked("site.json")).json());
  showTabs(site);
  document.querySelector("#intro").innerHTML = markdown(site.words.intro);
  document.querySelector("#about-tab").innerHTML = markdown(site.words.about);
  document.querySelector("#beta-note").innerHTML = markdown(site.words.beta_note);
  document.querySelector("#map-note").innerHTML = markdown(site.words.map_note);
  document.querySelector("#preview-note").textContent = site.words.preview_note;
  document.querySelector("#sampler").replaceChildren(...Object.entries(site.words.samplers).map(([source, label]) => new Option(label, source)));
  site.say("");
  const explore = startExplore(site); // the first view drawn at staging, at once
  startViews(site, explore);
  try {
    await explore.goLive(); // the runtime and the chosen model's decoder, then the latest slider values
  } catch (error) {
    const reason = typeof WebAssembly !== "object" ? "This browser has no WebAssembly" : `onnxruntime-web could not load (${error.message})`;
    site.say(`${reason}, so no picture can be painted here; the About text and the landscape map still show.`);
  }
}

start().catch((error) => {
  document.querySelector("#message").textContent = `The page could not start: ${error.message}`;
  console.error(error);
});
