"""Parity helper for test/unit/bench/parity.test.ts: reads a JSON request on stdin, prints JSON.

Request: {"scenes": [scene…], "sizes": [64, 128], "seed": int, "cases": n, "chains": n, "turns": n,
          "classify": [base64 64×64 RGB…]}
Reply:   {"images": {"64": [base64 RGB…], …}, "cases": [case…], "chains": [chain…], "vocab": {…},
          "classified": [scene…]}
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
from kontextbench.rng import Mulberry32  # noqa: E402


def main():
    req = json.load(sys.stdin)
    images = {str(s): [base64.b64encode(render_scene(sc, s).tobytes()).decode() for sc in req["scenes"]] for s in req["sizes"]}
    rng = Mulberry32(req["seed"])
    cases = bench_cases(rng, req["cases"])
    chains = [make_chain(rng, req["turns"]) for _ in range(req["chains"])]
    raw = [np.frombuffer(base64.b64decode(b), dtype=np.uint8).reshape(64, 64, 3) for b in req.get("classify", [])]
    classified = classify_batch(np.stack(raw)) if raw else []
    json.dump({"images": images, "cases": cases, "chains": chains, "vocab": vocabulary(), "classified": classified}, sys.stdout)


if __name__ == "__main__":
    main()
