// A share link, as vae/latent/share_link.py reads it: the code and directions as base64url of little-endian fp16
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
