"""A whole FLUX.1 Kontext edit in the reference, from token ids to the decoded picture, as BFL's
pipeline runs it (cli_kontext.py: T5 and CLIP embeddings, the context image encoded to the
posterior mean, pack, ids with the context at index 1, shifted schedule, guidance embedding,
Euler on the target's tokens, unpack, decode), in float32 throughout.

  python3 training/flux_reference/edit.py --flux-params P.json --ae-params A.json [--clip-heads N] \
      --weights DIR --inputs IN.safetensors --steps N --guidance G --out OUT.safetensors

DIR holds transformer / ae / clip / t5 .safetensors (float32, the checkpoints' own names).
IN: clip_ids [1, 77] and t5_ids [1, L] (float32 values of integer ids), context [1, 3, H, W]
(the context image in [-1, 1] at the target size), noise [1, C, H/f, W/f].
OUT: image [1, 3, H, W] (decoder output, unclamped) and latent [1, C, H/f, W/f].
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ae_model import AeParams, AutoEncoder  # noqa: E402
from flux_model import Flux, FluxParams  # noqa: E402
from safetensors_f32 import read_f32, write_f32  # noqa: E402
from sample import grid_ids, pack, schedule, unpack  # noqa: E402
from text_models import clip_from_state, t5_from_state  # noqa: E402


def load(path):
    return {k: torch.from_numpy(v) for k, v in read_f32(path).items()}


def main():
    ap = argparse.ArgumentParser()
    for a in ("--flux-params", "--ae-params", "--weights", "--inputs", "--out"):
        ap.add_argument(a, required=True)
    ap.add_argument("--clip-heads", type=int)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--guidance", type=float, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(args.flux_params) as f:
        model = Flux(FluxParams(**json.load(f))).eval()
    model.load_state_dict(load(os.path.join(args.weights, "transformer.safetensors")), strict=True)
    with open(args.ae_params) as f:
        ae = AutoEncoder(AeParams(**json.load(f))).eval()
    ae.load_state_dict(load(os.path.join(args.weights, "ae.safetensors")), strict=True)
    clip = clip_from_state(load(os.path.join(args.weights, "clip.safetensors")), args.clip_heads)
    t5 = t5_from_state(load(os.path.join(args.weights, "t5.safetensors")))
    x = load(args.inputs)
    with torch.no_grad():
        txt = t5(x["t5_ids"].round().long())
        y = clip(x["clip_ids"].round().long())[1]
        cond_latent = ae.encode(x["context"])
        _, c, h, w = x["noise"].shape
        img, img_ids = pack(x["noise"]), grid_ids(h, w, 0)
        cond, cond_ids = pack(cond_latent), grid_ids(*cond_latent.shape[2:], 1)
        txt_ids = torch.zeros(1, txt.shape[1], 3)
        ts = schedule(args.steps, img.shape[1])
        guidance = torch.full((1,), args.guidance)
        for t_curr, t_prev in zip(ts[:-1], ts[1:]):
            seq, ids = torch.cat([img, cond], dim=1), torch.cat([img_ids, cond_ids], dim=1)
            pred = model(seq, ids, txt, txt_ids, torch.full((1,), float(t_curr)), y, guidance)[:, : img.shape[1]]
            img = img + (t_prev - t_curr) * pred
        latent = unpack(img, c, h, w)
        image = ae.decode(latent)
    write_f32(args.out, {"image": image.numpy(), "latent": latent.numpy()})
    print(json.dumps({"ok": True, "steps": args.steps}))


if __name__ == "__main__":
    main()
