"""The PyTorch side of `npm run bench:engine` (contract in bench/engine/torchComparison.ts):
the same kind of edit as the engine benchmark, eager mode on the CPU, from a train.py checkpoint.

    /usr/bin/python3 training/bench_torch.py --checkpoint training/out/run/checkpoint.pt --steps 28 --runs 20 --threads 0

Prints one JSON line: {"medianMs": {"text", "context", "step", "decode", "total"}}.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from kontextbench.domain import tokenize, vocabulary  # noqa: E402
from kontextbench.generate import make_case  # noqa: E402
from kontextbench.render import render_scene  # noqa: E402
from kontextbench.rng import Mulberry32  # noqa: E402
from kontext_tiny.autoencoder import AutoEncoder  # noqa: E402
from kontext_tiny.evaluate import to_planes  # noqa: E402
from kontext_tiny.flow import FlowTransformer  # noqa: E402
from kontext_tiny.flow_matching import image_ids, pack, schedule, unpack  # noqa: E402
from kontext_tiny.text_encoder import TextEncoder  # noqa: E402


def load(path):
    ck = torch.load(path, map_location="cpu")
    ae, text, flow = AutoEncoder(**ck["ae_config"]), TextEncoder(**ck["text_config"]), FlowTransformer(**ck["flow_config"])
    ae.load_state_dict(ck["ae"])
    text.load_state_dict(ck["text"])
    flow.load_state_dict(ck["flow"])
    return ae.eval(), text.eval(), flow.eval()


@torch.no_grad()
def run_once(ae, text, flow, prompt, context_u8, steps):
    ms = {}
    t = time.perf_counter()
    txt, y = text(torch.tensor([tokenize(prompt, vocabulary())]))
    ms["text"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    ctx = pack(ae.encode_norm(to_planes(context_u8[None], "cpu")))
    ms["context"] = (time.perf_counter() - t) * 1000
    x = torch.randn(1, 16, 64, generator=torch.Generator().manual_seed(0))
    ids = torch.cat([image_ids(4, 4, 0, "cpu"), image_ids(4, 4, 1, "cpu")])
    txt_ids, ts, step_ms = torch.zeros(txt.shape[1], 3), schedule(steps), []
    for i in range(steps):
        t = time.perf_counter()
        v = flow(torch.cat([x, ctx], 1), ids, txt, txt_ids, y, torch.tensor([ts[i]]))[:, :16]
        x = x + (ts[i + 1] - ts[i]) * v
        step_ms.append((time.perf_counter() - t) * 1000)
    ms["step"] = statistics.median(step_ms)
    t = time.perf_counter()
    ae.decode_norm(unpack(x, 8, 8))
    ms["decode"] = (time.perf_counter() - t) * 1000
    ms["total"] = ms["text"] + ms["context"] + sum(step_ms) + ms["decode"]
    return ms


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--steps", type=int, default=28)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    ae, text, flow = load(a.checkpoint)
    case = make_case(Mulberry32(1), "recolour")
    context = render_scene(case["context"])
    run_once(ae, text, flow, case["prompt"], context, a.steps)  # warm-up
    runs = [run_once(ae, text, flow, case["prompt"], context, a.steps) for _ in range(a.runs)]
    print(json.dumps({"medianMs": {k: statistics.median(r[k] for r in runs) for k in runs[0]}}))


if __name__ == "__main__":
    main()
