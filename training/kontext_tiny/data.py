"""Training data on the device: KontextBench-mini cases (drawn by sampling.py: per-kind and
per-object-count weights, never a case of split bucket 0), encoded as small integer arrays,
rendered to images on the training device.

Cases are generated in Python by training/kontextbench (the one definition of the domain);
images are rendered with the same masks as kontextbench.render, vectorised in torch so a GPU
batch of 256 costs no CPU time (`check_renderer` asserts byte equality with the numpy renderer).
"""
import json
import os

import numpy as np
import torch

from kontextbench.domain import BG_NAMES, COLOUR_NAMES, GRID, OBJECT_COLOURS, BACKGROUNDS
from kontextbench.render import SHAPE_SIZES, render_scene, shape_mask
from kontextbench.split import HELD_OUT_BUCKET, SPLIT_BUCKETS, SPLIT_RULE

from .sampling import CaseSampler, encode_cases

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELD_OUT_FILE = os.path.join(REPO, "bench", "kontextbench", "heldout.json")


def held_out_spec():
    """heldout.json (the benchmark's seeds and sizes), checked to name the split this code implements."""
    with open(HELD_OUT_FILE) as f:
        spec = json.load(f)
    want = {"rule": SPLIT_RULE, "buckets": SPLIT_BUCKETS, "heldOutBucket": HELD_OUT_BUCKET}
    if spec.get("split") != want:
        raise ValueError("bench/kontextbench/heldout.json names split %r, but kontextbench/split.py implements %r" % (spec.get("split"), want))
    return spec


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

    def __init__(self, seed, weights, object_weights, batch):
        super().__init__()
        self.seed, self.weights, self.object_weights, self.batch_size = seed, weights, object_weights, batch

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        sampler = CaseSampler(self.seed * 1000 + (info.id if info else 0), self.weights, self.object_weights)
        while True:
            yield sampler.batch(self.batch_size)
