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

// scores and searches, as Python computes them

// vae.core.metrics.psnr: -10 log10(mean squared error), of pictures in [0, 1]; MIN_MSE is its floor (metrics.MIN_MSE)
export const MIN_MSE = 1e-10;
export function psnr(a, b) {
  const mse = a.reduce((sum, x, i) => sum + (x - b[i]) ** 2, 0) / a.length;
  return -10 * Math.log10(Math.max(mse, MIN_MSE));
}

// vae.core.losses.kl_per_dim summed: KL(N(mean, exp(logvar)) || N(0, I)) in nats
export const klNats = (mean, logvar) => mean.reduce((sum, m, i) => sum + 0.5 * (m * m + Math.exp(logvar[i]) - 1 - logvar[i]), 0);

// vae.latent.likeness.nearest_indices: the indices of the `count` codes (rows of a flat (N, D) array) most like z, most
// alike first (ties in index order): the cosine between codes, each number in units of the atlas photos' typical
// posterior σ (typicalLogvar, (D,)); without it (an atlas staged before it was stored) every number counts alike
export const MIN_NORM = 1e-12; // likeness.MIN_NORM: the all-zero code is equally like every photo
export function nearestCodes(codes, dim, z, count = 3, typicalLogvar = null) {
  const scale = Array.from({ length: dim }, (_, i) => (typicalLogvar ? Math.exp(-0.5 * typicalLogvar[i]) : 1));
  const query = scale.map((s, i) => z[i] * s);
  const queryNorm = Math.sqrt(dot(query, query));
  const likeness = Array.from({ length: codes.length / dim }, (_, n) => {
    let along = 0;
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      const u = codes[n * dim + i] * scale[i];
      along += u * query[i];
      norm += u * u;
    }
    return [along / Math.max(Math.sqrt(norm) * queryNorm, MIN_NORM), n];
  });
  return likeness.sort((a, b) => b[0] - a[0]).slice(0, count).map(([, n]) => n);
}

// vae.latent.likeness.edge_energy: of a (3 * S * S) picture averaged over 2x2 blocks, the squared differences between
// neighbouring pixels, across and down, summed
export function edgeEnergy(pixels, size) {
  const half = Math.floor(size / 2);
  const plane = size * size;
  const small = new Float64Array(half * half);
  let energy = 0;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < half; y++) {
      for (let x = 0; x < half; x++) {
        const at = c * plane + 2 * y * size + 2 * x;
        small[y * half + x] = (pixels[at] + pixels[at + 1] + pixels[at + size] + pixels[at + size + 1]) / 4;
      }
    }
    for (let y = 0; y < half; y++) {
      for (let x = 0; x < half; x++) {
        const here = small[y * half + x];
        if (x + 1 < half) energy += (small[y * half + x + 1] - here) ** 2;
        if (y + 1 < half) energy += (small[(y + 1) * half + x] - here) ** 2;
      }
    }
  }
  return energy;
}

// vae.latent.likeness.detail_kept: the copy's edge energy as a share of the photo's (1 for a photo without edges)
export const MIN_EDGE_ENERGY = 1e-12;
export function detailKept(copy, photo, size) {
  const there = edgeEnergy(photo, size);
  return there > MIN_EDGE_ENERGY ? edgeEnergy(copy, size) / there : 1;
}

// vae.latent.explore.own_direction_of_codes: the two groups' mean codes apart, as a unit direction times the
// population's spread along it (a slider unit); null when the groups' codes do not differ
export function ownDirection(codesWith, codesWithout, population, dim) {
  const mean = (codes) => Array.from({ length: dim }, (_, i) => codes.reduce((sum, z) => sum + z[i], 0) / codes.length);
  const a = mean(codesWith);
  const b = mean(codesWithout);
  const difference = a.map((x, i) => x - b[i]);
  const norm = Math.sqrt(dot(difference, difference));
  if (!(norm > 0)) return null;
  const unit = difference.map((x) => x / norm);
  const along = population.map((z) => dot(z, unit));
  const average = along.reduce((s, x) => s + x, 0) / along.length;
  const spread = Math.max(Math.sqrt(along.reduce((s, x) => s + (x - average) ** 2, 0) / (along.length - 1)), 1e-6);
  return { vector: unit.map((x) => x * spread), spread, separation: norm / spread };
}

// vae.latent.explore.slider_values: code z's slider positions on these axes, clipped to +-limit, to 2 decimals
export const sliderValues = ({ origin, vectors, scale }, z, limit) => vectors.map((vector, k) => {
  const coordinate = dot(Array.from(z, (x, i) => x - origin[i]), vector) / scale[k];
  return Math.round(Math.min(Math.max(coordinate, -limit), limit) * 100) / 100;
});

// vae.latent.atlas.percentile_below: the share of `values` (in %) below `value`
export const percentileBelow = (values, value) => (100 * values.filter((v) => v < value).length) / values.length;
