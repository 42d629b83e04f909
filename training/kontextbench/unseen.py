"""Benchmark draws from bucket 0 only — line by line the same draws as bench/kontextbench/unseen.ts."""
from .domain import KINDS, LOCAL_KINDS, MAX_OBJECTS
from .generate import make_case, random_scene, try_edit
from .rng import pick
from .split import is_held_out

CHAIN_TURN_ATTEMPTS = 256


def unseen_case(rng, kind):
    while True:
        c = make_case(rng, kind)
        if is_held_out(c):
            return c


def unseen_cases(rng, n):
    return [unseen_case(rng, KINDS[i % len(KINDS)]) for i in range(n)]


def unseen_chain(rng, turns):
    """{"start", "turns"}: local edits on 1–4 objects, every step (true scene before it + prompt) in bucket 0."""
    while True:
        start = random_scene(rng, 1, MAX_OBJECTS)
        out, scene, attempts = [], start, 0
        while len(out) < turns and attempts < CHAIN_TURN_ATTEMPTS:
            attempts += 1
            kind = pick(rng, LOCAL_KINDS)
            if kind != "add" and all(o is None for o in scene["cells"]):
                continue
            edit = try_edit(rng, kind, scene)
            if edit is None or not is_held_out({"prompt": edit[0], "context": scene}):
                continue
            out.append({"kind": kind, "prompt": edit[0], "target": edit[1]})
            scene, attempts = edit[1], 0
        if len(out) == turns:
            return {"start": start, "turns": out}
