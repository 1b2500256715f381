// Loading onnxruntime-web and running the exported networks (vae/latent/onnx_decoder.py, onnx_encoder.py):
// the decoder maps a code z (1, D) to a picture (1, 3, S, S) in [0, 1]; the encoder maps a picture to its mean and
// logvar (1, D); the diffusion prior's network maps (z, t, label) to a velocity. The Gradio page and the static
// page load the runtime and their sessions here.

import { checkedBytes, remembered } from "./loading.js";
import { withTimeout } from "./page_tools.js";

export const RUNTIME_MODULE = "ort.wasm.bundle.min.mjs"; // the runtime with its wasm glue inside: one module to load
export const WASM_FILE = "ort-wasm-simd-threaded.wasm"; // the smallest build in the npm package's dist/

// the module at `url`, run only if its bytes match `integrity` (an SRI hash; without one, as it comes). import() takes
// no integrity: a modulepreload link checks the bytes and puts the module in the page's module map, where import()
// then finds it (no second request); a failed check leaves a failure there, so nothing else runs those bytes
async function checkedImport(url, integrity) {
  if (integrity) {
    const link = Object.assign(document.createElement("link"), { rel: "modulepreload", href: url, integrity });
    await new Promise((resolve, reject) => {
      link.addEventListener("load", resolve);
      link.addEventListener("error", () => reject(new Error(`${url.split("/").pop()} could not be loaded, or is not the pinned file`)));
      document.head.append(link);
    });
  }
  return import(url);
}

// the runtime's module from a URL prefix (a CDN's, or a folder the page serves), single-threaded: threads need
// a cross-origin isolated page, which neither a Space nor a plain static host gives. `wasmBinary`: the promise of
// WASM_FILE's bytes where the page fetches them itself (to show its progress); else the runtime fetches it.
// `integrity`: the SRI hash of each file (by name) that the page then checks: the module's, and wasmBinary's
export async function loadRuntime(prefix, timeoutMs, { wasmBinary = null, integrity = {} } = {}) {
  if (typeof WebAssembly !== "object") throw new Error("this browser has no WebAssembly");
  const ort = await withTimeout(checkedImport(`${prefix}${RUNTIME_MODULE}`, integrity[RUNTIME_MODULE]), timeoutMs,
    "loading onnxruntime-web");
  ort.env.wasm.wasmPaths = { wasm: `${prefix}${WASM_FILE}` }; // the wasm's own URL: the glue inside the module is used
  ort.env.wasm.numThreads = 1;
  if (wasmBinary) ort.env.wasm.wasmBinary = await checkedBytes(await wasmBinary, integrity[WASM_FILE], WASM_FILE);
  return ort;
}

// one inference session per ONNX file, created when first needed (again if that failed); a session runs one call at
// a time, so calls queue
export class Networks {
  // `load(url)`: the promise of an ONNX file's bytes, where the page fetches them itself (its progress line); else
  // the runtime fetches the URL
  constructor(ort, { load = null } = {}) {
    this.ort = ort;
    this.load = load;
    this.sessions = new Map(); // ONNX file URL -> Promise<InferenceSession>
    this.running = Promise.resolve();
  }

  session(url) {
    return remembered(this.sessions, url, async () => this.ort.InferenceSession.create(this.load ? await this.load(url) : url,
      { executionProviders: ["wasm"] }));
  }

  // `task` after every call queued before it; its result (or error) is the caller's
  enqueue(task) {
    const result = this.running.then(task);
    this.running = result.catch(() => undefined);
    return result;
  }

  // a code to { pixels: (3 * S * S) floats in [0, 1], size: S }
  async decode(url, z) {
    const session = await this.session(url);
    const { image } = await session.run({ z: new this.ort.Tensor("float32", Float32Array.from(z), [1, z.length]) });
    return { pixels: image.data, size: image.dims[3] };
  }

  // (3 * S * S) floats in [0, 1] to the posterior { mean, logvar }
  async encode(url, pixels, size) {
    const session = await this.session(url);
    const { mean, logvar } = await session.run({ image: new this.ort.Tensor("float32", pixels, [1, 3, size, size]) });
    return { mean: mean.data, logvar: logvar.data };
  }

  // the diffusion prior's velocity (vae/latent/diffusion_prior.py export_onnx) for `count` points: flat Float32Arrays
  async velocity(url, z, t, label, count) {
    const session = await this.session(url);
    const tensor = (data, dims) => new this.ort.Tensor("float32", data, dims);
    const { v } = await session.run({
      z: tensor(z, [count, z.length / count]), t: tensor(t, [count]), label: tensor(label, [count, label.length / count]),
    });
    return v.data;
  }
}
