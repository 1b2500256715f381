// The static page's pictures: painting decoded pictures, reading a visitor's photo (cropped and scaled in the
// browser, never sent anywhere), the photo sheet's tiles, and short markdown for the page's words.

import { fetchChecked } from "../loading.js";
import { paint } from "../page_tools.js";

// a decoded picture ({ pixels, size }) onto a canvas, rounded as vae.latent.explore.to_uint8 rounds; `label` says
// what it is to a screen reader ("beta-1, sample 3 of seed 0")
export function show(canvas, picture, label = null) {
  paint(canvas, picture.pixels, picture.size);
  if (label) named(canvas, label);
  return canvas;
}

// a canvas read as a picture with a name
export function named(canvas, label) {
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  return canvas;
}

// a new canvas holding a picture, with an optional caption under it (also its name, unless `label` is given)
export function figure(picture, caption = "", label = caption) {
  const box = document.createElement("figure");
  box.append(show(document.createElement("canvas"), picture, label || "A decoded picture"));
  if (caption) {
    const text = document.createElement("figcaption");
    text.textContent = caption;
    box.append(text);
  }
  return box;
}

// a photo file (or URL) as (3 * S * S) floats in [0, 1], centre-cropped to a square and scaled to S as
// vae.core.data.square_resize does; throws an Error whose message is the page's one line
export async function photoPixels(source, size, limits) {
  let blob = source;
  if (typeof source === "string") blob = await (await fetchChecked(source)).blob();
  if (blob.size > limits.max_bytes) throw new Error(`That file is too large (${(blob.size / 1e6).toFixed(0)} MB; at most ${limits.max_bytes / 1e6} MB).`);
  let whole;
  try {
    whole = await createImageBitmap(blob);
  } catch {
    throw new Error("That file is not an image this page can read (JPEG, PNG, WebP, BMP or GIF), or it is broken.");
  }
  const { width, height } = whole;
  whole.close();
  if (width * height > limits.max_pixels) throw new Error(`That image is too large: ${width}x${height} pixels (at most ${limits.max_pixels / 1e6} megapixels).`);
  if (Math.min(width, height) < limits.min_side) throw new Error(`That image is too small: ${width}x${height} pixels (at least ${limits.min_side} a side).`);
  const side = Math.min(width, height);
  const square = await createImageBitmap(blob, Math.floor((width - side) / 2), Math.floor((height - side) / 2), side, side,
    { resizeWidth: size, resizeHeight: size, resizeQuality: "high" });
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  context.drawImage(square, 0, 0);
  square.close();
  const rgba = context.getImageData(0, 0, size, size).data;
  const plane = size * size;
  const pixels = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) pixels[c * plane + p] = rgba[4 * p + c] / 255;
  return { pixels, size };
}

// a grid picture into `box` under its columns' names and beside its rows' names (for the eye: the canvas's own name
// says what its rows and columns are to a screen reader); the page's style sheet lines them up, and may leave out a
// name's detail (what follows " · ") on a narrow screen
export function labelledGrid(box, canvas, columns, rows) {
  const named = (name) => {
    const [head, ...detail] = name.split(" · ");
    const span = Object.assign(document.createElement("span"), { textContent: head });
    if (detail.length) span.append(Object.assign(document.createElement("span"), { className: "detail", textContent: ` · ${detail.join(" · ")}` }));
    return span;
  };
  const names = (list, kind) => {
    const line = document.createElement("div");
    line.className = kind;
    line.setAttribute("aria-hidden", "true");
    line.append(...list.map(named));
    return line;
  };
  box.replaceChildren(document.createElement("span"), names(columns, "grid-columns"), names(rows, "grid-rows"), canvas);
}

// photo i of a model's atlas: the sheet is one tall JPEG of side x side tiles
export function sheetTile(sheet, index, side, caption) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = side;
  canvas.getContext("2d").drawImage(sheet, 0, index * side, side, side, 0, 0, side, side);
  named(canvas, `A real photo: ${caption}`);
  const box = document.createElement("figure");
  box.append(canvas);
  const text = document.createElement("figcaption");
  text.textContent = caption;
  box.append(text);
  return box;
}

// the page's words are short markdown (ui/words.py): headings, lists, paragraphs, bold, italics and code
export function markdown(text) {
  const inline = (line) => line.replace(/&/g, "&amp;").replace(/</g, "&lt;")
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/\*(.+?)\*/g, "<em>$1</em>").replace(/`(.+?)`/g, "<code>$1</code>");
  const html = [];
  let items = null; // the list being read: each item's text, its indented lines joined, so that emphasis may span them
  let paragraph = [];
  const flush = () => {
    if (paragraph.length) html.push(`<p>${inline(paragraph.join(" "))}</p>`);
    if (items) html.push(`<ul>${items.map((item) => `<li>${inline(item)}</li>`).join("")}</ul>`);
    paragraph = [];
    items = null;
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const heading = line.match(/^(#+) (.*)$/);
    const item = line.match(/^- (.*)$/);
    if (item) {
      if (!items) { flush(); items = []; }
      items.push(item[1]);
    } else if (items && line && raw.startsWith("  ")) {
      items[items.length - 1] += ` ${line}`;
    } else if (heading) {
      flush();
      html.push(`<h${heading[1].length + 1}>${inline(heading[2])}</h${heading[1].length + 1}>`);
    } else if (!line) {
      flush();
    } else {
      if (items) flush();
      paragraph.push(line);
    }
  }
  flush();
  return html.join("\n");
}

// a template of ui/words.py, filled as Python's str.format fills {name} and {name:.Nf}
export const fill = (template, values) => template.replace(/\{(\w+)(?::\.(\d)f)?\}/g,
  (_, name, digits) => (digits === undefined ? String(values[name]) : Number(values[name]).toFixed(Number(digits))));
