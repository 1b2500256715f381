// The strips under the main sliders, on both pages: once a change settles (PREVIEW_DELAY_MS without another), per
// shown slider, the picture with that slider at each of settings.previews.positions (vae.latent.explore.slider_previews
// draws the same codes), one picture at a time when the page is idle; a newer change cancels the rest. A page that
// cannot decode here at the time (the Gradio page while onnxruntime-web loads, or without it) has the server draw
// them, once per settled change, never per move.

import { addAlong } from "./latent_formulas.js";
import { whenIdle } from "./page_tools.js";

export const PREVIEW_DELAY_MS = 150; // how long the sliders rest before the strips redraw

export class Strips {
  // explorer: the core (explorer_core.js), whose settings, latest values and decoder the strips show
  constructor(explorer) {
    this.explorer = explorer;
    this.on = true; // the benches turn the strips off for their baselines
    this.generation = 0; // a change bumps it; strips of an older generation stop drawing
    this.timer = null;
    this.drawn = 0; // complete sets of strips drawn in the browser, and pictures drawn in all
    this.pictures = 0;
    this.serverDrawn = 0; // sets asked of the server
  }

  // a change: the strips redraw once it settles, and whatever else the page redraws then (explorer.settled)
  schedule() {
    this.generation += 1;
    clearTimeout(this.timer);
    const generation = this.generation;
    this.timer = setTimeout(() => {
      this.explorer.settled();
      if (this.on) this.draw(generation);
    }, PREVIEW_DELAY_MS);
  }

  async draw(generation) {
    const explorer = this.explorer;
    if (!(await explorer.decodesHere())) {
      this.serverDrawn += 1;
      explorer.drawStripsOnServer();
      return;
    }
    const { settings, document } = explorer;
    const { positions, size } = settings.previews;
    const values = explorer.latest.sliders;
    const z = explorer.code();
    for (let k = 0; k < values.length; k++) {
      const strip = document.querySelector(`#preview-${k} .slider-preview`);
      if (!strip) continue;
      strip.hidden = k >= settings.vectors.length; // a hidden slider's
      if (strip.hidden) continue;
      while (strip.children.length < positions.length) strip.append(document.createElement("img"));
      // each picture says what it is: "beta-1, Direction 3 at +2" (the static page's slider names its direction)
      const name = document.querySelector(`#preview-${k} input[data-said]`)?.dataset.said ?? `slider ${k + 1}`;
      for (let j = 0; j < positions.length; j++) {
        await whenIdle(); // a strip picture waits for the page to be idle: the pointer goes first
        const code = () => addAlong(Float32Array.from(z), settings.vectors[k], (positions[j] - values[k]) * settings.scale[k]);
        const url = await explorer.turn(() => (generation === this.generation ? explorer.pictureUrl(code(), size) : null))
          .catch((error) => { explorer.fallBack(error); return null; });
        if (url === null) return; // a newer change draws its own strips
        strip.children[j].src = url;
        strip.children[j].alt = `${settings.model}, ${name} at ${positions[j] > 0 ? "+" : ""}${positions[j]}`;
        this.pictures += 1;
      }
    }
    this.drawn += 1;
  }
}
