"""The flow transformer (BFL model.py `Flux`, small): image/text projections, conditioning
vector = MLP(timestep embedding) + MLP(pooled text), double-stream then single-stream blocks,
RoPE over (t, h, w) ids, adaLN final layer. Inputs and outputs are the engine's manifest:
img (B, N, 64), img_ids (N, 3), txt (B, L, D), txt_ids (L, 3), y (B, D), timesteps (B) → pred (B, N, 64).
"""
import torch
from torch import nn

from .layers import DoubleStreamBlock, EmbedND, LastLayer, MLPEmbedder, SingleStreamBlock, timestep_embedding


class FlowTransformer(nn.Module):
    def __init__(self, in_channels=64, width=192, heads=6, depth_double=2, depth_single=4, txt_dim=128, axes=(8, 12, 12), theta=10000, mlp_ratio=4.0):
        super().__init__()
        if sum(axes) != width // heads:
            raise ValueError("RoPE axes %s must sum to the head dim %d" % (axes, width // heads))
        self.config = dict(in_channels=in_channels, width=width, heads=heads, depth_double=depth_double, depth_single=depth_single,
                           txt_dim=txt_dim, axes=list(axes), theta=theta, mlp_ratio=mlp_ratio)
        self.img_in = nn.Linear(in_channels, width)
        self.txt_in = nn.Linear(txt_dim, width)
        self.time_in = MLPEmbedder(256, width)
        self.vector_in = MLPEmbedder(txt_dim, width)
        self.pe_embedder = EmbedND(axes, theta)
        self.double_blocks = nn.ModuleList([DoubleStreamBlock(width, heads, mlp_ratio) for _ in range(depth_double)])
        self.single_blocks = nn.ModuleList([SingleStreamBlock(width, heads, mlp_ratio) for _ in range(depth_single)])
        self.final_layer = LastLayer(width, in_channels)

    def forward(self, img, img_ids, txt, txt_ids, y, timesteps):
        img = self.img_in(img)
        txt = self.txt_in(txt)
        vec = self.time_in(timestep_embedding(timesteps, 256)) + self.vector_in(y)
        pe = self.pe_embedder(torch.cat([txt_ids, img_ids], dim=0))
        for block in self.double_blocks:
            img, txt = block(img, txt, vec, pe)
        x = torch.cat([txt, img], dim=1)
        for block in self.single_blocks:
            x = block(x, vec, pe)
        return self.final_layer(x[:, txt.shape[1]:], vec)
