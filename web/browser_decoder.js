// The Gradio page's Explore tab, decoded in the visitor's browser: the sliders move the code here and onnxruntime-web
// decodes it, so slider moves send nothing to the server. The server only encodes, and sends (as the value of the
// gr.HTML that loads this module) the settings to decode with (explore_settings.js's GradioSettings, built by
// ui/browser_decoding.py) whenever a new starting code, new axes or a new model is set. The explorer core
// (explorer_core.js) paints the frames, draws the strips and keeps the share link; this module adds the Gradio page's
// own parts:
//   - the sliders' JS-only event hands over every slider's value and gets back the picture (a Gradio FileData);
//   - the map's spot under the mouse, painted one frame at a time through the hidden "paint the spot under the mouse"
//     button's JS-only event (vae.latent.explore.map_point's code);
//   - the server as the fallback: while onnxruntime-web loads, if it cannot load, and for a model with no decoder for
//     the browser, each slider move clicks the hidden "decode on the server" button (the app's /decode), a settled
//     change clicks "draw the strips on the server" once, hovering the map does nothing, and the note says so.
// The decoder hangs on its element (the one that carries data-mode) as `.explorer`; ui/widgets.py's hooks find it there.

import { Explorer } from "./explorer_core.js";
import { FrameBatch, FrameTimes } from "./frames.js";
import { mapCode, mapPointAt, namedValues } from "./latent_formulas.js";
import { loadRuntime, Networks } from "./onnx_runtime.js";
import { absolute, fileData, withTimeout } from "./page_tools.js";

const LOAD_TIMEOUT_MS = 60000; // for a network that hangs; moves meanwhile decode on the server
const NOTES = {
  loading: "Loading the in-browser decoder…",
  browser: "Sliders, their strips and the map decode in your browser.", // the runtime: under "For the curious"
  failed: "Sliders decode on the server (the in-browser decoder could not load).",
  none: "This model has no in-browser decoder (an older export): the sliders decode on the server.",
};

class BrowserDecoder extends Explorer {
  constructor(element, settings) {
    super(element);
    this.use(settings);
    this.mapBatch = new FrameBatch((point) => this.paintSpot(point), { oneAtATime: true });
    this.mapTimes = new FrameTimes(); // map frames painted
    this.spot = null; // the map frame the hidden button paints next: { point, done }
    this.pinned = null; // the map spot clicked last, shown again when the mouse leaves the map
    this.runtime = loadRuntime(absolute(settings.ort), LOAD_TIMEOUT_MS).then((ort) => { this.networks = new Networks(ort); });
    this.runtime.catch(() => undefined); // prepare() reports it
    this.ready = this.prepare();
    this.ready.then(() => this.link.update()); // the page has drawn the link's element by then
  }

  // the settings' decoder, loaded: resolves to whether slider moves decode here
  async prepare() {
    const decoder = this.settings.decoder;
    if (decoder === null) {
      this.setMode("server", NOTES.none);
      return false;
    }
    this.setMode("loading", NOTES.loading);
    try {
      await this.runtime;
      await withTimeout(this.networks.session(absolute(decoder)), LOAD_TIMEOUT_MS, "loading the decoder");
      if (this.settings.decoder === decoder) this.setMode("browser", NOTES.browser);
    } catch (error) {
      if (this.settings.decoder === decoder) this.fallBack(error); // a newer model's own load decides otherwise
    }
    return this.mode === "browser";
  }

  setMode(mode, text) {
    this.mode = mode;
    this.noteText = text;
    this.showNote();
  }

  // Gradio re-renders the template (the note) whenever the server sends new settings
  showNote() {
    this.element.dataset.mode = this.mode;
    this.element.querySelector(".decoder-note").textContent = this.noteText;
  }

  fallBack(error) {
    console.warn("in-browser decoding is off:", error);
    this.setMode("server", NOTES.failed);
  }

  async decodesHere() {
    return (await this.ready) && this.mode === "browser";
  }

  useSettings(settings) {
    if (JSON.stringify(settings) === JSON.stringify(this.settings)) return; // e.g. a plain visit's page-load event
    const decoder = this.settings.decoder;
    this.use(settings);
    this.showNote();
    if (settings.decoder !== decoder) this.ready = this.prepare(); // another model's decoder (or none)
    this.changed();
  }

  click(selector) { this.document.querySelector(selector).click(); }

  // the sliders

  // a slider moved: called by the sliders' JS-only event with the shown image and every slider's value;
  // resolves to the image to show (a Gradio FileData)
  move(image, values) {
    this.latest = namedValues(this.settings, values);
    if (this.mode === "browser") return this.moved(image);
    this.changed(); // on the server while onnxruntime-web loads, if it cannot, and for a model without a decoder
    return this.decodeOnServer(image);
  }

  // the sliders' values go to the app's /decode, as they did before decoding moved to the browser
  decodeOnServer(image) {
    this.click("#server-decode");
    return image; // the server's picture replaces it when it comes
  }

  async frame(image) {
    if (!(await this.decodesHere())) return this.decodeOnServer(image);
    return super.frame(image).catch((error) => {
      this.fallBack(error); // e.g. a model's decoder that would not load: keep the sliders working
      return this.decodeOnServer(image);
    });
  }

  paintFrame(picture) { return fileData(this.dataUrl(picture), "browser-decoded.png"); }

  drawStripsOnServer() { this.click("#server-previews"); }

  // the map: the spot under the mouse

  listen() {
    const onMap = (event) => event.target instanceof Element && event.target.matches("#landscape-map img");
    this.document.addEventListener("pointermove", (event) => {
      if (onMap(event)) this.hover(mapPointAt(event, this.settings.map_frame));
    });
    this.document.addEventListener("click", (event) => {
      if (onMap(event)) this.pinned = mapPointAt(event, this.settings.map_frame);
    });
    this.document.addEventListener("pointerout", (event) => {
      if (onMap(event) && this.pinned) this.hover(this.pinned);
    });
  }

  hover(point) {
    if (!point || this.mode !== "browser" || !this.settings.map) return; // without the decoder, clicks still work
    this.mapBatch.ask(point);
  }

  // a map frame: the hidden button's JS-only event paints it (hoverFrame); settles once it has
  paintSpot(point) {
    return new Promise((done) => {
      this.spot = { point, done };
      this.click("#map-hover");
    });
  }

  // the hidden "paint the spot under the mouse" button's JS-only event: resolves to [picture, x, y]
  hoverFrame(image, x, y) {
    const spot = this.spot;
    this.spot = null;
    if (!spot) return [image, x, y];
    const { point } = spot;
    const painted = this.turn(() => this.mapTimes.time(async () => {
      const url = await this.pictureUrl(mapCode(this.settings.map, point));
      return [fileData(url, "map-hovered.png"), point.x, point.y];
    })).catch((error) => {
      this.fallBack(error);
      return [image, x, y];
    });
    painted.then(spot.done);
    return painted;
  }
}

export function start({ element, props, watch }) {
  const decoder = new BrowserDecoder(element, props.value);
  watch("value", () => decoder.useSettings(props.value));
  decoder.listen();
  return decoder;
}
