// Random codes as vae/latent/portable_random.py draws them, so a seed gives the same codes in the browser and in
// the app's /sample: the i-th uniform of a seed is mulberry32's output for state seed + i * 0x6D2B79F5 (mod 2^32),
// normals come from pairs of uniforms by Box–Muller, and a mixture's draw i takes uniform i to pick its component.

const STEP = 0x6d2b79f5;
const SPAN = 2 ** 32;

export function uniforms(seed, start, count) {
  const out = new Float64Array(count);
  const base = Number(BigInt(seed) % 4294967296n); // as Python's seed % 2**32
  for (let i = 0; i < count; i++) {
    let t = (base + Math.imul(start + i + 1, STEP)) >>> 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) + 0.5) / SPAN;
  }
  return out;
}

export function normals(seed, start, count) {
  const pairs = Math.ceil(count / 2);
  const u = uniforms(seed, start, 2 * pairs);
  const out = new Float64Array(2 * pairs);
  for (let p = 0; p < pairs; p++) {
    const radius = Math.sqrt(-2 * Math.log(u[2 * p]));
    const angle = 2 * Math.PI * u[2 * p + 1];
    out[2 * p] = radius * Math.cos(angle);
    out[2 * p + 1] = radius * Math.sin(angle);
  }
  return out.subarray(0, count);
}

// count codes (Float32Array each) from N(0, temperature^2 I)
export function standardCodes(seed, count, dim, temperature = 1) {
  const noise = normals(seed, 0, count * dim);
  return Array.from({ length: count }, (_, n) => Float32Array.from(noise.subarray(n * dim, (n + 1) * dim), (x) => x * temperature));
}

// portable_random.picks: uniform i < count picks draw i's index by the cumulative weights
export function picks(weights, seed, count) {
  const total = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  const cumulative = weights.map((w) => (running += w) / total);
  return Array.from(uniforms(seed, 0, count), (u) => {
    const k = cumulative.findIndex((c) => c > u);
    return k < 0 ? weights.length - 1 : k;
  });
}

// portable_random.portable_noise: the normals after the picks' uniforms, draw n's at n * dim
export function portableNoise(seed, count, dim) {
  return normals(seed, count, count * dim);
}

// count codes from a Gaussian mixture { weights (K), means (K x D), scale_trils (K x D x D) } as nested arrays
export function mixtureCodes({ weights, means, scale_trils: trils }, seed, count, temperature = 1) {
  const dim = means[0].length;
  const chosen = picks(weights, seed, count);
  const noise = portableNoise(seed, count, dim);
  return chosen.map((k, n) => {
    const eps = noise.subarray(n * dim, (n + 1) * dim);
    return Float32Array.from(means[k], (mean, i) => {
      let spread = 0;
      for (let j = 0; j <= i; j++) spread += trils[k][i][j] * eps[j];
      return mean + temperature * spread;
    });
  });
}

// count codes from the diffusion prior (vae.latent.diffusion_prior.DiffusionPrior.sample): { class_shares, mean, std
// (arrays), kind, steps, updates } and `velocity(z, t, label)`, its exported network on flat Float32Arrays (count x
// D, count, count x classes) resolving to its output (count x D); from the noise to standardised codes, then * std +
// mean: for kind "ddpm", DDIM's `updates` [t, a, b], each z <- a z + b f(z, t); else Heun's `steps` from t = 0 to 1
export async function priorCodes({ class_shares: shares, mean, std, kind, steps, updates }, velocity, seed, count, temperature = 1) {
  const dim = mean.length;
  const classes = shares.length;
  const label = new Float32Array(count * classes);
  picks(shares, seed, count).forEach((k, n) => { label[n * classes + k] = 1; });
  const at = (t) => new Float32Array(count).fill(t);
  let z = Float32Array.from(portableNoise(seed, count, dim), (x) => x * temperature);
  if (kind === "ddpm") {
    for (const [t, keep, move] of updates) {
      const noise = await velocity(z, at(t), label);
      z = z.map((x, j) => keep * x + move * noise[j]);
    }
  } else {
    for (let i = 0; i < steps; i++) {
      const v0 = await velocity(z, at(i / steps), label);
      const guess = z.map((x, j) => x + v0[j] / steps);
      const v1 = await velocity(guess, at((i + 1) / steps), label);
      z = z.map((x, j) => x + 0.5 * (v0[j] + v1[j]) / steps);
    }
  }
  return Array.from({ length: count }, (_, n) => Float32Array.from(z.subarray(n * dim, (n + 1) * dim), (x, i) => x * std[i] + mean[i]));
}

// vae.latent.density.LatentDensity.log_prob: log of sum_k w_k N(z; mean_k, L_k L_k^T), in float64
export function mixtureLogDensity({ weights, means, scale_trils: trils }, z) {
  const dim = z.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const terms = weights.map((w, k) => {
    const y = new Float64Array(dim); // L_k y = z - mean_k, by forward substitution
    let logDiagonal = 0;
    for (let i = 0; i < dim; i++) {
      let rest = z[i] - means[k][i];
      for (let j = 0; j < i; j++) rest -= trils[k][i][j] * y[j];
      y[i] = rest / trils[k][i][i];
      logDiagonal += Math.log(trils[k][i][i]);
    }
    return Math.log(w / total) - 0.5 * y.reduce((s, v) => s + v * v, 0) - logDiagonal - 0.5 * dim * Math.log(2 * Math.PI);
  });
  const top = Math.max(...terms);
  return top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0));
}
