"""Runs a reference text encoder on token ids from a safetensors file.

  python3 training/flux_reference/run_text.py --model clip|t5 [--heads N] --weights W.safetensors \
      --inputs IN.safetensors --out OUT.safetensors

IN holds input_ids (float32 values of integer ids, [B, L]); OUT gets hidden (and pooled for CLIP).
Sizes are read from the weights' shapes; CLIP's head count is --heads (default hidden / 64).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_f32 import read_f32, write_f32  # noqa: E402
from text_models import clip_from_state, t5_from_state  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["clip", "t5"], required=True)
    ap.add_argument("--heads", type=int)
    for a in ("--weights", "--inputs", "--out"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    state = {k: torch.from_numpy(v) for k, v in read_f32(args.weights).items()}
    ids = torch.from_numpy(read_f32(args.inputs)["input_ids"]).round().long()
    model = clip_from_state(state, args.heads) if args.model == "clip" else t5_from_state(state)
    with torch.no_grad():
        out = model.eval()(ids)
    result = {"hidden": out[0].numpy(), "pooled": out[1].numpy()} if args.model == "clip" else {"hidden": out.numpy()}
    write_f32(args.out, result)
    print(json.dumps({"ok": True, "hidden_shape": list(result["hidden"].shape)}))


if __name__ == "__main__":
    main()
