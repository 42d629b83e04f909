"""Runs the reference FLUX transformer on tensors from a safetensors file.

  python3 training/flux_reference/run_transformer.py --params P.json --weights W.safetensors \
      --inputs IN.safetensors --out OUT.safetensors

P.json holds FluxParams' fields (BFL's names). IN holds img, img_ids, txt, txt_ids, timesteps, y
and guidance (when the model embeds it); OUT gets pred. The weights load with strict=True.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flux_model import Flux, FluxParams  # noqa: E402
from safetensors_f32 import read_f32, write_f32  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    for a in ("--params", "--weights", "--inputs", "--out"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(args.params) as f:
        params = FluxParams(**json.load(f))
    model = Flux(params).eval()
    state = {k: torch.from_numpy(v) for k, v in read_f32(args.weights).items()}
    model.load_state_dict(state, strict=True)
    x = {k: torch.from_numpy(v) for k, v in read_f32(args.inputs).items()}
    with torch.no_grad():
        pred = model(x["img"], x["img_ids"], x["txt"], x["txt_ids"], x["timesteps"], x["y"], x.get("guidance"))
    write_f32(args.out, {"pred": pred.numpy()})
    print(json.dumps({"ok": True, "pred_shape": list(pred.shape)}))


if __name__ == "__main__":
    main()
