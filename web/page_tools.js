// What the browser decoder needs from the page: painting a decoded picture, Gradio's file value, timeouts and idle time.

// a float in [0, 1] as a byte, rounded like vae.latent.explore.to_uint8
export const level = (value) => Math.round(Math.min(Math.max(value, 0), 1) * 255);

// (1, 3, S, S) floats in [0, 1] onto a canvas

export function paint(canvas, pixels, size) {
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  const image = context.createImageData(size, size);
  const plane = size * size;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      image.data[4 * p + c] = level(pixels[c * plane + p]);
    }
    image.data[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

// a decoded picture as a PNG data URL, at its own size or scaled to `size` (through the second canvas)
export function pictureDataUrl({ pixels, size: side }, canvas, small, size = null) {
  paint(canvas, pixels, side);
  if (!size) return canvas.toDataURL("image/png");
  small.width = small.height = size;
  small.getContext("2d").drawImage(canvas, 0, 0, size, size);
  return small.toDataURL("image/png");
}

export const fileData = (url, name) => ({ url, path: name, orig_name: name, mime_type: "image/png",
                                   meta: { _type: "gradio.FileData" } });

export function withTimeout(promise, ms, what) {
  const timer = new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms));
  return Promise.race([promise, timer]);
}

export const whenIdle = () => new Promise((resolve) => (window.requestIdleCallback ?? setTimeout)(resolve));

export const absolute = (url) => new URL(url, document.baseURI).href;
