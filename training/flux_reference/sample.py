"""A FLUX.1 Kontext sampling trajectory with the reference transformer, as BFL's sampler runs it
(black-forest-labs/flux src/flux/sampling.py: prepare_kontext, get_schedule, denoise, unpack),
in float32 throughout.

  python3 training/flux_reference/sample.py --params P.json --weights W.safetensors \
      --inputs IN.safetensors --steps N --guidance G --out OUT.safetensors

IN: noise [1, C, H, W] (the unpacked latent to start from), context [1, C, H, W] (an encoded
context latent; optional), txt [1, T, ctx], y [1, vec]. OUT: step_1 ... step_N (unpacked latents
after each Euler step) and timesteps [N + 1].
"""
import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flux_model import Flux, FluxParams  # noqa: E402
from safetensors_f32 import read_f32, write_f32  # noqa: E402


def pack(latent):
    """b c (h 2) (w 2) -> b (h w) (c 2 2)"""
    b, c, h, w = latent.shape
    return latent.reshape(b, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, (h // 2) * (w // 2), c * 4)


def unpack(tokens, c, h, w):
    b = tokens.shape[0]
    return tokens.reshape(b, h // 2, w // 2, c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def grid_ids(h, w, index):
    """[1, (h/2)(w/2), 3] ids: index on axis 0, then row and column of the 2x2 patch grid."""
    ids = torch.zeros(h // 2, w // 2, 3)
    ids[..., 0] = index
    ids[..., 1] = torch.arange(h // 2)[:, None]
    ids[..., 2] = torch.arange(w // 2)[None, :]
    return ids.reshape(1, -1, 3)


def schedule(steps, image_seq_len, base_shift=0.5, max_shift=1.15):
    """Linear timesteps 1 -> 0, shifted by mu, which is linear in the target's token count."""
    slope = (max_shift - base_shift) / (4096 - 256)
    mu = slope * image_seq_len + (base_shift - slope * 256)
    t = torch.linspace(1, 0, steps + 1)
    return math.exp(mu) / (math.exp(mu) + (1 / t - 1))


def main():
    ap = argparse.ArgumentParser()
    for a in ("--params", "--weights", "--inputs", "--out"):
        ap.add_argument(a, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--guidance", type=float, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(args.params) as f:
        model = Flux(FluxParams(**json.load(f))).eval()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in read_f32(args.weights).items()}, strict=True)
    x = {k: torch.from_numpy(v) for k, v in read_f32(args.inputs).items()}

    _, c, h, w = x["noise"].shape
    img, img_ids = pack(x["noise"]), grid_ids(h, w, 0)
    cond = cond_ids = None
    if "context" in x:
        cond, cond_ids = pack(x["context"]), grid_ids(*x["context"].shape[2:], 1)
    txt, y = x["txt"], x["y"]
    txt_ids = torch.zeros(1, txt.shape[1], 3)
    ts = schedule(args.steps, img.shape[1])
    guidance = torch.full((1,), args.guidance)
    out = {"timesteps": ts.numpy()}
    with torch.no_grad():
        for i, (t_curr, t_prev) in enumerate(zip(ts[:-1], ts[1:])):
            seq, ids = img, img_ids
            if cond is not None:
                seq, ids = torch.cat([img, cond], dim=1), torch.cat([img_ids, cond_ids], dim=1)
            pred = model(seq, ids, txt, txt_ids, torch.full((1,), float(t_curr)), y, guidance)[:, : img.shape[1]]
            img = img + (t_prev - t_curr) * pred
            out[f"step_{i + 1}"] = unpack(img, c, h, w).numpy()
    write_f32(args.out, out)
    print(json.dumps({"ok": True, "steps": args.steps}))


if __name__ == "__main__":
    main()
