"""The text encoder: word embedding + learned positions + a small pre-norm transformer →
`txt` (B, L, D) and pooled `y` (B, D) = mean over non-pad tokens (zeros for the all-pad prompt,
which is the unconditional input of classifier-free guidance). Id 0 is padding."""
import torch
from torch import nn

from .layers import attention, split_heads


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(approximate="tanh"), nn.Linear(4 * dim, dim))

    def forward(self, x):
        # No padding mask: pads are a learned word (as FLUX feeds padded T5 output) and the all-pad
        # prompt would otherwise mask every key.
        x = x + self.proj(attention(*split_heads(self.qkv(self.norm1(x)), self.heads)))
        return x + self.mlp(self.norm2(x))


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, max_len=12, dim=128, layers=2, heads=4):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, max_len=max_len, dim=dim, layers=layers, heads=heads)
        self.embed = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        self.layers = nn.ModuleList([EncoderLayer(dim, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        x = self.embed(tokens) + self.pos[: tokens.shape[1]][None]
        for layer in self.layers:
            x = layer(x)
        txt = self.norm(x)
        mask = (tokens != 0).to(txt.dtype)[..., None]
        y = (txt * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return txt, y
