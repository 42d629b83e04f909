"""Seeded scenes, instructions and chains — line by line the same draws as generate.ts."""
from .domain import (BG_NAMES, CELLS, COLOUR_NAMES, DIRECTIONS, GRID, KINDS, LOCAL_KINDS, MAX_OBJECTS,
                     NUMBERS, SHAPES, SIZES, empty_scene)
from .rng import pick

OBJECT_RANGE = {
    "recolour": (1, 4),
    "move": (1, 4),
    "remove": (1, 4),
    "add": (0, 3),
    "background": (0, 4),
    "reference": (1, 4),
}


def _has_pair(scene, colour, shape):
    return any(o is not None and o["colour"] == colour and o["shape"] == shape for o in scene["cells"])


def _occupied(scene):
    return [i for i, o in enumerate(scene["cells"]) if o is not None]


def _free(scene):
    return [i for i, o in enumerate(scene["cells"]) if o is None]


def _with_cell(scene, cell, obj):
    cells = list(scene["cells"])
    cells[cell] = obj
    return {"bg": scene["bg"], "cells": cells}


def _describe(o):
    return "%s %s" % (o["colour"], o["shape"])


def _where(cell):
    return "row %s col %s" % (NUMBERS[cell // GRID], NUMBERS[cell % GRID])


def random_scene(rng, min_objects=0, max_objects=MAX_OBJECTS):
    bg = pick(rng, BG_NAMES)
    n = min_objects + rng.int(max_objects - min_objects + 1)
    scene = {"bg": bg, "cells": [None] * CELLS}
    open_cells = list(range(CELLS))
    for _ in range(n):
        cell = open_cells.pop(rng.int(len(open_cells)))
        colour = pick(rng, COLOUR_NAMES)
        shape = pick(rng, SHAPES)
        while _has_pair(scene, colour, shape):
            colour = pick(rng, COLOUR_NAMES)
            shape = pick(rng, SHAPES)
        scene["cells"][cell] = {"colour": colour, "shape": shape, "size": pick(rng, SIZES)}
    return scene


def try_edit(rng, kind, scene):
    """(prompt, target) for one instruction of `kind`, or None when impossible on this scene."""
    if kind == "recolour":
        cell = pick(rng, _occupied(scene))
        obj = scene["cells"][cell]
        options = [c for c in COLOUR_NAMES if c != obj["colour"] and not _has_pair(scene, c, obj["shape"])]
        if not options:
            return None
        colour = pick(rng, options)
        return "make the %s %s" % (_describe(obj), colour), _with_cell(scene, cell, dict(obj, colour=colour))
    if kind == "move":
        cell = pick(rng, _occupied(scene))
        obj = scene["cells"][cell]
        r, c = cell // GRID, cell % GRID
        options = [d for d in DIRECTIONS
                   if 0 <= r + d[2] < GRID and 0 <= c + d[1] < GRID and scene["cells"][(r + d[2]) * GRID + c + d[1]] is None]
        if not options:
            return None
        name, dc, dr = pick(rng, options)
        moved = _with_cell(_with_cell(scene, cell, None), (r + dr) * GRID + c + dc, obj)
        return "move the %s %s" % (_describe(obj), name), moved
    if kind == "remove":
        cell = pick(rng, _occupied(scene))
        return "remove the %s" % _describe(scene["cells"][cell]), _with_cell(scene, cell, None)
    if kind == "add":
        open_cells = _free(scene)
        if not open_cells:
            return None
        cell = pick(rng, open_cells)
        size = pick(rng, SIZES)
        pairs = [(c, s) for c in COLOUR_NAMES for s in SHAPES if not _has_pair(scene, c, s)]
        colour, shape = pick(rng, pairs)
        obj = {"colour": colour, "shape": shape, "size": size}
        return "add a %s %s %s at %s" % (size, colour, shape, _where(cell)), _with_cell(scene, cell, obj)
    if kind == "background":
        bg = pick(rng, [b for b in BG_NAMES if b != scene["bg"]])
        return "change the background to %s" % bg, {"bg": bg, "cells": list(scene["cells"])}
    if kind == "reference":
        cell = pick(rng, _occupied(scene))
        obj = scene["cells"][cell]
        bg = pick(rng, BG_NAMES)
        return "put the %s alone on a %s background" % (_describe(obj), bg), _with_cell(empty_scene(bg), cell, obj)
    raise ValueError("unknown edit kind %r" % kind)


def make_case(rng, kind):
    """{"kind", "prompt", "context" (None for t2i), "target"} — the TypeScript BenchCase."""
    if kind == "t2i":
        bg = pick(rng, BG_NAMES)
        size = pick(rng, SIZES)
        colour = pick(rng, COLOUR_NAMES)
        shape = pick(rng, SHAPES)
        cell = rng.int(CELLS)
        target = _with_cell(empty_scene(bg), cell, {"colour": colour, "shape": shape, "size": size})
        return {"kind": kind, "prompt": "a %s %s %s on %s at %s" % (size, colour, shape, bg, _where(cell)),
                "context": None, "target": target}
    lo, hi = OBJECT_RANGE[kind]
    while True:
        context = random_scene(rng, lo, hi)
        edit = try_edit(rng, kind, context)
        if edit is not None:
            return {"kind": kind, "prompt": edit[0], "context": context, "target": edit[1]}


def bench_cases(rng, n):
    return [make_case(rng, KINDS[i % len(KINDS)]) for i in range(n)]


def make_chain(rng, turns):
    """{"start": scene, "turns": [{"kind", "prompt", "target"}]} of random local edits."""
    start = random_scene(rng, 1, MAX_OBJECTS)
    out = []
    scene = start
    while len(out) < turns:
        kind = pick(rng, LOCAL_KINDS)
        if kind != "add" and not _occupied(scene):
            continue
        edit = try_edit(rng, kind, scene)
        if edit is None:
            continue
        out.append({"kind": kind, "prompt": edit[0], "target": edit[1]})
        scene = edit[1]
    return {"start": start, "turns": out}


def case_key(case):
    """A hashable identity of a case (context, prompt): the training data excludes held-out keys."""
    ctx = case["context"]
    cells = None if ctx is None else tuple(None if o is None else (o["colour"], o["shape"], o["size"]) for o in ctx["cells"])
    return (None if ctx is None else ctx["bg"], cells, case["prompt"])
