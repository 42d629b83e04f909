"""Runs the reference FLUX autoencoder on tensors from a safetensors file.

  python3 training/flux_reference/run_ae.py --params P.json --weights ae.safetensors \
      --inputs IN.safetensors --out OUT.safetensors

P.json holds AeParams' fields. IN holds x (images in [-1, 1]) and/or z (latents); OUT gets
z = encode(x) and/or x = decode(z), under those names. The weights load with strict=True.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ae_model import AeParams, AutoEncoder  # noqa: E402
from safetensors_f32 import read_f32, write_f32  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    for a in ("--params", "--weights", "--inputs", "--out"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(args.params) as f:
        model = AutoEncoder(AeParams(**json.load(f))).eval()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in read_f32(args.weights).items()}, strict=True)
    feeds = {k: torch.from_numpy(v) for k, v in read_f32(args.inputs).items()}
    out = {}
    with torch.no_grad():
        if "x" in feeds:
            out["z"] = model.encode(feeds["x"]).numpy()
        if "z" in feeds:
            out["x"] = model.decode(feeds["z"]).numpy()
    write_f32(args.out, out)
    print(json.dumps({"ok": True, "outputs": sorted(out)}))


if __name__ == "__main__":
    main()
