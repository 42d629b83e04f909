"""Rectified flow as the Kontext paper trains it (KONTEXT_PIPELINE.md §11) and the engine samples:
z_t = (1 − t)·x + t·ε, velocity target ε − x, t = sigmoid(N(m, s)) (logit-normal); context tokens
appended after the target's with position ids at t-offset 1; Euler over the FLUX-shifted schedule.
"""
import math

import torch


def pack(latent):
    """(B, C, H, W) → (B, H/2·W/2, C·4): FLUX `b c (h ph) (w pw) -> b (h w) (c ph pw)`."""
    b, c, h, w = latent.shape
    return latent.reshape(b, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, (h // 2) * (w // 2), c * 4)


def unpack(tokens, h, w):
    b, _, f = tokens.shape
    c = f // 4
    return tokens.reshape(b, h // 2, w // 2, c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def image_ids(rows, cols, index, device):
    """(rows·cols, 3) ids [index, row, col]; index 0 = target, 1 = the (first) context."""
    r = torch.arange(rows, device=device, dtype=torch.float32)[:, None].expand(rows, cols)
    c = torch.arange(cols, device=device, dtype=torch.float32)[None, :].expand(rows, cols)
    return torch.stack([torch.full_like(r, float(index)), r, c], dim=-1).reshape(-1, 3)


def sample_t(n, device, mean=0.0, std=1.0):
    return torch.sigmoid(torch.randn(n, device=device) * std + mean)


def flow_loss(flow, text_out, x, ctx, t, eps):
    """Mean squared velocity error over the target tokens.

    x: target tokens (B, N, F); ctx: context tokens (B, N, F) or None (text-to-image rows);
    text_out: (txt, y). Rows with and without context are separate forward passes (sequence
    lengths differ), each the same model — the joint t2i + editing objective of the paper.
    """
    txt, y = text_out
    n = x.shape[1]
    side = int(math.isqrt(n))
    zt = (1 - t[:, None, None]) * x + t[:, None, None] * eps
    ids = image_ids(side, side, 0, x.device)
    if ctx is not None:
        img = torch.cat([zt, ctx], dim=1)
        ids = torch.cat([ids, image_ids(side, side, 1, x.device)], dim=0)
    else:
        img = zt
    txt_ids = torch.zeros(txt.shape[1], 3, device=x.device)
    pred = flow(img, ids, txt, txt_ids, y, t)[:, :n]
    return ((pred.float() - (eps - x).float()) ** 2).mean(dim=(1, 2))


def time_shift(mu, t):
    if t <= 0:
        return 0.0
    e = math.exp(mu)
    return e / (e + (1.0 / t - 1.0))


def schedule(steps, mu=0.5):
    return [time_shift(mu, 1 - i / steps) for i in range(steps + 1)]


@torch.no_grad()
def sample(flow, text_out, noise, ctx=None, steps=28, mu=0.5, cfg=1.0, uncond=None, on_step=None):
    """Euler from t=1 to 0; returns the target tokens. `on_step(i, x)` sees every step (goldens)."""
    txt, y = text_out
    n = noise.shape[1]
    side = int(math.isqrt(n))
    ids = image_ids(side, side, 0, noise.device)
    if ctx is not None:
        ids = torch.cat([ids, image_ids(side, side, 1, noise.device)], dim=0)
    txt_ids = torch.zeros(txt.shape[1], 3, device=noise.device)
    x = noise
    ts = schedule(steps, mu)
    for i in range(steps):
        t = torch.full((x.shape[0],), ts[i], device=x.device)
        img = torch.cat([x, ctx], dim=1) if ctx is not None else x
        v = flow(img, ids, txt, txt_ids, y, t)[:, :n]
        if cfg != 1.0 and uncond is not None:
            v_u = flow(img, ids, uncond[0], txt_ids, uncond[1], t)[:, :n]
            v = v_u + cfg * (v - v_u)
        x = x + (ts[i + 1] - ts[i]) * v
        if on_step is not None:
            on_step(i + 1, x)
    return x
