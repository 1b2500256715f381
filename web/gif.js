// The walk as a looping GIF made in the browser, as vae.latent.explore.write_gif makes the app's: the frames forward
// then back, each pixel `scale` times wider and taller, `seconds` over the forward frames. Each frame has its own
// palette of up to 256 colours (a median cut of its colours), as Pillow gives it, and is LZW-compressed (GIF89a).

import { level } from "./page_tools.js";

const BITS = 5; // colours are told apart to 5 bits a channel before the palette is cut (32,768 cells)
const CELLS = 1 << (3 * BITS);
const PALETTE_SIZE = 256;
const LZW_MIN_CODE_SIZE = 8; // 8-bit indices into the palette
const MAX_CODE = 4096; // GIF's codes are at most 12 bits

// the loop's frame order: forward, then back without repeating the ends (write_gif's images + images[-2:0:-1])
export function pingPong(count) {
  const forward = Array.from({ length: count }, (_, i) => i);
  return [...forward, ...forward.slice(1, -1).reverse()];
}

// how long each frame shows, in ms, as Pillow writes write_gif's duration: whole ms, then whole hundredths of a second
export const frameDelayMs = (seconds, count) => 10 * Math.floor(Math.floor((1000 * seconds) / count) / 10);

// a decoded picture ({ pixels: 3 planes of S * S floats in [0, 1], size }) as RGB bytes, pixel after pixel
function rgb({ pixels, size }) {
  const plane = size * size;
  const bytes = new Uint8Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) bytes[3 * p + c] = level(pixels[c * plane + p]);
  return bytes;
}

const cellOf = (r, g, b) => ((r >> (8 - BITS)) << (2 * BITS)) | ((g >> (8 - BITS)) << BITS) | (b >> (8 - BITS));

// a frame's palette (256 RGB colours) and each colour cell's index into it: the cells the frame uses are cut in two
// at the median of their widest channel, the box with the most pixels times width first, until there are 256 boxes;
// each box's colour is the mean of its pixels
function medianCut(bytes) {
  const count = new Float64Array(CELLS);
  const sums = new Float64Array(3 * CELLS);
  for (let i = 0; i < bytes.length; i += 3) {
    const cell = cellOf(bytes[i], bytes[i + 1], bytes[i + 2]);
    count[cell] += 1;
    for (let c = 0; c < 3; c++) sums[3 * cell + c] += bytes[i + c];
  }
  const channel = (cell, c) => (cell >> (BITS * (2 - c))) & ((1 << BITS) - 1);
  const measure = (cells) => { // the box's pixels, its widest channel and that channel's width
    let pixels = 0, widest = 0, width = -1;
    for (let c = 0; c < 3; c++) {
      let low = Infinity, high = -Infinity;
      for (const cell of cells) { low = Math.min(low, channel(cell, c)); high = Math.max(high, channel(cell, c)); }
      if (high - low > width) { widest = c; width = high - low; }
    }
    for (const cell of cells) pixels += count[cell];
    return { cells, pixels, widest, width };
  };
  const boxes = [measure(Array.from({ length: CELLS }, (_, i) => i).filter((cell) => count[cell] > 0))];
  while (boxes.length < PALETTE_SIZE) {
    const splittable = boxes.filter((box) => box.width > 0);
    if (!splittable.length) break;
    const box = splittable.reduce((a, b) => (b.pixels * b.width > a.pixels * a.width ? b : a));
    box.cells.sort((a, b) => channel(a, box.widest) - channel(b, box.widest));
    let cut = 1, seen = count[box.cells[0]]; // the first cut that leaves half the pixels or more below it
    while (cut < box.cells.length - 1 && seen < box.pixels / 2) seen += count[box.cells[cut++]];
    boxes.splice(boxes.indexOf(box), 1, measure(box.cells.slice(0, cut)), measure(box.cells.slice(cut)));
  }
  const palette = new Uint8Array(3 * PALETTE_SIZE);
  const index = new Uint8Array(CELLS);
  boxes.forEach((box, b) => {
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (const cell of box.cells) sum += sums[3 * cell + c];
      palette[3 * b + c] = Math.round(sum / box.pixels);
    }
    for (const cell of box.cells) index[cell] = b;
  });
  return { palette, index };
}

// GIF's variable-width LZW of palette indices (each below 2^LZW_MIN_CODE_SIZE), as bytes
function lzw(indices) {
  const clear = 1 << LZW_MIN_CODE_SIZE;
  const end = clear + 1;
  const out = [];
  let buffer = 0, bits = 0, codeSize = LZW_MIN_CODE_SIZE + 1;
  const emit = (code) => {
    buffer |= code << bits;
    bits += codeSize;
    while (bits >= 8) { out.push(buffer & 255); buffer >>>= 8; bits -= 8; }
  };
  let table = new Map();
  let next = end + 1;
  emit(clear);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const key = prefix * 256 + indices[i];
    const known = table.get(key);
    if (known !== undefined) { prefix = known; continue; }
    emit(prefix);
    if (next === MAX_CODE) { // the table is full: start a new one
      emit(clear);
      table = new Map();
      next = end + 1;
      codeSize = LZW_MIN_CODE_SIZE + 1;
    } else {
      if (next >= 1 << codeSize) codeSize += 1; // the decoder widens its codes at the same entry
      table.set(key, next++);
    }
    prefix = indices[i];
  }
  emit(prefix);
  emit(end);
  if (bits > 0) out.push(buffer & 255);
  return out;
}

// bytes as GIF's data sub-blocks: up to 255 bytes each behind its length, then an empty block
function subBlocks(bytes) {
  const out = [];
  for (let at = 0; at < bytes.length; at += 255) {
    const block = bytes.slice(at, at + 255);
    out.push(block.length, ...block);
  }
  out.push(0);
  return out;
}

const word = (n) => [n & 255, (n >> 8) & 255]; // little-endian 16 bits

// the looping GIF of `pictures` (decoded pictures of one size), played forward then back: a Uint8Array
export function encodeGif(pictures, { seconds, scale }) {
  const size = pictures[0].size;
  const side = size * scale;
  const delay = frameDelayMs(seconds, pictures.length) / 10; // hundredths of a second
  const encoded = pictures.map((picture) => { // its image descriptor, its palette and its data
    const bytes = rgb(picture);
    const { palette, index } = medianCut(bytes);
    const indices = new Uint8Array(side * side);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const p = 3 * (Math.floor(y / scale) * size + Math.floor(x / scale));
        indices[y * side + x] = index[cellOf(bytes[p], bytes[p + 1], bytes[p + 2])];
      }
    }
    return [0x2c, ...word(0), ...word(0), ...word(side), ...word(side), 0x87, ...palette, LZW_MIN_CODE_SIZE,
      ...subBlocks(lzw(indices))]; // 0x87: a palette of its own, of 256 colours
  });
  const out = [
    ..."GIF89a".split("").map((ch) => ch.charCodeAt(0)),
    ...word(side), ...word(side), 0x70, 0, 0, // 8 bits a channel, no palette shared by the frames
    0x21, 0xff, 0x0b, ..."NETSCAPE2.0".split("").map((ch) => ch.charCodeAt(0)), 3, 1, ...word(0), 0, // loop for ever
  ];
  for (const f of pingPong(pictures.length)) {
    out.push(0x21, 0xf9, 4, 0x04, ...word(delay), 0, 0); // each frame stays until the next covers it
    for (const byte of encoded[f]) out.push(byte);
  }
  out.push(0x3b);
  return Uint8Array.from(out);
}
