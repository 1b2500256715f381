// Decoding in the visitor's browser: the Explore tab's sliders move the code here and onnxruntime-web
// decodes it, so slider moves send nothing to the server. The server only encodes, and sends (as the
// value of the gr.HTML that loads this module) what the formula needs whenever a new starting code,
// new axes or a new model is set:
//   { module, ort, onnx, model, axes, inputs: { sliders, more }, base, origin, vectors, scale, class_directions,
//     own_names, values: { sliders, more }, previews: { positions, size }, map: { origin, vectors, scale } or null,
//     map_frame: { size, extent } }
// The code is vae.latent.explore's SliderAxes.with_values followed by with_class_amounts:
//   z = base + ((values - coordinates(base)) * scale) @ vectors + amounts @ class_directions,
//   coordinates(z) = ((z - origin) @ vectors.T) / scale.
// The same decoder also
//   - draws the strip under each main slider (that slider at each of previews.positions) once a change
//     settles; the next move cancels the rest (vae.latent.explore.slider_previews draws the same codes);
//   - paints the map's spot under the mouse, one frame at a time (vae.latent.explore.map_point's code);
//   - keeps the share link (#share-link) current (vae/latent/share_link.py reads it).
// While onnxruntime-web loads, and if it cannot load, each slider move clicks the hidden "decode on the server" button, which
// calls the app's /decode as before, a settled change clicks "draw the strips on the server" once, hovering
// the map does nothing, and the note under the picture says so.

const LOAD_TIMEOUT_MS = 60000; // for a network that hangs; moves meanwhile decode on the server
const DECODE_TIMES_KEPT = 1000;
const PREVIEW_DELAY_MS = 150; // the strips wait until the sliders have been still this long

// small vector helpers on plain arrays

const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);

function addAlong(z, vector, amount) {
  vector.forEach((x, i) => { z[i] += amount * x; });
  return z;
}

function sliderCode(settings, values, amounts) {
  const { base, origin, vectors, scale, class_directions: classes } = settings;
  const z = Float32Array.from(base);
  const offset = base.map((x, i) => x - origin[i]);
  vectors.forEach((vector, k) => addAlong(z, vector, (values[k] - dot(offset, vector) / scale[k]) * scale[k]));
  classes.forEach((direction, c) => addAlong(z, direction, amounts[c]));
  return z; // (D,)
}

function mapCode({ origin, vectors, scale }, point) {
  const z = Float32Array.from(origin);
  addAlong(z, vectors[0], point.x * scale[0]);
  return addAlong(z, vectors[1], point.y * scale[1]);
}

// (1, 3, S, S) floats in [0, 1] onto a canvas, rounded like vae.latent.explore.to_uint8

function paint(canvas, pixels, size) {
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  const image = context.createImageData(size, size);
  const plane = size * size;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      image.data[4 * p + c] = Math.round(Math.min(Math.max(pixels[c * plane + p], 0), 1) * 255);
    }
    image.data[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

const fileData = (url, name) => ({ url, path: name, orig_name: name, mime_type: "image/png",
                                   meta: { _type: "gradio.FileData" } });

// the share link's numbers: base64url of little-endian fp16, as vae.latent.share_link.encode_numbers writes them

const single = new Float32Array(1);
const singleBits = new Uint32Array(single.buffer);

function halfBits(value) { // float32 -> fp16 bits, rounding to nearest even
  single[0] = value;
  const bits = singleBits[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 0x1f) return sign | 0x7c00 | (((bits >>> 23) & 0xff) === 0xff && mantissa ? 0x200 : 0);
  if (exponent <= 0) { // a subnormal half, or zero
    if (exponent < -10) return sign;
    const shift = 14 - exponent;
    const full = mantissa | 0x800000;
    let half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const middle = 1 << (shift - 1);
    if (rest > middle || (rest === middle && (half & 1))) half += 1;
    return sign | half;
  }
  let half = (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half += 1; // a carry into the exponent is right
  return sign | half;
}

function base64url(numbers) {
  const bytes = new Uint8Array(2 * numbers.length);
  Array.from(numbers).forEach((x, i) => {
    const half = halfBits(x);
    bytes[2 * i] = half & 0xff;
    bytes[2 * i + 1] = half >>> 8;
  });
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// the sliders' values by name, from the flat list the sliders' JS-only event hands over (main sliders first;
// settings.inputs says how many of each, as ui/explore_inputs.py lays them out)
function namedValues(settings, values) {
  const main = settings.inputs.sliders;
  return { sliders: values.slice(0, main), more: values.slice(main, main + settings.inputs.more) };
}

const copyValues = (values) => ({ sliders: values.sliders.slice(), more: values.more.slice() });

const numberList = (values) => values.map((v) => String(Number(Number(v).toFixed(2)))).join(",");

function withTimeout(promise, ms, what) {
  const timer = new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms));
  return Promise.race([promise, timer]);
}

const whenIdle = () => new Promise((resolve) => (window.requestIdleCallback ?? setTimeout)(resolve));

const absolute = (url) => new URL(url, document.baseURI).href;

class BrowserDecoder {
  constructor(element, settings) {
    this.element = element;
    this.document = element.ownerDocument;
    this.settings = settings;
    this.latest = copyValues(settings.values); // every slider's value: { sliders, more }
    this.sessions = new Map(); // ONNX file URL -> Promise<InferenceSession>
    this.canvas = this.document.createElement("canvas");
    this.small = this.document.createElement("canvas");
    this.frame = null; // Promise of the next frame's image
    this.running = Promise.resolve(); // every decode, one after another: one session runs one at a time
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
      const prefix = absolute(this.settings.ort);
      this.ort = await withTimeout(import(`${prefix}ort.wasm.min.mjs`), LOAD_TIMEOUT_MS, "loading onnxruntime-web");
      this.ort.env.wasm.wasmPaths = prefix;
      this.ort.env.wasm.numThreads = 1; // threads need a cross-origin isolated page
      await withTimeout(this.session(), LOAD_TIMEOUT_MS, "loading the decoder");
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

  session() {
    const url = absolute(this.settings.onnx);
    if (!this.sessions.has(url)) {
      this.sessions.set(url, this.ort.InferenceSession.create(url, { executionProviders: ["wasm"] }));
    }
    return this.sessions.get(url);
  }

  // `task` after every decode asked for before it; its result (or error) is the caller's
  enqueue(task) {
    const result = this.running.then(task);
    this.running = result.catch(() => undefined);
    return result;
  }

  async pictureUrl(z, size = null) {
    const session = await this.session();
    const { image } = await session.run({ z: new this.ort.Tensor("float32", z, [1, z.length]) });
    paint(this.canvas, image.data, image.dims[3]);
    if (!size) return this.canvas.toDataURL("image/png");
    this.small.width = this.small.height = size;
    this.small.getContext("2d").drawImage(this.canvas, 0, 0, size, size);
    return this.small.toDataURL("image/png");
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

  async drawPreviews(generation) {
    if (!(await this.decodesHere())) {
      this.serverPreviews += 1;
      this.document.querySelector("#server-previews").click(); // once per settled change, never per move
      return;
    }
    const settings = this.settings;
    const { positions, size } = settings.previews;
    const values = this.latest.sliders;
    const z = sliderCode(settings, values, this.latest.more);
    for (let k = 0; k < values.length; k++) {
      const strip = this.document.querySelector(`#preview-${k} .slider-preview`);
      if (!strip) continue;
      strip.hidden = k >= settings.vectors.length; // a hidden slider's
      if (strip.hidden) continue;
      while (strip.children.length < positions.length) strip.append(this.document.createElement("img"));
      for (let j = 0; j < positions.length; j++) {
        await whenIdle(); // a strip picture waits for the page to be idle: the mouse goes first
        const url = await this.enqueue(() => generation === this.previewGeneration
          ? this.pictureUrl(addAlong(Float32Array.from(z), settings.vectors[k], (positions[j] - values[k]) * settings.scale[k]), size)
          : null).catch((error) => { this.fallBack(error); return null; });
        if (url === null) return; // a newer change draws its own strips
        strip.children[j].src = url;
        this.previewPictures += 1;
      }
    }
    this.previewsDrawn += 1;
  }

  // the map: the spot under the mouse

  listen() {
    const onMap = (event) => event.target instanceof Element && event.target.matches("#landscape-map img");
    this.document.addEventListener("pointermove", (event) => {
      if (onMap(event)) this.hover(this.mapPoint(event));
    });
    this.document.addEventListener("click", (event) => {
      if (onMap(event)) this.pinned = this.mapPoint(event);
      if (event.target instanceof Element && event.target.matches("#share-link .share-copy")) this.copyLink(event.target);
    });
    this.document.addEventListener("pointerout", (event) => {
      if (onMap(event) && this.pinned) this.hover(this.pinned);
    });
  }

  // map coordinates (as vae.latent.atlas.map_coordinates, rounded as vae.latent.explore.map_click) of the pointer over the
  // map picture, which is drawn scaled to fit its box; null outside the picture
  mapPoint(event) {
    const image = event.target;
    const { size, extent } = this.settings.map_frame;
    const box = image.getBoundingClientRect();
    const scale = Math.min(box.width / image.naturalWidth, box.height / image.naturalHeight) * image.naturalWidth / size;
    const x = (event.clientX - box.left - (box.width - size * scale) / 2) / scale;
    const y = (event.clientY - box.top - (box.height - size * scale) / 2) / scale;
    if (!(x >= 0 && y >= 0 && x <= size - 1 && y <= size - 1)) return null;
    const units = (2 * extent) / (size - 1);
    const round = (v) => Math.round(v * 100) / 100;
    return { x: round(x * units - extent), y: round((size - 1 - y) * units - extent) };
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
    const settings = this.settings;
    const shown = settings.class_directions.length;
    const params = new URLSearchParams({
      model: settings.model, axes: settings.axes, code: base64url(settings.base),
      sliders: numberList(this.latest.sliders.slice(0, settings.vectors.length)), // the shown sliders
      more: numberList(this.latest.more.slice(0, shown)),
    });
    settings.own_names.forEach((name, k) => {
      params.append("own", `${name}~${base64url(settings.class_directions[shown - settings.own_names.length + k])}`);
    });
    const url = new URL(window.location.href);
    url.search = params.toString();
    url.hash = "";
    return url.href;
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
