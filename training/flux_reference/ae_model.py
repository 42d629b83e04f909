"""The FLUX.1 autoencoder in plain PyTorch, written from BFL's published architecture
(black-forest-labs/flux src/flux/modules/autoencoder.py), with the parameter names of
ae.safetensors (encoder.down.N.block.M.norm1, encoder.mid.attn_1.q, decoder.up.N.upsample.conv, ...).

encode returns scale * (posterior mean - shift); decode takes z / scale + shift. The mean is
what FLUX.1 Kontext encodes its context image with (no sampling).
"""
import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class AeParams:
    in_channels: int
    out_ch: int
    ch: int
    ch_mult: list
    num_res_blocks: int
    z_channels: int
    scale_factor: float
    shift_factor: float


def norm(c):
    return nn.GroupNorm(32, c, eps=1e-6, affine=True)


def swish(x):
    return x * torch.sigmoid(x)


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2, self.conv2 = norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        skip = self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x
        return skip + h


class SpatialAttention(nn.Module):
    """One head over the H*W positions; written out (torch 1.13 has no SDPA)."""

    def __init__(self, c):
        super().__init__()
        self.norm = norm(c)
        self.q, self.k, self.v = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        n = self.norm(x)
        q, k, v = (m(n).reshape(b, c, h * w).transpose(1, 2) for m in (self.q, self.k, self.v))
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1) @ v
        return x + self.proj_out(a.transpose(1, 2).reshape(b, c, h, w))


class Down(nn.Module):
    def __init__(self, conv):
        super().__init__()
        self.conv = conv

    def forward(self, x):
        # zero pad right and bottom by one, then a 3x3 stride-2 conv without padding
        return self.conv(nn.functional.pad(x, (0, 1, 0, 1)))


class Up(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(nn.functional.interpolate(x, scale_factor=2.0, mode="nearest"))


class Mid(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block_1, self.attn_1, self.block_2 = ResBlock(c, c), SpatialAttention(c), ResBlock(c, c)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, p: AeParams):
        super().__init__()
        self.conv_in = nn.Conv2d(p.in_channels, p.ch, 3, padding=1)
        self.down = nn.ModuleList()
        c = p.ch
        for i, m in enumerate(p.ch_mult):
            level = nn.Module()
            level.block = nn.ModuleList()
            for _ in range(p.num_res_blocks):
                level.block.append(ResBlock(c, p.ch * m))
                c = p.ch * m
            if i != len(p.ch_mult) - 1:
                level.downsample = Down(nn.Conv2d(c, c, 3, stride=2))
            self.down.append(level)
        self.mid = Mid(c)
        self.norm_out = norm(c)
        self.conv_out = nn.Conv2d(c, 2 * p.z_channels, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for level in self.down:
            for block in level.block:
                h = block(h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)
        return self.conv_out(swish(self.norm_out(self.mid(h))))


class Decoder(nn.Module):
    def __init__(self, p: AeParams):
        super().__init__()
        c = p.ch * p.ch_mult[-1]
        self.conv_in = nn.Conv2d(p.z_channels, c, 3, padding=1)
        self.mid = Mid(c)
        levels = []
        for i in reversed(range(len(p.ch_mult))):
            level = nn.Module()
            level.block = nn.ModuleList()
            for _ in range(p.num_res_blocks + 1):
                level.block.append(ResBlock(c, p.ch * p.ch_mult[i]))
                c = p.ch * p.ch_mult[i]
            if i != 0:
                level.upsample = Up(c)
            levels.insert(0, level)
        self.up = nn.ModuleList(levels)
        self.norm_out = norm(c)
        self.conv_out = nn.Conv2d(c, p.out_ch, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for level in reversed(self.up):
            for block in level.block:
                h = block(h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class AutoEncoder(nn.Module):
    def __init__(self, p: AeParams):
        super().__init__()
        self.p = p
        self.encoder = Encoder(p)
        self.decoder = Decoder(p)

    def encode(self, x):
        mean = self.encoder(x).chunk(2, dim=1)[0]
        return self.p.scale_factor * (mean - self.p.shift_factor)

    def decode(self, z):
        return self.decoder(z / self.p.scale_factor + self.p.shift_factor)
