"""Parity helper for test/unit/bench/parity.test.ts: reads a JSON request on stdin, prints JSON.

Request: {"scenes": [scene…], "sizes": [64, 128], "seed": int, "cases": n, "chains": n, "turns": n,
          "classify": [base64 64×64 RGB…], "keyCases": [{"prompt", "context"}…],
          "unseen": {"seed", "cases", "chainSeed", "chains", "turns"},
          "training": {"seed", "n", "kindWeights", "objectWeights", "chainTurns"}}
Reply:   {"images": {"64": [base64 RGB…], …}, "cases": [case…], "chains": [chain…], "vocab": {…},
          "classified": [scene…], "keys": [[key, bucket]…], "unseen": {"cases", "chains"},
          "training": {"cases", "chainSteps", "drawn", "rejectedHeldOut"}}
The "training" draws are the training sampler's own (kontext_tiny/sampling.py, numpy only), so the
TypeScript side can check with its own hash that none of them is a bucket-0 case.
"""
import base64
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kontextbench.classify import classify_batch  # noqa: E402
from kontextbench.domain import vocabulary  # noqa: E402
from kontextbench.generate import bench_cases, make_chain  # noqa: E402
from kontextbench.render import render_scene  # noqa: E402
from kontextbench.rng import FastRng, Mulberry32  # noqa: E402
from kontextbench.split import canonical_key, case_bucket  # noqa: E402
from kontextbench.unseen import unseen_cases, unseen_chain  # noqa: E402
from kontext_tiny.sampling import CaseSampler, chain_step, parse_object_weights, parse_weights  # noqa: E402


def training_draws(req):
    """Cases from the training sampler, and chains walked from their targets by the training chain step."""
    sampler = CaseSampler(req["seed"], parse_weights(req["kindWeights"]), parse_object_weights(req["objectWeights"]))
    cases = [sampler.case() for _ in range(req["n"])]
    rng, steps = FastRng(req["seed"] + 1), []
    for c in cases[: max(1, req["n"] // 8)]:
        scene = c["target"]
        for _ in range(req["chainTurns"]):
            step = chain_step(rng, scene)
            if step is None:
                break
            steps.append(step)
            scene = step["target"]
    return {"cases": cases, "chainSteps": steps, "drawn": sampler.drawn, "rejectedHeldOut": sampler.rejected_held_out}


def main():
    req = json.load(sys.stdin)
    images = {str(s): [base64.b64encode(render_scene(sc, s).tobytes()).decode() for sc in req["scenes"]] for s in req["sizes"]}
    rng = Mulberry32(req["seed"])
    cases = bench_cases(rng, req["cases"])
    chains = [make_chain(rng, req["turns"]) for _ in range(req["chains"])]
    raw = [np.frombuffer(base64.b64decode(b), dtype=np.uint8).reshape(64, 64, 3) for b in req.get("classify", [])]
    classified = classify_batch(np.stack(raw)) if raw else []
    reply = {"images": images, "cases": cases, "chains": chains, "vocab": vocabulary(), "classified": classified,
             "keys": [[canonical_key(c), case_bucket(c)] for c in req.get("keyCases", [])]}
    if "unseen" in req:
        u = req["unseen"]
        chain_rng = Mulberry32(u["chainSeed"])
        reply["unseen"] = {"cases": unseen_cases(Mulberry32(u["seed"]), u["cases"]),
                           "chains": [unseen_chain(chain_rng, u["turns"]) for _ in range(u["chains"])]}
    if "training" in req:
        reply["training"] = training_draws(req["training"])
    json.dump(reply, sys.stdout)


if __name__ == "__main__":
    main()
