// Decoding in the visitor's browser: the Explore tab's sliders move the code here and onnxruntime-web
// decodes it, so slider moves send nothing to the server. The server only encodes, and sends (as the
// value of the gr.HTML that loads this module) what the formula needs whenever a new starting code,
// new axes or a new model is set:
//   { module, ort, onnx, model, axes, inputs: { sliders, more }, base, origin, vectors, scale, class_directions,
//     own_names, values: { sliders, more }, previews: { positions, size }, map: { origin, vectors, scale } or null,
//     map_frame: { size, extent } }
// The formulas are in latent_formulas.js, the share link's codec in share_codec.js. The same decoder also
//   - draws the strip under each main slider once a change settles (strips.js);
//   - paints the map's spot under the mouse, one frame at a time (vae.latent.explore.map_point's code);
//   - keeps the share link (#share-link) current (vae/latent/share_link.py reads it).
// While onnxruntime-web loads, and if it cannot load, each slider move clicks the hidden "decode on the server" button, which
// calls the app's /decode as before, a settled change clicks "draw the strips on the server" once, hovering
// the map does nothing, and the note under the picture says so.

import { copyValues, mapCode, mapPointAt, namedValues, sliderCode } from "./latent_formulas.js";
import { loadRuntime, Networks } from "./onnx_runtime.js";
import { absolute, DECODE_TIMES_KEPT, fileData, PREVIEW_DELAY_MS, pictureDataUrl, withTimeout } from "./page_tools.js";
import { shareLinkUrl } from "./share_codec.js";
import { drawStrips } from "./strips.js";

const LOAD_TIMEOUT_MS = 60000; // for a network that hangs; moves meanwhile decode on the server

class BrowserDecoder {
  constructor(element, settings) {
    this.element = element;
    this.document = element.ownerDocument;
    this.settings = settings;
    this.latest = copyValues(settings.values); // every slider's value: { sliders, more }
    this.networks = null; // onnxruntime-web's sessions, once it has loaded
    this.canvas = this.document.createElement("canvas");
    this.small = this.document.createElement("canvas");
    this.frame = null; // Promise of the next frame's image
    this.decodes = 0; // slider frames so far, and the times of the last DECODE_TIMES_KEPT, for bench/browser_decode.py
    this.decodeMs = [];
    this.hoverDecodes = 0;
    this.hoverPoint = null;
    this.hoverPending = false; // a hover frame is asked for or decoding: it takes the newest point
    this.pinned = null; // the map spot clicked last, shown again when the mouse leaves the map
    this.previewGeneration = 0; // a change bumps it; strips of an older generation stop drawing
    this.previewTimer = null;
    this.previewsOn = true; // bench/browser_decode.py turns the strips off for its side-by-side baseline
    this.previewsDrawn = 0; // complete sets of strips drawn in the browser, and pictures drawn in all
    this.previewPictures = 0;
    this.serverPreviews = 0; // sets of strips asked of the server
    this.setMode("loading", "Loading the in-browser decoder…");
    this.ready = this.loadRuntime();
    this.ready.then(() => this.updateLink()); // the page has drawn the link's element by then
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

  async loadRuntime() {
    try {
      this.networks = new Networks(await loadRuntime(absolute(this.settings.ort), LOAD_TIMEOUT_MS));
      await withTimeout(this.networks.session(absolute(this.settings.onnx)), LOAD_TIMEOUT_MS, "loading the decoder");
      this.setMode("browser", "Sliders, their strips and the map decode in your browser (onnxruntime-web, WebAssembly).");
      return true;
    } catch (error) {
      this.fallBack(error);
      return false;
    }
  }

  fallBack(error) {
    console.warn("in-browser decoding is off:", error);
    this.setMode("server", "Sliders decode on the server (the in-browser decoder could not load).");
  }

  async decodesHere() {
    return (await this.ready) && this.mode === "browser";
  }

  // the last decode asked for, settled (tests and benches wait on it)
  get running() {
    return this.networks ? this.networks.running : Promise.resolve();
  }

  // every decode, one after another (strips.js queues its pictures here too)
  enqueue(task) {
    return this.networks.enqueue(task);
  }

  async pictureUrl(z, size = null) {
    return pictureDataUrl(await this.networks.decode(absolute(this.settings.onnx), z), this.canvas, this.small, size);
  }

  useSettings(settings) {
    if (JSON.stringify(settings) === JSON.stringify(this.settings)) return; // e.g. a plain visit's page-load event
    this.settings = settings;
    this.latest = copyValues(settings.values);
    this.showNote();
    this.updateLink();
    this.schedulePreviews();
  }

  // the sliders

  // the sliders' values go to the app's /decode, as they did before decoding moved to the browser
  decodeOnServer(image) {
    this.document.querySelector("#server-decode").click();
    return image; // the server's picture replaces it when it comes
  }

  // a slider moved: called by the sliders' JS-only event with the shown image and every slider's value;
  // resolves to the image to show (a Gradio FileData)
  move(image, values) {
    this.latest = namedValues(this.settings, values);
    this.updateLink();
    this.schedulePreviews();
    if (this.mode !== "browser") { // on the server while onnxruntime-web loads, and if it cannot
      return this.decodeOnServer(image);
    }
    if (!this.frame) {
      this.frame = new Promise((resolve) => requestAnimationFrame(() => {
        this.frame = null;
        resolve(this.enqueue(() => this.decodeLatest(image)).catch((error) => {
          this.fallBack(error); // e.g. a model's decoder that would not load: keep the sliders working
          return this.decodeOnServer(image);
        }));
      }));
    }
    return this.frame;
  }

  async decodeLatest(image) {
    if (!(await this.decodesHere())) {
      return this.decodeOnServer(image);
    }
    const settings = this.settings;
    const start = performance.now();
    const z = sliderCode(settings, this.latest.sliders, this.latest.more);
    const url = await this.pictureUrl(z);
    this.decodes += 1;
    this.decodeMs.push(performance.now() - start);
    if (this.decodeMs.length > DECODE_TIMES_KEPT) this.decodeMs.shift(); // a long visit keeps no growing list
    return fileData(url, "browser-decoded.png");
  }

  // the strips under the main sliders

  schedulePreviews() {
    this.previewGeneration += 1;
    clearTimeout(this.previewTimer);
    if (!this.previewsOn) return;
    const generation = this.previewGeneration;
    this.previewTimer = setTimeout(() => this.drawPreviews(generation), PREVIEW_DELAY_MS);
  }

  drawPreviews(generation) {
    return drawStrips(this, generation);
  }

  // the map: the spot under the mouse

  listen() {
    const onMap = (event) => event.target instanceof Element && event.target.matches("#landscape-map img");
    this.document.addEventListener("pointermove", (event) => {
      if (onMap(event)) this.hover(mapPointAt(event, this.settings.map_frame));
    });
    this.document.addEventListener("click", (event) => {
      if (onMap(event)) this.pinned = mapPointAt(event, this.settings.map_frame);
      if (event.target instanceof Element && event.target.matches("#share-link .share-copy")) this.copyLink(event.target);
    });
    this.document.addEventListener("pointerout", (event) => {
      if (onMap(event) && this.pinned) this.hover(this.pinned);
    });
  }

  hover(point) {
    if (!point || this.mode !== "browser" || !this.settings.map) return; // without the decoder, clicks still work
    this.hoverPoint = point;
    if (this.hoverPending) return;
    this.hoverPending = true;
    requestAnimationFrame(() => this.document.querySelector("#map-hover").click());
  }

  // the hidden "paint the spot under the mouse" button's JS-only event: resolves to [picture, x, y]
  hoverFrame(image, x, y) {
    const point = this.hoverPoint;
    const painted = this.enqueue(async () => {
      const url = await this.pictureUrl(mapCode(this.settings.map, point));
      this.hoverDecodes += 1;
      return [fileData(url, "map-hovered.png"), point.x, point.y];
    }).catch((error) => {
      this.fallBack(error);
      return [image, x, y];
    });
    painted.finally(() => {
      this.hoverPending = false;
      if (this.hoverPoint !== point) this.hover(this.hoverPoint); // the mouse moved on while this one decoded
    });
    return painted;
  }

  // the share link

  linkUrl() {
    return shareLinkUrl(this.settings, this.latest, window.location.href);
  }

  updateLink() {
    const link = this.document.querySelector("#share-link a.share-url");
    if (link) link.href = this.linkUrl();
  }

  async copyLink(button) {
    try {
      await navigator.clipboard.writeText(this.linkUrl());
      button.textContent = "Copied";
    } catch {
      button.textContent = "Could not copy: right-click the link instead";
    }
  }
}

export function start({ element, props, watch }) {
  const decoder = new BrowserDecoder(element, props.value);
  window.browserDecoder = decoder;
  watch("value", () => decoder.useSettings(props.value));
  decoder.listen();
  return decoder;
}
