"""The scene domain of shared/design/KONTEXTBENCH_MINI.md: palettes, shapes, instruction words.

Mirrors bench/kontextbench/domain.ts entry for entry (same names, same order: generation draws
by index, so order is part of the contract).
"""
BACKGROUNDS = {
    "black": (10, 10, 10),
    "gray": (128, 128, 128),
    "navy": (20, 20, 120),
    "forest": (30, 110, 30),
    "maroon": (125, 20, 20),
    "teal": (0, 128, 128),
    "beige": (225, 205, 160),
    "white": (250, 250, 250),
}
OBJECT_COLOURS = {
    "red": (235, 40, 40),
    "green": (40, 210, 60),
    "blue": (60, 110, 255),
    "yellow": (250, 225, 40),
    "purple": (180, 60, 220),
    "cyan": (40, 230, 230),
}
BG_NAMES = list(BACKGROUNDS)
COLOUR_NAMES = list(OBJECT_COLOURS)
SHAPES = ["circle", "square", "triangle", "ring"]
SIZES = ["small", "large"]
RADIUS = {"small": 4.5, "large": 7.0}  # in 64-px units; the 128 variant doubles it
NUMBERS = ["one", "two", "three", "four"]
DIRECTIONS = [("left", -1, 0), ("right", 1, 0), ("up", 0, -1), ("down", 0, 1)]  # (name, dcol, drow)

GRID = 4
CELLS = GRID * GRID
MAX_OBJECTS = 4
MAX_WORDS = 12

KINDS = ["recolour", "move", "remove", "add", "background", "reference", "t2i"]
LOCAL_KINDS = ["recolour", "move", "remove", "add"]
CATEGORY = {
    "recolour": "local",
    "move": "local",
    "remove": "local",
    "add": "local",
    "background": "global",
    "reference": "character reference",
    "t2i": "generation",
}

# A scene is a dict {"bg": name, "cells": [None | {"colour", "shape", "size"}] * 16} — the same
# JSON shape as the TypeScript `Scene`, so scenes cross the language boundary unchanged.


def empty_scene(bg):
    return {"bg": bg, "cells": [None] * CELLS}


def scenes_equal(a, b):
    return a["bg"] == b["bg"] and all((x or None) == (y or None) for x, y in zip(a["cells"], b["cells"]))


def vocabulary():
    """The closed vocabulary: every template word, sorted, after <pad> = 0."""
    words = set("make the move remove add a at row col change background to put alone on".split())
    words.update(BG_NAMES, COLOUR_NAMES, SHAPES, SIZES, NUMBERS, (d[0] for d in DIRECTIONS))
    vocab = {"<pad>": 0}
    for i, w in enumerate(sorted(words)):
        vocab[w] = i + 1
    return vocab


def tokenize(prompt, vocab, max_len=MAX_WORDS):
    """Word ids right-padded with 0 (the engine's tokenizer does the same from tokenizer.json)."""
    ids = [vocab[w] for w in prompt.lower().split()]
    if len(ids) > max_len:
        raise ValueError("prompt longer than %d words: %r" % (max_len, prompt))
    return ids + [0] * (max_len - len(ids))
