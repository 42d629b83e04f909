"""The FLUX.1 flow transformer in plain PyTorch, written from BFL's published architecture
(black-forest-labs/flux: Flux, DoubleStreamBlock, SingleStreamBlock, LastLayer, EmbedND).

Module and parameter names follow BFL's checkpoint layout exactly (img_in, double_blocks.N.img_mod.lin,
single_blocks.N.linear1, final_layer.adaLN_modulation.1, ...), so a flux1-*.safetensors state dict
loads with strict=True. Attention is written out (softmax(q k^T / sqrt(d)) v): torch 1.13 has no
scaled_dot_product_attention, and the explicit form is the definition the engine is checked against.
"""
import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class FluxParams:
    in_channels: int
    out_channels: int
    vec_in_dim: int
    context_in_dim: int
    hidden_size: int
    mlp_ratio: float
    num_heads: int
    depth: int
    depth_single_blocks: int
    axes_dim: list
    theta: int
    qkv_bias: bool
    guidance_embed: bool


def sinusoidal(t, dim, max_period=10000, time_factor=1000.0):
    """[B] -> [B, dim]: cos then sin of (time_factor * t) times geometric frequencies."""
    t = time_factor * t
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def rotary_table(ids, axes_dim, theta):
    """ids [B, L, n_axes] -> (cos, sin) [B, 1, L, sum(axes)/2]: one angle per rotated pair."""
    angles = []
    for axis, d in enumerate(axes_dim):
        exponent = torch.arange(0, d, 2, dtype=torch.float32) / d
        omega = 1.0 / (theta**exponent)
        angles.append(ids[..., axis].float()[..., None] * omega)
    a = torch.cat(angles, dim=-1)[:, None]
    return torch.cos(a), torch.sin(a)


def rotate_pairs(x, cos, sin):
    """Rotates adjacent pairs (x[2k], x[2k+1]) of x [B, H, L, D] by the table's angles."""
    pairs = x.float().reshape(*x.shape[:-1], -1, 2)
    x0, x1 = pairs[..., 0], pairs[..., 1]
    out = torch.stack([cos * x0 - sin * x1, sin * x0 + cos * x1], dim=-1)
    return out.reshape(x.shape).type_as(x)


def attend(q, k, v, rope):
    """RoPE on q and k, then unmasked softmax attention; [B, H, L, D] -> [B, L, H*D]."""
    cos, sin = rope
    q, k = rotate_pairs(q, cos, sin), rotate_pairs(k, cos, sin)
    weights = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1]), dim=-1)
    out = weights @ v
    b, h, l, d = out.shape
    return out.permute(0, 2, 1, 3).reshape(b, l, h * d)


def heads(qkv, num_heads):
    """[B, L, 3*H*D] -> three [B, H, L, D] tensors (layout "B L (K H D)")."""
    b, l, _ = qkv.shape
    split = qkv.reshape(b, l, 3, num_heads, -1).permute(2, 0, 3, 1, 4)
    return split[0], split[1], split[2]


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(dim=-1, keepdim=True) + 1e-6)).to(x.dtype) * self.scale


class QKNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.query_norm = RMSNorm(dim)
        self.key_norm = RMSNorm(dim)


class Attn(nn.Module):
    """Holds one stream's qkv, q/k norms and output projection (BFL's SelfAttention names)."""

    def __init__(self, dim, num_heads, qkv_bias):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.norm = QKNorm(dim // num_heads)
        self.proj = nn.Linear(dim, dim)


class Embedder(nn.Module):
    def __init__(self, in_dim, hidden):
        super().__init__()
        self.in_layer = nn.Linear(in_dim, hidden)
        self.out_layer = nn.Linear(hidden, hidden)

    def forward(self, x):
        return self.out_layer(nn.functional.silu(self.in_layer(x)))


class Mod(nn.Module):
    """adaLN modulation: Linear(silu(vec)) chunked into (shift, scale, gate) x n."""

    def __init__(self, dim, n):
        super().__init__()
        self.n = n
        self.lin = nn.Linear(dim, 3 * n * dim)

    def forward(self, vec):
        return self.lin(nn.functional.silu(vec))[:, None, :].chunk(3 * self.n, dim=-1)


def plain_norm(x):
    return nn.functional.layer_norm(x, x.shape[-1:], eps=1e-6)


def mlp(hidden, ratio):
    width = int(hidden * ratio)
    return nn.Sequential(nn.Linear(hidden, width), nn.GELU(approximate="tanh"), nn.Linear(width, hidden))


class DoubleBlock(nn.Module):
    def __init__(self, hidden, num_heads, ratio, qkv_bias):
        super().__init__()
        self.num_heads = num_heads
        for s in ("img", "txt"):
            setattr(self, f"{s}_mod", Mod(hidden, 2))
            setattr(self, f"{s}_attn", Attn(hidden, num_heads, qkv_bias))
            setattr(self, f"{s}_mlp", mlp(hidden, ratio))

    def _qkv(self, attn, x, shift, scale):
        q, k, v = heads(attn.qkv((1 + scale) * plain_norm(x) + shift), self.num_heads)
        return attn.norm.query_norm(q).to(v), attn.norm.key_norm(k).to(v), v

    def forward(self, img, txt, vec, rope):
        im = self.img_mod(vec)
        tm = self.txt_mod(vec)
        iq, ik, iv = self._qkv(self.img_attn, img, im[0], im[1])
        tq, tk, tv = self._qkv(self.txt_attn, txt, tm[0], tm[1])
        out = attend(torch.cat([tq, iq], 2), torch.cat([tk, ik], 2), torch.cat([tv, iv], 2), rope)
        t_out, i_out = out[:, : txt.shape[1]], out[:, txt.shape[1] :]

        def finish(x, a, m, attn, ff):
            x = x + m[2] * attn.proj(a)
            return x + m[5] * ff((1 + m[4]) * plain_norm(x) + m[3])

        return finish(img, i_out, im, self.img_attn, self.img_mlp), finish(txt, t_out, tm, self.txt_attn, self.txt_mlp)


class SingleBlock(nn.Module):
    def __init__(self, hidden, num_heads, ratio):
        super().__init__()
        self.hidden = hidden
        self.num_heads = num_heads
        self.width = int(hidden * ratio)
        self.linear1 = nn.Linear(hidden, 3 * hidden + self.width)
        self.linear2 = nn.Linear(hidden + self.width, hidden)
        self.norm = QKNorm(hidden // num_heads)
        self.modulation = Mod(hidden, 1)

    def forward(self, x, vec, rope):
        shift, scale, gate = self.modulation(vec)
        qkv, ff = torch.split(self.linear1((1 + scale) * plain_norm(x) + shift), [3 * self.hidden, self.width], dim=-1)
        q, k, v = heads(qkv, self.num_heads)
        a = attend(self.norm.query_norm(q).to(v), self.norm.key_norm(k).to(v), v, rope)
        return x + gate * self.linear2(torch.cat([a, nn.functional.gelu(ff, approximate="tanh")], dim=2))


class FinalLayer(nn.Module):
    def __init__(self, hidden, out_channels):
        super().__init__()
        self.linear = nn.Linear(hidden, out_channels)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 2 * hidden))

    def forward(self, x, vec):
        shift, scale = self.adaLN_modulation(vec).chunk(2, dim=1)
        return self.linear((1 + scale[:, None]) * plain_norm(x) + shift[:, None])


class Flux(nn.Module):
    def __init__(self, p: FluxParams):
        super().__init__()
        if p.hidden_size % p.num_heads or sum(p.axes_dim) != p.hidden_size // p.num_heads:
            raise ValueError("axes_dim must sum to hidden_size / num_heads")
        self.p = p
        h = p.hidden_size
        self.img_in = nn.Linear(p.in_channels, h)
        self.time_in = Embedder(256, h)
        self.vector_in = Embedder(p.vec_in_dim, h)
        if p.guidance_embed:
            self.guidance_in = Embedder(256, h)
        self.txt_in = nn.Linear(p.context_in_dim, h)
        self.double_blocks = nn.ModuleList(DoubleBlock(h, p.num_heads, p.mlp_ratio, p.qkv_bias) for _ in range(p.depth))
        self.single_blocks = nn.ModuleList(SingleBlock(h, p.num_heads, p.mlp_ratio) for _ in range(p.depth_single_blocks))
        self.final_layer = FinalLayer(h, p.out_channels)

    def forward(self, img, img_ids, txt, txt_ids, timesteps, y, guidance=None):
        img = self.img_in(img)
        vec = self.time_in(sinusoidal(timesteps, 256))
        if self.p.guidance_embed:
            vec = vec + self.guidance_in(sinusoidal(guidance, 256))
        vec = vec + self.vector_in(y)
        txt = self.txt_in(txt)
        rope = rotary_table(torch.cat([txt_ids, img_ids], dim=1), self.p.axes_dim, self.p.theta)
        for block in self.double_blocks:
            img, txt = block(img, txt, vec, rope)
        x = torch.cat([txt, img], dim=1)
        for block in self.single_blocks:
            x = block(x, vec, rope)
        return self.final_layer(x[:, txt.shape[1] :], vec)
