// The explorer's core, under both pages' Explore tabs (the Gradio page's browser_decoder.js, the static page's
// static/explore_view.js): the settings on screen (explore_settings.js) and the sliders' values, the picture of their
// code painted one frame per animation frame and timed (frames.js), the strips under the sliders (strips.js), and the
// share link (share_link.js). A page extends it with how a frame reaches its screen (paintFrame) and what a failed
// decode does (fallBack). Decodes go through `networks` (onnx_runtime.js's Networks: one call at a time, sessions
// made when first needed), so a page may load them late or run them elsewhere.
// The page's object hangs on the element it owns, as `element.explorer`: nothing is kept on window.

import { FrameBatch, FrameTimes } from "./frames.js";
import { copyValues, sliderCode } from "./latent_formulas.js";
import { absolute, pictureDataUrl } from "./page_tools.js";
import { ShareLink } from "./share_link.js";
import { Strips } from "./strips.js";

export class Explorer {
  constructor(element) {
    this.element = element;
    this.document = element.ownerDocument;
    element.explorer = this;
    this.networks = null; // onnxruntime-web's sessions, once the page has them
    this.settings = null; // an ExploreSettings
    this.latest = null; // every slider's value now: { sliders, more }
    this.canvas = this.document.createElement("canvas");
    this.small = this.document.createElement("canvas");
    this.sliderBatch = new FrameBatch((input) => this.frame(input));
    this.sliderTimes = new FrameTimes(); // slider frames painted, and their times
    this.strips = new Strips(this);
    this.link = new ShareLink(this);
  }

  use(settings) {
    this.settings = settings;
    this.latest = copyValues(settings.values);
  }

  // the code on screen: the starting code moved by the sliders
  code() { return sliderCode(this.settings, this.latest.sliders, this.latest.more); }

  // the sliders moved (this.latest holds their values): the link and the strips follow, and the picture, one frame
  // per animation frame; resolves to that frame's paintFrame result
  moved(input) {
    this.changed();
    return this.sliderBatch.ask(input);
  }

  // the link follows at once, the strips once the change settles
  changed() {
    this.link.update();
    this.strips.schedule();
  }

  // a frame: the code of the newest values, decoded in its turn and shown, timed from its turn to the screen
  frame(input) {
    return this.turn(() => this.sliderTimes.time(async () => this.paintFrame(await this.pixels(this.code()), input)));
  }

  // decodes

  async decodesHere() { return true; }

  // the last decode asked for, settled (tests and benches wait on it)
  get running() { return this.networks ? this.networks.running : Promise.resolve(); }

  // `task` after every decode queued before it; the decodes below run inside a turn
  turn(task) { return this.networks.enqueue(task); }

  // the picture of z, { pixels, size }, by the settings' decoder
  pixels(z) { return this.networks.decode(absolute(this.settings.decoder), z); }

  // a picture as a PNG data URL, at its own size or scaled to `size`
  dataUrl(picture, size = null) { return pictureDataUrl(picture, this.canvas, this.small, size); }

  async pictureUrl(z, size = null) { return this.dataUrl(await this.pixels(z), size); }

  // what a page adds: a frame's picture to the screen, a decode that failed, what else redraws once a change settles,
  // and the strips drawn on the server where they cannot be drawn here

  paintFrame(picture) { return picture; }

  fallBack(error) { console.warn(error); }

  settled() {}

  drawStripsOnServer() {}
}
