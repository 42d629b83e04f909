"""The strict classifier (classify.ts in numpy), batched: images → scenes, for training-time eval."""
import numpy as np

from .domain import BACKGROUNDS, BG_NAMES, COLOUR_NAMES, GRID, scenes_equal
from .render import COLOUR_TABLE, SHAPE_SIZES, shape_mask

_BG_TABLE = np.array([BACKGROUNDS[b] for b in BG_NAMES], dtype=np.float64)


def classify_batch(images):
    """uint8 (B, H, W, 3) → list of scenes: nearest background of the mean border, then per cell
    the template (empty, or colour × shape × size mask) with the least squared error."""
    x = images.astype(np.float64)
    b, size = x.shape[0], x.shape[1]
    border = np.concatenate([x[:, 0, :], x[:, -1, :], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1).mean(axis=1)
    bg_idx = ((border[:, None, :] - _BG_TABLE[None]) ** 2).sum(-1).argmin(1)
    bg_rgb = _BG_TABLE[bg_idx]  # (B, 3)
    cell = size // GRID
    cells = x.reshape(b, GRID, cell, GRID, cell, 3).transpose(0, 1, 3, 2, 4, 5).reshape(b, GRID * GRID, cell * cell, 3)
    err_bg = ((cells - bg_rgb[:, None, None, :]) ** 2).sum(-1)  # (B, 16, P)
    err_col = ((cells[:, :, :, None, :] - COLOUR_TABLE[None, None, None]) ** 2).sum(-1)  # (B, 16, P, 6)
    masks = np.stack([shape_mask(s, z, size).reshape(-1) for s, z in SHAPE_SIZES]).astype(np.float64)  # (8, P)
    delta = np.einsum("mp,bcpk->bcmk", masks, err_col - err_bg[..., None])  # (B, 16, 8, 6)
    flat = delta.reshape(b, GRID * GRID, -1)
    best = flat.argmin(-1)
    best_val = np.take_along_axis(flat, best[..., None], -1)[..., 0]
    scenes = []
    for i in range(b):
        out = []
        for c in range(GRID * GRID):
            # Strictly better than empty (template error = empty error + delta), as classify.ts.
            if best_val[i, c] < 0:
                m, k = divmod(int(best[i, c]), len(COLOUR_NAMES))
                out.append({"colour": COLOUR_NAMES[k], "shape": SHAPE_SIZES[m][0], "size": SHAPE_SIZES[m][1]})
            else:
                out.append(None)
        scenes.append({"bg": BG_NAMES[int(bg_idx[i])], "cells": out})
    return scenes


def psnr(a, b, cap=100.0):
    se = ((a.astype(np.float64) - b.astype(np.float64)) ** 2).sum()
    if se == 0:
        return cap
    return float(min(cap, 10 * np.log10(255.0 * 255.0 * a.size / se)))


def edit_correct(images, targets):
    return [scenes_equal(s, t) for s, t in zip(classify_batch(images), targets)]
