"""The explorer's latent tools, free of any UI: directions, densities, the map, share links, ONNX decoding."""
