// The static edition (vae.hub space --static): the explorer running wholly in the visitor's browser. site.json,
// which vae/publish/static_site.py writes, holds the page's words and layout and each model's networks and data;
// this module loads them and onnxruntime-web, and starts the views. Every request is a GET of the site's own files
// or of onnxruntime-web's; a failed one says which file and why, and is tried again when next needed.

import { fetchChecked, remembered } from "../loading.js";
import { loadRuntime, Networks } from "../onnx_runtime.js";
import { nearestCodes } from "../latent_formulas.js";
import { mixtureCodes, priorCodes, standardCodes } from "../sampler.js";
import { markdown, sheetTile } from "./pictures.js";
import { startExplore } from "./explore_view.js";
import { startViews } from "./views.js";

const LOAD_TIMEOUT_MS = 60000;

const floats = async (url, { file, shape }) => {
  const data = new Float32Array(await (await fetchChecked(url(file))).arrayBuffer());
  return { data, shape };
};

// a flat array as nested arrays of `shape` (the mixture's matrices)
const nested = ({ data, shape }) => {
  if (shape.length === 1) return Array.from(data);
  const step = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nested({ data: data.subarray(i * step, (i + 1) * step), shape: shape.slice(1) }));
};

class Site {
  constructor(site) {
    this.site = site;
    this.words = site.words;
    this.layout = site.layout;
    this.entries = new Map(site.models.map((m) => [m.name, m]));
    this.data = new Map(); // model name -> Promise of its mixture, atlas codes and photo sheet
    this.networks = null;
    this.onTab = null; // what a tab's first opening draws (web/static/views.js)
    this.messageBox = document.querySelector("#message");
  }

  url(path) { return new URL(path, document.baseURI).href; }

  say(text) { this.messageBox.textContent = text; }

  entry(name) { return this.entries.get(name); }

  // a model's Gaussian mixture, atlas codes and photo sheet, fetched when first needed (again if that failed)
  modelData(name) {
    return remembered(this.data, name, () => this.fetchData(this.entry(name)));
  }

  async fetchData(entry) {
    const url = (path) => this.url(path);
    const mixture = entry.mixture && Object.fromEntries(await Promise.all(
      Object.entries(entry.mixture).map(async ([key, file]) => [key, nested(await floats(url, file))])));
    let atlas = null;
    if (entry.atlas) {
      const sheet = new Image();
      sheet.src = url(entry.atlas.sheet);
      const typical = entry.atlas.typical_logvar; // null where the model's atlas predates it (nearestCodes: σ = 1)
      const [codes, logDensity, typicalLogvar] = await Promise.all([floats(url, entry.atlas.codes), floats(url, entry.atlas.code_log_density),
        typical ? floats(url, typical) : null, sheet.decode()]);
      atlas = { codes: codes.data, logDensity: Array.from(logDensity.data), typicalLogvar: typicalLogvar?.data ?? null, sheet, side: entry.atlas.side, labels: entry.atlas.labels };
    }
    return { mixture, atlas };
  }

  decode(entry, z) { return this.networks.enqueue(() => this.networks.decode(this.url(entry.decoder), z)); }

  encode(entry, photo) { return this.networks.enqueue(() => this.networks.encode(this.url(entry.encoder), photo.pixels, photo.size)); }

  // codes as the app's /sample draws them (vae.latent.explore.random_latent) from `source`: "fitted" (the model's
  // chosen fitted sampler), "diffusion", "mixture" or "standard"; an Error for a sampler the model does not ship
  async codes(entry, seed, count, temperature, source) {
    const { mixture } = await this.modelData(entry.name);
    const chosen = source === "fitted" ? (mixture ? entry.fitted_source : "standard") : source;
    const shipped = { diffusion: entry.prior, mixture }[chosen];
    if (chosen !== "standard" && !shipped) {
      throw new Error(`${entry.name} ships no ${chosen} sampler: choose 'fitted' or 'standard'`);
    }
    if (chosen === "diffusion") {
      const url = this.url(entry.prior.network);
      const velocity = (z, t, label) => this.networks.enqueue(() => this.networks.velocity(url, z, t, label, count));
      return priorCodes(entry.prior, velocity, seed, count, temperature);
    }
    return chosen === "mixture" ? mixtureCodes(mixture, seed, count, temperature) : standardCodes(seed, count, entry.latent_dim, temperature);
  }

  // the real photos whose codes are nearest z, into `box`
  async showNearest(entry, z, box, count = 3) {
    const { atlas } = await this.modelData(entry.name);
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
  try {
    site.networks = new Networks(await loadRuntime(site.url(site.site.ort), LOAD_TIMEOUT_MS));
  } catch (error) {
    const reason = typeof WebAssembly !== "object" ? "This browser has no WebAssembly" : `onnxruntime-web could not load (${error.message})`;
    site.say(`${reason}, so no picture can be painted here; the About text and the landscape map still show.`);
    startViews(site, null);
    return;
  }
  site.say("");
  startViews(site, await startExplore(site));
}

start().catch((error) => {
  document.querySelector("#message").textContent = `The page could not start: ${error.message}`;
  console.error(error);
});
