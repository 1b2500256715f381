// The latent formulas the browser computes, as Python computes them:
// the slider code is vae.latent.explore's SliderAxes.with_values followed by with_class_amounts,
//   z = base + ((values - coordinates(base)) * scale) @ vectors + amounts @ class_directions,
//   coordinates(z) = ((z - origin) @ vectors.T) / scale;
// the map's code is vae.latent.explore.map_point's.

// small vector helpers on plain arrays

export const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);

export function addAlong(z, vector, amount) {
  vector.forEach((x, i) => { z[i] += amount * x; });
  return z;
}

export function sliderCode(settings, values, amounts) {
  const { base, origin, vectors, scale, class_directions: classes } = settings;
  const z = Float32Array.from(base);
  const offset = base.map((x, i) => x - origin[i]);
  vectors.forEach((vector, k) => addAlong(z, vector, (values[k] - dot(offset, vector) / scale[k]) * scale[k]));
  classes.forEach((direction, c) => addAlong(z, direction, amounts[c]));
  return z; // (D,)
}

export function mapCode({ origin, vectors, scale }, point) {
  const z = Float32Array.from(origin);
  addAlong(z, vectors[0], point.x * scale[0]);
  return addAlong(z, vectors[1], point.y * scale[1]);
}

// the sliders' values by name, from the flat list the sliders' JS-only event hands over (main sliders first;
// settings.inputs says how many of each, as ui/explore_inputs.py lays them out)
export function namedValues(settings, values) {
  const main = settings.inputs.sliders;
  return { sliders: values.slice(0, main), more: values.slice(main, main + settings.inputs.more) };
}

export const copyValues = (values) => ({ sliders: values.sliders.slice(), more: values.more.slice() });

// map coordinates (as vae.latent.atlas.map_coordinates, rounded as vae.latent.explore.map_click) of the pointer over the
// map picture, which is drawn scaled to fit its box; null outside the picture
export function mapPointAt(event, mapFrame) {
  const image = event.target;
  const { size, extent } = mapFrame;
  const box = image.getBoundingClientRect();
  const scale = Math.min(box.width / image.naturalWidth, box.height / image.naturalHeight) * image.naturalWidth / size;
  const x = (event.clientX - box.left - (box.width - size * scale) / 2) / scale;
  const y = (event.clientY - box.top - (box.height - size * scale) / 2) / scale;
  if (!(x >= 0 && y >= 0 && x <= size - 1 && y <= size - 1)) return null;
  const units = (2 * extent) / (size - 1);
  const round = (v) => Math.round(v * 100) / 100;
  return { x: round(x * units - extent), y: round((size - 1 - y) * units - extent) };
}
