"""The renderer with numpy: the same masks, the same float64 operation order as render.ts."""
import numpy as np

from .domain import BACKGROUNDS, COLOUR_NAMES, GRID, OBJECT_COLOURS, RADIUS, SHAPES, SIZES

_MASKS = {}


def shape_mask(shape, size, image_size=64):
    """Boolean (cell, cell) mask; pixel centres at (x+0.5, y+0.5), offsets from the cell centre."""
    key = (shape, size, image_size)
    if key not in _MASKS:
        scale = image_size // 64
        cell, centre, r = 16 * scale, 8 * scale, RADIUS[size] * scale
        ax = np.arange(cell, dtype=np.float64) + 0.5 - centre
        dy, dx = np.meshgrid(ax, ax, indexing="ij")
        d2 = dx * dx + dy * dy
        if shape == "circle":
            m = d2 <= r * r
        elif shape == "square":
            m = (np.abs(dx) <= 0.8 * r) & (np.abs(dy) <= 0.8 * r)
        elif shape == "triangle":
            m = (-r <= dy) & (dy <= 0.8 * r) & (np.abs(dx) <= (dy + r) / (1.8 * r) * r)
        elif shape == "ring":
            inner = 0.55 * r
            m = (inner * inner <= d2) & (d2 <= r * r)
        else:
            raise ValueError(shape)
        _MASKS[key] = m
    return _MASKS[key]


def render_scene(scene, image_size=64):
    """uint8 (H, W, 3) RGB."""
    img = np.empty((image_size, image_size, 3), dtype=np.uint8)
    img[:, :] = BACKGROUNDS[scene["bg"]]
    cell = image_size // GRID
    for i, obj in enumerate(scene["cells"]):
        if obj is None:
            continue
        y0, x0 = (i // GRID) * cell, (i % GRID) * cell
        view = img[y0:y0 + cell, x0:x0 + cell]
        view[shape_mask(obj["shape"], obj["size"], image_size)] = OBJECT_COLOURS[obj["colour"]]
    return img


SHAPE_SIZES = [(s, z) for s in SHAPES for z in SIZES]
COLOUR_TABLE = np.array([OBJECT_COLOURS[c] for c in COLOUR_NAMES], dtype=np.float64)
