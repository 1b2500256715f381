// The static page's Compare β tab: the photo as the models see it, then its copy by every model; each model's own
// sample for a seed; the plots of what β trades and of how each model learned (../plots.js draws them on both pages,
// from the models' facts and metrics in site.json); and the models' numbers, folded for the curious.

import { psnr } from "../latent_formulas.js";
import { drawPlot } from "../plots.js";
import { checkedSeed } from "./explore_view.js";
import { figure, fill, markdown, photoPixels } from "./pictures.js";

const $ = (selector) => document.querySelector(selector);

// the photo (a File or an example's URL) as the models see it, then through every model, captioned as the app's
export async function compareCopies(site, source) {
  const figures = [];
  let seen = null;
  for (const entry of site.entries.values()) {
    const photo = await photoPixels(source, entry.image_size, site.layout.photo);
    seen ??= photo;
    const copy = await site.decode(entry, (await site.encode(entry, photo)).mean);
    figures.push(figure(copy, fill(site.words.compare_caption, { name: entry.name, beta: entry.beta, psnr: psnr(copy.pixels, photo.pixels) })));
  }
  $("#compare-original").replaceChildren(figure(seen, site.words.compare_original));
  $("#compare").replaceChildren(...figures);
}

// each model's own sample for the seed asked (the same code would mean different things to different models)
export async function compareSamples(site) {
  const seed = checkedSeed($("#compare-seed").value, site.layout.max_seed);
  const figures = [];
  for (const entry of site.entries.values()) {
    const [z] = await site.codes(entry, seed, 1, 1, "fitted");
    figures.push(figure(await site.decode(entry, z), fill(site.words.name_caption, { name: entry.name, beta: entry.beta })));
  }
  $("#compare-samples").replaceChildren(...figures);
}

// the two plots, what their dashed line marks, and the models' numbers in a table
export function showComparison(site) {
  const { comparison, words } = site.site;
  drawPlot($("#rate-distortion"), { kind: "rate_distortion", data: comparison.rate_distortion, words: words.plots });
  drawPlot($("#training-curves"), { kind: "curves", data: comparison.curves, words: words.plots });
  $("#goal-changes").innerHTML = markdown(words.goal_change_note);
  $("#facts-fold").textContent = words.curious;
  const headers = Object.entries(words.fact_headers);
  const row = (cells, tag) => {
    const tr = document.createElement("tr");
    tr.append(...cells.map((cell) => Object.assign(document.createElement(tag), { textContent: cell ?? "–" })));
    return tr;
  };
  $("#facts-table").replaceChildren(row(headers.map(([, header]) => header), "th"),
    ...comparison.facts.map((model) => row(headers.map(([key]) => model[key]), "td")));
}
