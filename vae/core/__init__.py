"""The model and its training: the network, its losses and data, the training loop, and scoring."""
