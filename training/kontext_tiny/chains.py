"""Training on self-generated chains (issue 5's lever against multi-turn drift).

Every `refresh` steps the EMA model edits a pool of fresh scenes with random local instructions;
its outputs become *contexts* for later training samples whose instruction is drawn on the true
scene and whose target is the true next scene rendered cleanly. The model so learns to undo its
own codec/sampler drift instead of compounding it. By default only outputs that classify
correctly are kept (`keep='correct'`): an output with a wrong object would make the true next
scene an unreachable target from that context.
"""
import numpy as np

from kontextbench.classify import classify_batch
from kontextbench.domain import LOCAL_KINDS, scenes_equal
from kontextbench.generate import case_key, make_case, try_edit
from kontextbench.render import render_scene
from kontextbench.rng import FastRng, pick

from .data import encode_cases


class ChainPool:
    def __init__(self, seed, size, keep="correct"):
        self.rng, self.size, self.keep = FastRng(seed), size, keep
        self.images, self.scenes = None, []
        self.kept_fraction = 0.0

    def refresh(self, sampler, excluded):
        cases = []
        while len(cases) < self.size:
            c = make_case(self.rng, pick(self.rng, LOCAL_KINDS))
            if case_key(c) not in excluded:
                cases.append(c)
        ctx = np.stack([render_scene(c["context"]) for c in cases])
        out = sampler.edit([c["prompt"] for c in cases], ctx, [self.rng.int(1 << 30) for _ in cases])
        ok = [scenes_equal(a, c["target"]) for a, c in zip(classify_batch(out), cases)]
        keep = [i for i, o in enumerate(ok) if o or self.keep == "all"]
        self.kept_fraction = len(keep) / float(len(cases))
        self.images = out[keep] if keep else None
        self.scenes = [cases[i]["target"] for i in keep]

    def ready(self):
        return self.images is not None and len(self.scenes) > 0

    def batch(self, n, vocab):
        """(encoded cases, context images u8): next local edit on the true scene, model-made context."""
        picks, cases = [], []
        while len(cases) < n:
            i = self.rng.int(len(self.scenes))
            scene = self.scenes[i]
            kind = pick(self.rng, LOCAL_KINDS)
            if kind != "add" and all(o is None for o in scene["cells"]):
                continue
            edit = try_edit(self.rng, kind, scene)
            if edit is None:
                continue
            picks.append(i)
            cases.append({"kind": kind, "prompt": edit[0], "context": scene, "target": edit[1]})
        return encode_cases(cases, vocab), self.images[picks]
