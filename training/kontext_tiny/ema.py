"""Exponential moving average of weights, with a warm-up so short runs still average sensibly."""
import copy

import torch


class Ema:
    def __init__(self, module, decay):
        self.decay, self.updates = decay, 0
        self.module = copy.deepcopy(module).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, module):
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for e, p in zip(self.module.parameters(), module.parameters()):
            e.mul_(d).add_(p.detach().float(), alpha=1 - d)
        for e, b in zip(self.module.buffers(), module.buffers()):
            e.copy_(b)
