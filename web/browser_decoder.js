// Decoding in the visitor's browser: the Explore tab's sliders move the code here and onnxruntime-web
// decodes it, so slider moves send nothing to the server. The server only encodes, and sends (as the
// value of the gr.HTML that loads this module) what the formula needs whenever a new starting code,
// new axes or a new model is set:
//   { module, ort, onnx, sliders, base, origin, vectors, scale, class_directions }
// The code is vae.explore's SliderAxes.with_values followed by with_class_amounts:
//   z = base + ((values - coordinates(base)) * scale) @ vectors + amounts @ class_directions,
//   coordinates(z) = ((z - origin) @ vectors.T) / scale.
// If onnxruntime-web cannot load, each slider move clicks the hidden "decode on the server" button,
// which calls the app's /decode as before, and the note under the sliders says so.

const LOAD_TIMEOUT_MS = 20000;
const DECODE_TIMES_KEPT = 1000;

// small vector helpers on plain arrays

const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);

function sliderCode(settings, values, amounts) {
  const { base, origin, vectors, scale, class_directions: classes } = settings;
  const z = Float32Array.from(base);
  const offset = base.map((x, i) => x - origin[i]);
  vectors.forEach((vector, k) => {
    const move = (values[k] - dot(offset, vector) / scale[k]) * scale[k];
    vector.forEach((x, i) => { z[i] += move * x; });
  });
  classes.forEach((direction, c) => {
    direction.forEach((x, i) => { z[i] += amounts[c] * x; });
  });
  return z; // (D,)
}

// (1, 3, S, S) floats in [0, 1] -> a PNG data URL, rounded like vae.explore.to_uint8

function toPng(canvas, pixels, size) {
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
  return canvas.toDataURL("image/png");
}

function withTimeout(promise, ms, what) {
  const timer = new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms));
  return Promise.race([promise, timer]);
}

const absolute = (url) => new URL(url, document.baseURI).href;

class BrowserDecoder {
  constructor(element, settings) {
    this.element = element;
    this.settings = settings;
    this.sessions = new Map(); // ONNX file URL -> Promise<InferenceSession>
    this.latest = null; // the newest slider values, decoded at the next animation frame
    this.frame = null; // Promise of the next frame's image
    this.running = Promise.resolve();
    this.decodes = 0; // decodes so far, and the times of the last DECODE_TIMES_KEPT, for bench/browser_decode.py
    this.decodeMs = [];
    this.setMode("loading", "Loading the in-browser decoder…");
    this.ready = this.loadRuntime();
  }

  setMode(mode, text) {
    this.mode = mode;
    this.noteText = text;
    this.showNote();
  }

  // Gradio re-renders the template (canvas and note) whenever the server sends new settings
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
      this.setMode("browser", "Sliders decode in your browser (onnxruntime-web, WebAssembly).");
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

  // the sliders' values go to the app's /decode, as they did before decoding moved to the browser
  decodeOnServer(image) {
    this.element.ownerDocument.querySelector("#server-decode").click();
    return image; // the server's picture replaces it when it comes
  }

  session() {
    const url = absolute(this.settings.onnx);
    if (!this.sessions.has(url)) {
      this.sessions.set(url, this.ort.InferenceSession.create(url, { executionProviders: ["wasm"] }));
    }
    return this.sessions.get(url);
  }

  // a slider moved: called by the sliders' JS-only event with the shown image and every slider's value;
  // resolves to the image to show (a Gradio FileData)
  move(image, values) {
    this.latest = values;
    if (this.mode === "server") {
      return this.decodeOnServer(image);
    }
    if (!this.frame) {
      this.frame = new Promise((resolve) => requestAnimationFrame(() => {
        this.frame = null;
        this.running = this.running.then(() => this.decodeLatest(image)).catch((error) => {
          this.fallBack(error); // e.g. a model's decoder that would not load: keep the sliders working
          return this.decodeOnServer(image);
        });
        resolve(this.running);
      }));
    }
    return this.frame;
  }

  async decodeLatest(image) {
    if (!(await this.ready)) {
      return this.decodeOnServer(image);
    }
    const settings = this.settings;
    const values = this.latest.slice(0, settings.sliders); // then the class sliders' amounts
    const start = performance.now();
    const z = sliderCode(settings, values, this.latest.slice(settings.sliders));
    const session = await this.session();
    const output = await session.run({ z: new this.ort.Tensor("float32", z, [1, z.length]) });
    const size = output.image.dims[3];
    const url = toPng(this.element.querySelector("canvas"), output.image.data, size);
    this.decodes += 1;
    this.decodeMs.push(performance.now() - start);
    if (this.decodeMs.length > DECODE_TIMES_KEPT) this.decodeMs.shift(); // a long visit keeps no growing list
    return { url, path: "browser-decoded.png", orig_name: "browser-decoded.png", mime_type: "image/png",
             meta: { _type: "gradio.FileData" } };
  }
}

export function start({ element, props, watch }) {
  const decoder = new BrowserDecoder(element, props.value);
  window.browserDecoder = decoder;
  watch("value", () => {
    decoder.settings = props.value;
    decoder.showNote();
  });
  return decoder;
}
