"""Training data: KontextBench-mini cases drawn with per-kind sampling weights (never a held-out
case), encoded as small integer arrays, and rendered to images on the training device.

Cases are generated in Python by training/kontextbench (the one definition of the domain);
images are rendered with the same masks as kontextbench.render, vectorised in torch so a GPU
batch of 256 costs no CPU time (`check_renderer` asserts byte equality with the numpy renderer).
"""
import json
import os

import numpy as np
import torch

from kontextbench.domain import BG_NAMES, CELLS, COLOUR_NAMES, GRID, KINDS, OBJECT_COLOURS, BACKGROUNDS, tokenize, vocabulary
from kontextbench.generate import bench_cases, case_key, make_case
from kontextbench.render import SHAPE_SIZES, render_scene, shape_mask
from kontextbench.rng import FastRng, Mulberry32

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELD_OUT_FILE = os.path.join(REPO, "bench", "kontextbench", "heldout.json")


def held_out_spec():
    with open(HELD_OUT_FILE) as f:
        return json.load(f)


def held_out_keys():
    """Keys of the fixed held-out set (the same cases bench:quality scores), for exclusion."""
    spec = held_out_spec()
    return {case_key(c) for c in bench_cases(Mulberry32(spec["seed"]), spec["cases"])}


def parse_weights(text):
    """'move=2,t2i=1.5' → weights over KINDS (unnamed kinds keep 1)."""
    w = {k: 1.0 for k in KINDS}
    for part in filter(None, (text or "").split(",")):
        k, v = part.split("=")
        if k not in w:
            raise ValueError("unknown instruction kind %r; kinds: %s" % (k, ", ".join(KINDS)))
        w[k] = float(v)
    return w


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


class CaseSampler:
    """Weighted instruction kinds; rejects held-out cases. Yields numpy batches."""

    def __init__(self, seed, weights, excluded):
        self.rng = FastRng(seed)
        self.kinds = list(KINDS)
        p = np.array([weights[k] for k in self.kinds], dtype=np.float64)
        self.cum = np.cumsum(p / p.sum())
        self.excluded = excluded
        self.vocab = vocabulary()
        self.rejected = 0

    def kind(self):
        u = self.rng.int(1 << 30) / float(1 << 30)
        return self.kinds[min(int(np.searchsorted(self.cum, u, side="right")), len(self.kinds) - 1)]

    def case(self):
        while True:
            c = make_case(self.rng, self.kind())
            if case_key(c) not in self.excluded:
                return c
            self.rejected += 1

    def batch(self, n):
        return encode_cases([self.case() for _ in range(n)], self.vocab)


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


class TorchRenderer:
    """Renders encoded scenes on a device: per cell, the template of its code over the background."""

    def __init__(self, device, image_size=64):
        cell = image_size // GRID
        self.size, self.cell = image_size, cell
        masks = np.stack([shape_mask(s, z, image_size) for s, z in SHAPE_SIZES])  # (8, cell, cell)
        self.masks = torch.tensor(masks, dtype=torch.bool, device=device)
        self.obj_rgb = torch.tensor([OBJECT_COLOURS[c] for c in COLOUR_NAMES], dtype=torch.uint8, device=device)
        self.bg_rgb = torch.tensor([BACKGROUNDS[b] for b in BG_NAMES], dtype=torch.uint8, device=device)

    def render_u8(self, bg, cells):
        """bg (B,), cells (B, 16) long → uint8 (B, H, W, 3)."""
        b = bg.shape[0]
        code = cells.clamp(min=1) - 1
        colour, m = code // len(SHAPE_SIZES), code % len(SHAPE_SIZES)
        mask = self.masks[m] & (cells > 0)[..., None, None]  # (B, 16, c, c)
        bgc = self.bg_rgb[bg][:, None, None, None, :]  # (B,1,1,1,3)
        img = torch.where(mask[..., None], self.obj_rgb[colour][:, :, None, None, :], bgc)  # (B,16,c,c,3)
        g, c = GRID, self.cell
        return img.reshape(b, g, g, c, c, 3).permute(0, 1, 3, 2, 4, 5).reshape(b, g * c, g * c, 3)

    def render(self, bg, cells):
        """→ float (B, 3, H, W) in [-1, 1] (u8 / 127.5 − 1, the engine's convention)."""
        return self.render_u8(bg, cells).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def check_renderer(renderer, sampler, n=64):
    """The torch renderer equals kontextbench.render byte for byte (raises otherwise)."""
    cases = [sampler.case() for _ in range(n)]
    enc = encode_cases(cases, sampler.vocab)
    dev = renderer.masks.device
    ours = renderer.render_u8(torch.tensor(enc["tgt_bg"], device=dev), torch.tensor(enc["tgt_cells"], device=dev)).cpu().numpy()
    ref = np.stack([render_scene(c["target"]) for c in cases])
    if not np.array_equal(ours, ref):
        raise AssertionError("torch renderer differs from kontextbench.render")


def to_device(batch, device):
    return {k: torch.from_numpy(v).to(device, non_blocking=True) for k, v in batch.items()}


class BatchStream(torch.utils.data.IterableDataset):
    """Endless numpy batches for a DataLoader (workers each get their own seed)."""

    def __init__(self, seed, weights, excluded, batch):
        super().__init__()
        self.seed, self.weights, self.excluded, self.batch_size = seed, weights, excluded, batch

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        sampler = CaseSampler(self.seed * 1000 + (info.id if info else 0), self.weights, self.excluded)
        while True:
            yield sampler.batch(self.batch_size)
