"""What training samples: KontextBench-mini cases drawn with per-kind and per-object-count weights,
and the next steps of chains — never a case of split bucket 0 (kontextbench/split.py), by
construction: every draw whose key falls in bucket 0 is rejected and redrawn. numpy only (no
torch), so the Python↔TypeScript parity test can check these very draws against split.ts."""
import numpy as np

from kontextbench.domain import BG_NAMES, CELLS, COLOUR_NAMES, KINDS, LOCAL_KINDS, MAX_OBJECTS, tokenize, vocabulary
from kontextbench.generate import OBJECT_RANGE, make_case, try_edit
from kontextbench.render import SHAPE_SIZES
from kontextbench.rng import FastRng, pick
from kontextbench.split import is_held_out

# Redraws of one chain step before giving up on that scene (bucket 0 takes ~1/16 of the draws).
CHAIN_STEP_ATTEMPTS = 256


def _parse_pairs(text, keys, what):
    w = {k: 1.0 for k in keys}
    for part in filter(None, (text or "").split(",")):
        k, _, v = part.partition("=")
        k = k.strip()
        if k not in {str(x) for x in keys}:
            raise ValueError("unknown %s %r in %r; expected one of: %s" % (what, k, text, ", ".join(str(x) for x in keys)))
        try:
            value = float(v)
        except ValueError:
            raise ValueError("weight of %s %r must be a number, e.g. %s=2" % (what, k, k)) from None
        if not value >= 0:
            raise ValueError("weight of %s %r must be ≥ 0" % (what, k))
        w[type(next(iter(keys)))(k)] = value
    return w


def parse_weights(text):
    """'move=2,t2i=1.5' → weights over KINDS (unnamed kinds keep 1)."""
    return _parse_pairs(text, list(KINDS), "instruction kind")


def parse_object_weights(text):
    """'4=2' → weights over context object counts 0..4 (unnamed counts keep 1)."""
    return _parse_pairs(text, list(range(MAX_OBJECTS + 1)), "object count")


def object_count(scene):
    return sum(o is not None for o in scene["cells"])


def encode_scene(scene):
    """(bg index, 16 cell codes): 0 = empty, else 1 + (colour·8 + shape·2 + size)."""
    codes = []
    for o in scene["cells"]:
        if o is None:
            codes.append(0)
        else:
            m = SHAPE_SIZES.index((o["shape"], o["size"]))
            codes.append(1 + COLOUR_NAMES.index(o["colour"]) * len(SHAPE_SIZES) + m)
    return BG_NAMES.index(scene["bg"]), codes


def encode_cases(cases, vocab):
    """Numpy arrays: tokens (B, 12), has_ctx (B,), ctx_bg/ctx_cells, tgt_bg/tgt_cells, kind index."""
    b = len(cases)
    out = {"tokens": np.zeros((b, 12), np.int64), "has_ctx": np.zeros(b, np.bool_), "kind": np.zeros(b, np.int64),
           "ctx_bg": np.zeros(b, np.int64), "ctx_cells": np.zeros((b, CELLS), np.int64),
           "tgt_bg": np.zeros(b, np.int64), "tgt_cells": np.zeros((b, CELLS), np.int64)}
    for i, c in enumerate(cases):
        out["tokens"][i] = tokenize(c["prompt"], vocab)
        out["kind"][i] = KINDS.index(c["kind"])
        out["tgt_bg"][i], out["tgt_cells"][i] = encode_scene(c["target"])
        if c["context"] is not None:
            out["has_ctx"][i] = True
            out["ctx_bg"][i], out["ctx_cells"][i] = encode_scene(c["context"])
    return out


class CaseSampler:
    """Draws a kind by weight, then cases of that kind until one is outside bucket 0 and passes the
    object-count weight (accepted with probability w[n] / the kind's largest w), so object weights
    reshape each kind's scenes without changing the kind shares."""

    def __init__(self, seed, weights, object_weights=None):
        self.rng = FastRng(seed)
        self.kinds = list(KINDS)
        p = np.array([weights[k] for k in self.kinds], dtype=np.float64)
        if not p.sum() > 0:
            raise ValueError("--kind-weights must give some kind a positive weight")
        self.cum = np.cumsum(p / p.sum())
        self.object_weights = object_weights or {n: 1.0 for n in range(MAX_OBJECTS + 1)}
        self.vocab = vocabulary()
        self.rejected_held_out = 0
        self.drawn = 0

    def kind(self):
        u = self.rng.int(1 << 30) / float(1 << 30)
        return self.kinds[min(int(np.searchsorted(self.cum, u, side="right")), len(self.kinds) - 1)]

    def _accept_objects(self, c):
        if c["context"] is None:
            return True
        lo, hi = OBJECT_RANGE[c["kind"]]
        top = max(self.object_weights[n] for n in range(lo, hi + 1))
        if top <= 0:
            return True
        w = self.object_weights[object_count(c["context"])] / top
        return w >= 1 or self.rng.int(1 << 30) < w * (1 << 30)

    def case(self, kind=None):
        kind = kind or self.kind()
        while True:
            c = make_case(self.rng, kind)
            self.drawn += 1
            if is_held_out(c):
                self.rejected_held_out += 1
                continue
            if self._accept_objects(c):
                return c

    def batch(self, n):
        return encode_cases([self.case() for _ in range(n)], self.vocab)


def chain_step(rng, scene):
    """The next local edit of a chain on the true `scene`, never a bucket-0 step (scene + instruction);
    None when no allowed step was found (then the chain ends there)."""
    empty = all(o is None for o in scene["cells"])
    for _ in range(CHAIN_STEP_ATTEMPTS):
        kind = pick(rng, LOCAL_KINDS)
        if kind != "add" and empty:
            continue
        edit = try_edit(rng, kind, scene)
        if edit is None:
            continue
        case = {"kind": kind, "prompt": edit[0], "context": scene, "target": edit[1]}
        if not is_held_out(case):
            return case
    return None
