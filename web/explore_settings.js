// The settings the Explore view decodes with, one shape for both pages: the Gradio page's come from the app
// (ui/browser_decoding.py, BrowserDecoding.settings), the static page's from a site.json model entry
// (settingsOfEntry, here). The slider formula (latent_formulas.js sliderCode) reads base, origin, vectors, scale and
// class_directions; the share link (share_codec.js) model, axes, base and own_names; the strips previews; the map's
// spot map and map_frame.

import { sliderValues } from "./latent_formulas.js";

/**
 * @typedef {Object} ExploreSettings
 * @property {string} model the model's name
 * @property {string} axes the sliders' kind of axes: "main" (main directions) or "single" (single code numbers)
 * @property {number[]} base the starting code (D numbers)
 * @property {number[]} origin the axes' origin (D)
 * @property {number[][]} vectors the shown sliders' directions (K x D)
 * @property {number[]} scale one slider unit along each direction (K)
 * @property {number[][]} class_directions the class sliders' directions, then the visitor's own (C x D)
 * @property {string[]} own_names the own sliders' names: the last own_names.length of class_directions
 * @property {{sliders: number[], more: number[]}} values the main sliders' values and the class sliders' amounts
 * @property {{positions: number[], size: number}} previews the strips' slider positions and picture size (px)
 * @property {?{origin: number[], vectors: number[][], scale: number[]}} map the map's two directions; null: no map
 * @property {{size: number, extent: number}} map_frame the map picture's size (px) and its axes' extent
 * @property {?string} decoder the decoder's ONNX file, a URL relative to the page; null: none for the browser
 */

/**
 * What the Gradio page's settings add.
 * @typedef {Object} GradioExtras
 * @property {string} module web/browser_decoder.js's URL, which the gr.HTML that holds the settings imports
 * @property {string} ort where onnxruntime-web loads from (a URL prefix)
 * @property {{sliders: number, more: number}} inputs how many main and class sliders the sliders' event hands over
 * (ui/explore_inputs.py lays them out)
 */

/** @typedef {ExploreSettings & GradioExtras} GradioSettings */

/**
 * A view of a site.json model entry: its axes of kind `axes` (its first kind if it has none of that name), the
 * starting code `base`, the main sliders' values (base's own unless given), the class amounts (0 unless given) and
 * the visitor's own sliders ({ name, vector }). `site` is site.json's top level (layout, map_frame).
 * @returns {ExploreSettings}
 */
export function settingsOfEntry(entry, site, { axes, base, sliders = null, more = [], own = [] }) {
  const kinds = Object.keys(entry.axes);
  const kind = kinds.includes(axes) ? axes : kinds[0];
  const { origin, vectors, scale } = entry.axes[kind];
  const classDirections = [...entry.class_directions, ...own.map((o) => o.vector)];
  return {
    model: entry.name,
    axes: kind,
    base: Array.from(base),
    origin,
    vectors,
    scale,
    class_directions: classDirections,
    own_names: own.map((o) => o.name),
    values: {
      sliders: sliders ?? sliderValues({ origin, vectors, scale }, base, site.layout.slider_range),
      more: classDirections.map((_, c) => more[c] ?? 0),
    },
    previews: site.layout.previews,
    map: entry.map && { origin: entry.map.origin, vectors: entry.map.vectors, scale: entry.map.scale },
    map_frame: site.map_frame,
    decoder: entry.decoder ?? null,
  };
}
