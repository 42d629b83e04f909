"""The train/benchmark split, byte for byte as bench/kontextbench/split.ts (the rule is written
out in bench/kontextbench/README.md): a case's canonical key (context scene + instruction; for
text-to-image the prompt) is hashed with SHA-256 into 16 buckets, and bucket 0 — every benchmark
case — is never trained on. The training sampler rejects bucket-0 draws by construction."""
import hashlib
import re
import string

from .domain import CELLS

SPLIT_RULE = "kbm-split-v1"
SPLIT_BUCKETS = 16
HELD_OUT_BUCKET = 0


_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def canonical_prompt(prompt):
    """ASCII letters lower-cased, split on runs of ASCII whitespace, joined by one space (as split.ts)."""
    return " ".join(w for w in _ASCII_SPACE.split(prompt.translate(_LOWER)) if w)


def canonical_scene(scene):
    """`bg|c0;c1;…;c15`, a cell being `-` (empty) or `colour.shape.size`, row-major."""
    cells = []
    for i in range(CELLS):
        o = scene["cells"][i]
        cells.append("-" if o is None else "%s.%s.%s" % (o["colour"], o["shape"], o["size"]))
    return "%s|%s" % (scene["bg"], ";".join(cells))


def canonical_key(case):
    """The key of {"prompt", "context"} (context None for text-to-image); the target follows from both."""
    prompt = canonical_prompt(case["prompt"])
    if case["context"] is None:
        return "%s|t2i|%s" % (SPLIT_RULE, prompt)
    return "%s|edit|%s|%s" % (SPLIT_RULE, canonical_scene(case["context"]), prompt)


def bucket_of_key(key):
    """The first four bytes of SHA-256(UTF-8 key), big-endian, modulo 16."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big") % SPLIT_BUCKETS


def case_bucket(case):
    return bucket_of_key(canonical_key(case))


def is_held_out(case):
    """True for a bucket-0 case: benchmark only, never a training sample."""
    return case_bucket(case) == HELD_OUT_BUCKET
