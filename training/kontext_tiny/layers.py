"""Building blocks of the flow transformer, after black-forest-labs/flux (modules/layers.py, math.py):
3-axis RoPE, RMS-normed q/k, adaLN modulation, double- and single-stream blocks.

Attention is written out (matmul + softmax) so it exports to ONNX on torch 1.13; on PyTorch 2.x
training may use scaled_dot_product_attention instead (`USE_SDPA`), which is numerically the same op.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

USE_SDPA = {"enabled": False}  # set by train.py on PyTorch 2.x; export always uses the explicit form


def attention(q, k, v):
    """q, k, v: (B, H, L, D) → (B, L, H·D)."""
    if USE_SDPA["enabled"] and hasattr(F, "scaled_dot_product_attention"):
        x = F.scaled_dot_product_attention(q, k, v)
    else:
        w = torch.softmax((q @ k.transpose(-2, -1)) * (q.shape[-1] ** -0.5), dim=-1)
        x = w @ v
    b, h, l, d = x.shape
    return x.transpose(1, 2).reshape(b, l, h * d)


def rope(pos, dim, theta):
    """pos (N,) → (N, dim/2, 2, 2) rotation matrices (BFL math.rope)."""
    scale = torch.arange(0, dim, 2, dtype=torch.float32, device=pos.device) / dim
    omega = 1.0 / (theta ** scale)
    out = pos.float()[:, None] * omega[None, :]
    return torch.stack([torch.cos(out), -torch.sin(out), torch.sin(out), torch.cos(out)], dim=-1).reshape(pos.shape[0], dim // 2, 2, 2)


def apply_rope(x, freqs):
    """x (B, H, N, D), freqs (N, D/2, 2, 2)."""
    x_ = x.float().reshape(*x.shape[:-1], -1, 1, 2)
    out = freqs[..., 0] * x_[..., 0] + freqs[..., 1] * x_[..., 1]
    return out.reshape(*x.shape).type_as(x)


class EmbedND(nn.Module):
    """RoPE over (t, h, w) position ids: each axis gets its share of the head dimension."""

    def __init__(self, axes, theta):
        super().__init__()
        self.axes, self.theta = list(axes), theta

    def forward(self, ids):  # ids (N, 3)
        return torch.cat([rope(ids[:, i], d, self.theta) for i, d in enumerate(self.axes)], dim=1)


def timestep_embedding(t, dim, max_period=10000, time_factor=1000.0):
    """Sinusoidal embedding of t ∈ [0, 1] scaled by 1000, as BFL's timestep_embedding."""
    t = time_factor * t
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class MLPEmbedder(nn.Module):
    def __init__(self, in_dim, hidden):
        super().__init__()
        self.in_layer, self.out_layer = nn.Linear(in_dim, hidden), nn.Linear(hidden, hidden)

    def forward(self, x):
        return self.out_layer(F.silu(self.in_layer(x)))


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-6)).type_as(x) * self.scale


class QKNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.query_norm, self.key_norm = RMSNorm(dim), RMSNorm(dim)

    def forward(self, q, k, v):
        return self.query_norm(q).type_as(v), self.key_norm(k).type_as(v)


def split_heads(qkv, heads):
    """(B, L, 3·H·D) → three (B, H, L, D)."""
    b, l, _ = qkv.shape
    q, k, v = qkv.reshape(b, l, 3, heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
    return q, k, v


class Modulation(nn.Module):
    """adaLN: shift, scale, gate (×2 for double blocks) from the conditioning vector."""

    def __init__(self, dim, double):
        super().__init__()
        self.n = 6 if double else 3
        self.lin = nn.Linear(dim, self.n * dim)

    def forward(self, vec):
        return self.lin(F.silu(vec))[:, None, :].chunk(self.n, dim=-1)


def modulate(x, shift, scale):
    return (1 + scale) * x + shift


class DoubleStreamBlock(nn.Module):
    """Separate weights for image and text tokens, one joint attention over [txt ; img]."""

    def __init__(self, dim, heads, mlp_ratio=4.0):
        super().__init__()
        self.heads, hidden = heads, int(dim * mlp_ratio)
        for s in ("img", "txt"):
            setattr(self, s + "_mod", Modulation(dim, True))
            setattr(self, s + "_norm1", nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6))
            setattr(self, s + "_qkv", nn.Linear(dim, 3 * dim))
            setattr(self, s + "_qknorm", QKNorm(dim // heads))
            setattr(self, s + "_proj", nn.Linear(dim, dim))
            setattr(self, s + "_norm2", nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6))
            setattr(self, s + "_mlp", nn.Sequential(nn.Linear(dim, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, dim)))

    def _qkv(self, s, x, mod):
        q, k, v = split_heads(getattr(self, s + "_qkv")(modulate(getattr(self, s + "_norm1")(x), mod[0], mod[1])), self.heads)
        q, k = getattr(self, s + "_qknorm")(q, k, v)
        return q, k, v

    def forward(self, img, txt, vec, pe):
        im, tm = self.img_mod(vec), self.txt_mod(vec)
        iq, ik, iv = self._qkv("img", img, im)
        tq, tk, tv = self._qkv("txt", txt, tm)
        q, k, v = (torch.cat([a, b], dim=2) for a, b in ((tq, iq), (tk, ik), (tv, iv)))
        attn = attention(apply_rope(q, pe), apply_rope(k, pe), v)
        n_txt = txt.shape[1]
        txt_a, img_a = attn[:, :n_txt], attn[:, n_txt:]
        img = img + im[2] * self.img_proj(img_a)
        img = img + im[5] * self.img_mlp(modulate(self.img_norm2(img), im[3], im[4]))
        txt = txt + tm[2] * self.txt_proj(txt_a)
        txt = txt + tm[5] * self.txt_mlp(modulate(self.txt_norm2(txt), tm[3], tm[4]))
        return img, txt


class SingleStreamBlock(nn.Module):
    """One stream over [txt ; img]: a fused linear gives q, k, v and the MLP input in one matmul,
    and a second fused linear maps [attention ; MLP] back (the parallel block of FLUX)."""

    def __init__(self, dim, heads, mlp_ratio=4.0):
        super().__init__()
        self.heads, self.dim, self.hidden = heads, dim, int(dim * mlp_ratio)
        self.linear1 = nn.Linear(dim, 3 * dim + self.hidden)
        self.linear2 = nn.Linear(dim + self.hidden, dim)
        self.norm = QKNorm(dim // heads)
        self.pre_norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.mlp_act = nn.GELU(approximate="tanh")
        self.modulation = Modulation(dim, False)

    def forward(self, x, vec, pe):
        shift, scale, gate = self.modulation(vec)
        qkv, mlp = torch.split(self.linear1(modulate(self.pre_norm(x), shift, scale)), [3 * self.dim, self.hidden], dim=-1)
        q, k, v = split_heads(qkv, self.heads)
        q, k = self.norm(q, k, v)
        attn = attention(apply_rope(q, pe), apply_rope(k, pe), v)
        return x + gate * self.linear2(torch.cat([attn, self.mlp_act(mlp)], dim=2))


class LastLayer(nn.Module):
    def __init__(self, dim, out_channels):
        super().__init__()
        self.norm_final = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(dim, out_channels)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))
        # Zero init: the untrained model predicts zero velocity, a calm start from scratch.
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, x, vec):
        shift, scale = self.adaLN_modulation(vec).chunk(2, dim=1)
        return self.linear(modulate(self.norm_final(x), shift[:, None, :], scale[:, None, :]))
