"""What the tests and the benchmarks share: the app launcher, the upload corpus, the fuzz inputs, the soak
mix, the browser settings and latency measures. Neither tests/ nor bench/ imports the other; both import this.
Not part of the app: `vae.hub space` never stages it."""
