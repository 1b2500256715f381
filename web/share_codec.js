// A share link, written as vae/latent/share_link.py reads it and read as it does: the code and directions as base64url of little-endian fp16
// (rounded as numpy rounds), the slider values as short decimals.

// the share link's numbers: base64url of little-endian fp16, as vae.latent.share_link.encode_numbers writes them

const single = new Float32Array(1);
const singleBits = new Uint32Array(single.buffer);

export function halfBits(value) { // float32 -> fp16 bits, rounding to nearest even
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

export function base64url(numbers) {
  const bytes = new Uint8Array(2 * numbers.length);
  Array.from(numbers).forEach((x, i) => {
    const half = halfBits(x);
    bytes[2 * i] = half & 0xff;
    bytes[2 * i + 1] = half >>> 8;
  });
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const numberList = (values) => values.map((v) => String(Number(Number(v).toFixed(2)))).join(",");

export function shareLinkUrl(settings, latest, href) {
  const shown = settings.class_directions.length;
  const params = new URLSearchParams({
    model: settings.model, axes: settings.axes, code: base64url(settings.base),
    sliders: numberList(latest.sliders.slice(0, settings.vectors.length)), // the shown sliders
    more: numberList(latest.more.slice(0, shown)),
  });
  settings.own_names.forEach((name, k) => {
    params.append("own", `${name}~${base64url(settings.class_directions[shown - settings.own_names.length + k])}`);
  });
  const url = new URL(href);
  url.search = params.toString();
  url.hash = "";
  return url.href;
}

// reading a link, as vae/latent/share_link.py's read_link and check_view do: a view, null for a URL that is not a
// share link, or an Error naming what is wrong (the page then shows its default view and says so)

export const CODE_LIMIT = 20; // share_link.CODE_LIMIT
const OWN_SEPARATOR = "~";

export function numberValue(half) { // fp16 bits -> number
  const exponent = (half >>> 10) & 0x1f;
  const fraction = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export function decodeNumbers(text, what) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error(`its ${what} is not base64url`);
  const bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  if (!bytes.length || bytes.length % 2) throw new Error(`its ${what} is not a whole number of fp16 values`);
  const numbers = Array.from({ length: bytes.length / 2 }, (_, i) => numberValue(bytes[2 * i] | (bytes[2 * i + 1] << 8)));
  if (!numbers.every((x) => Math.abs(x) <= CODE_LIMIT)) throw new Error(`its ${what} holds numbers beyond +-${CODE_LIMIT}`);
  return numbers;
}

export function readNumberList(text, what) {
  const numbers = text ? text.split(",").map((part) => (part.trim() === "" ? NaN : Number(part))) : [];
  if (numbers.some((x) => Number.isNaN(x))) throw new Error(`its ${what} are not numbers`);
  if (!numbers.every(Number.isFinite)) throw new Error(`its ${what} are not all finite`);
  return numbers;
}

export function readShareLink(params) {
  if (!params.has("code")) return null;
  const one = (key, fallback = null) => {
    const values = params.getAll(key);
    if (!values.length && fallback !== null) return fallback;
    if (values.length !== 1) throw new Error(`it has ${values.length} values for '${key}', not one`);
    return values[0];
  };
  const own = params.getAll("own").map((entry) => {
    const at = entry.lastIndexOf(OWN_SEPARATOR);
    const name = at < 0 ? "" : entry.slice(0, at).trim();
    if (!name) throw new Error("one of its own sliders has no name");
    return [name, decodeNumbers(entry.slice(at + 1), "own slider's direction")];
  });
  return {
    model: one("model"), axes: one("axes", "main"), code: decodeNumbers(one("code"), "code"),
    sliders: readNumberList(one("sliders", ""), "slider values"), more: readNumberList(one("more", ""), "class slider amounts"), own,
  };
}

// limits: { latent_dim, axis_kinds, sliders, slider_range, classes, class_range: [low, high], own_room }
export function checkView(view, limits) {
  if (!limits.axis_kinds.includes(view.axes)) throw new Error(`it names slider axes this model does not have ('${view.axes.slice(0, 20)}')`);
  for (const [numbers, count, what] of [[view.own, limits.own_room, "own sliders"], [view.sliders, limits.sliders, "slider values"],
    [view.more, limits.classes, "class amounts"]]) {
    if (numbers.length > count) throw new Error(`it has ${numbers.length} ${what}, more than the ${count} this model has`);
  }
  if (view.code.length !== limits.latent_dim || view.own.some(([, v]) => v.length !== limits.latent_dim)) {
    throw new Error(`its codes do not have this model's ${limits.latent_dim} numbers`);
  }
  const [low, high] = limits.class_range;
  if (!view.sliders.every((v) => Math.abs(v) <= limits.slider_range) || !view.more.every((a) => a >= low && a <= high)) {
    throw new Error("its slider values are beyond the sliders' ends");
  }
}
