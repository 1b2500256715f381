// The strips under the main sliders, drawn in the browser once a change settles: per shown slider, the picture
// with that slider at each of settings.previews.positions (vae.latent.explore.slider_previews draws the same codes),
// one picture at a time when the page is idle; a newer change (decoder.previewGeneration) cancels the rest.

import { addAlong, sliderCode } from "./latent_formulas.js";
import { whenIdle } from "./page_tools.js";

export async function drawStrips(decoder, generation) {
  if (!(await decoder.decodesHere())) {
    decoder.serverPreviews += 1;
    decoder.document.querySelector("#server-previews").click(); // once per settled change, never per move
    return;
  }
  const settings = decoder.settings;
  const { positions, size } = settings.previews;
  const values = decoder.latest.sliders;
  const z = sliderCode(settings, values, decoder.latest.more);
  for (let k = 0; k < values.length; k++) {
    const strip = decoder.document.querySelector(`#preview-${k} .slider-preview`);
    if (!strip) continue;
    strip.hidden = k >= settings.vectors.length; // a hidden slider's
    if (strip.hidden) continue;
    while (strip.children.length < positions.length) strip.append(decoder.document.createElement("img"));
    for (let j = 0; j < positions.length; j++) {
      await whenIdle(); // a strip picture waits for the page to be idle: the mouse goes first
      const url = await decoder.enqueue(() => generation === decoder.previewGeneration
        ? decoder.pictureUrl(addAlong(Float32Array.from(z), settings.vectors[k], (positions[j] - values[k]) * settings.scale[k]), size)
        : null).catch((error) => { decoder.fallBack(error); return null; });
      if (url === null) return; // a newer change draws its own strips
      strip.children[j].src = url;
      decoder.previewPictures += 1;
    }
  }
  decoder.previewsDrawn += 1;
}
