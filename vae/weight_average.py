"""An exponential moving average of a model's weights (Polyak averaging), the copy a run validates and saves.

Adam's last steps jitter the weights around a good point; their average sits nearer to it, and costs one
`lerp` per parameter a step. The decay starts low and rises to its target, (1 + n) / (10 + n) after n
updates, so a short run or a fine-tune is not dominated by its starting weights.
"""

from __future__ import annotations

import copy

import torch


class WeightAverage:
    def __init__(self, model: torch.nn.Module, decay: float):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"the weight average's decay must be between 0 and 1, got {decay}")
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.decay = decay
        self.updates = 0

    def current_decay(self) -> float:
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        """Move the average towards `model`'s weights after an optimizer step."""
        self.updates += 1
        weight = 1.0 - self.current_decay()
        torch._foreach_lerp_(list(self.model.parameters()), [p.detach() for p in model.parameters()], weight)
        for average, buffer in zip(self.model.buffers(), model.buffers()):  # buffers are not learned: follow them
            average.copy_(buffer)

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.updates = int(state["updates"])
