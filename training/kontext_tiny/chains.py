"""Training on self-generated chains (issue 5's lever against multi-turn drift).

Every `refresh` steps the EMA model edits a pool of contexts with random local instructions:
fresh clean scenes, and — up to `depth` turns deep — its own outputs of the previous refresh,
each edited by the next step drawn on its *true* scene. Its outputs become contexts for training
samples whose instruction is drawn on the true scene and whose target is the true next scene
rendered cleanly, so the model learns to undo its own codec/sampler drift instead of compounding
it, over several turns as the benchmark's 6-edit chains need. No step of a chain is ever a
bucket-0 case (sampling.chain_step; fresh scenes come from CaseSampler, which rejects bucket 0).
By default only outputs that classify correctly are kept (`keep='correct'`): an output with a
wrong object would make the true next scene an unreachable target from that context.
"""
import numpy as np

from kontextbench.classify import classify_batch
from kontextbench.domain import LOCAL_KINDS, scenes_equal
from kontextbench.render import render_scene
from kontextbench.rng import FastRng, pick

from .sampling import chain_step, encode_cases


class ChainPool:
    def __init__(self, seed, size, keep="correct", depth=5):
        self.rng, self.size, self.keep, self.depth = FastRng(seed), size, keep, depth
        self.images, self.scenes, self.depths = None, [], []
        self.kept_fraction, self.mean_depth = 0.0, 0.0

    def _contexts(self, cases_sampler):
        """(cases, context images, depth of each context): half continue earlier chains, the rest fresh."""
        cases, images, depths = [], [], []
        if self.images is not None:
            live = [i for i, d in enumerate(self.depths) if d < self.depth]
            for i in live[: self.size // 2]:
                step = chain_step(self.rng, self.scenes[i])
                if step is not None:
                    cases.append(step)
                    images.append(self.images[i])
                    depths.append(self.depths[i])
        while len(cases) < self.size:
            c = cases_sampler.case(pick(self.rng, LOCAL_KINDS))
            cases.append(c)
            images.append(render_scene(c["context"]))
            depths.append(0)
        return cases, np.stack(images), depths

    def refresh(self, sampler, cases_sampler):
        """Runs the model (`sampler.edit`) on the pool's contexts; keeps (output, true scene, depth + 1)."""
        cases, ctx, depths = self._contexts(cases_sampler)
        out = sampler.edit([c["prompt"] for c in cases], ctx, [self.rng.int(1 << 30) for _ in cases])
        ok = [scenes_equal(a, c["target"]) for a, c in zip(classify_batch(out), cases)]
        keep = [i for i, o in enumerate(ok) if o or self.keep == "all"]
        self.kept_fraction = len(keep) / float(len(cases))
        self.images = out[keep] if keep else None
        self.scenes = [cases[i]["target"] for i in keep]
        self.depths = [depths[i] + 1 for i in keep]
        self.mean_depth = float(np.mean(self.depths)) if keep else 0.0

    def ready(self):
        return self.images is not None and len(self.scenes) > 0

    def batch(self, n, vocab):
        """(encoded cases, context images u8): next local edit on the true scene, model-made context."""
        picks, cases = [], []
        while len(cases) < n:
            i = self.rng.int(len(self.scenes))
            step = chain_step(self.rng, self.scenes[i])
            if step is None:
                continue
            picks.append(i)
            cases.append(step)
        return encode_cases(cases, vocab), self.images[picks]
