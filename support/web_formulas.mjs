// Runs the browser's formulas (web/*.js) in node on the cases tests/test_web_formulas.py sends on stdin, and prints
// their results as JSON, for the test to hold against Python's own functions; and the explorer core's pure parts
// (web_core.mjs: frame batching, loads retried, the settings of a site.json entry) on fakes.
import { readFileSync } from "node:fs";
import { explorerCore } from "./web_core.mjs";
import { detailKept, klNats, MIN_MSE, mapCode, nearestCodes, ownDirection, percentileBelow, psnr, sliderCode, sliderValues } from "../web/latent_formulas.js";
import { mixtureCodes, mixtureLogDensity, normals, standardCodes, uniforms } from "../web/sampler.js";
import { base64url, checkView, decodeNumbers, readShareLink, shareLinkUrl } from "../web/share_codec.js";
import { encodeGif, frameDelayMs, pingPong } from "../web/gif.js";
import { ticks } from "../web/plots.js";

const cases = JSON.parse(readFileSync(0, "utf8"));
const list = (arrays) => arrays.map((a) => Array.from(a));
const attempt = (task) => {
  try { return { value: task() }; } catch (error) { return { error: error.message }; }
};
const { axes, map, density, photos, codes, link, limits } = cases;
const core = await explorerCore(cases.site);
console.log(JSON.stringify({
  core,
  min_mse: MIN_MSE,
  slider_code: Array.from(sliderCode(axes, axes.values, axes.amounts)),
  slider_values: sliderValues(axes, axes.base, 3),
  map_code: Array.from(mapCode(map, map.point)),
  uniforms: Array.from(uniforms(cases.seed, 5, 7)),
  normals: Array.from(normals(cases.seed, 0, 9)),
  standard: list(standardCodes(cases.seed, 3, 5, 0.7)),
  mixture: list(mixtureCodes(density, cases.seed, 6, 0.8)),
  log_density: codes.population.slice(0, 5).map((z) => mixtureLogDensity(density, z)),
  percentile: percentileBelow(codes.population.map((z) => z[0]), 0.1),
  base64url: base64url(link.numbers),
  decoded: Array.from(decodeNumbers(base64url(link.numbers), "code")),
  bad_numbers: link.bad.map((text) => attempt(() => decodeNumbers(text, "code")).error ?? null),
  link: shareLinkUrl({ ...axes, model: "m", axes: "main", class_directions: axes.class_directions, own_names: [] },
    { sliders: axes.values, more: axes.amounts }, "https://example.org/page?x=1#top"),
  read: link.urls.map((query) => attempt(() => {
    const view = readShareLink(new URLSearchParams(query));
    if (view) checkView(view, limits);
    return view;
  })),
  psnr: psnr(photos.a, photos.b),
  kl: klNats(photos.mean, photos.logvar),
  nearest: nearestCodes(Float32Array.from(codes.population.flat()), codes.population[0].length, codes.z, 3),
  likeness: ((flat, dim) => ({
    scaled: nearestCodes(flat, dim, codes.z, 5, cases.likeness.typical_logvar),
    unscaled: nearestCodes(flat, dim, codes.z, 5),
    zero: nearestCodes(flat, dim, new Float32Array(dim), 3, cases.likeness.typical_logvar),
  }))(Float32Array.from(codes.population.flat()), codes.z.length),
  detail: ((pictures) => ({
    kept: detailKept(pictures.copy, pictures.photo, pictures.size),
    flat: detailKept(pictures.copy, pictures.flat, pictures.size),
  }))(cases.likeness.pictures),
  own: ownDirection(codes.with, codes.without, codes.population, codes.z.length),
  gif: ((walk) => ({
    bytes: Buffer.from(encodeGif(walk.frames.map((pixels) => ({ pixels, size: walk.size })), walk)).toString("base64"),
    orders: walk.counts.map(pingPong),
    delays: walk.counts.map((count) => frameDelayMs(walk.seconds, count)),
  }))(cases.walk),
  ticks: cases.ticks.map(([low, high, count]) => ticks(low, high, count)),
}));
