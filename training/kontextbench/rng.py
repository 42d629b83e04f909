"""mulberry32, bit for bit as bench/kontextbench/rng.ts, so a seed names the same cases in both."""
import random

_M = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & _M


class Mulberry32:
    def __init__(self, seed):
        self.a = seed & _M

    def next_u32(self):
        self.a = (self.a + 0x6D2B79F5) & _M
        a = self.a
        t = _imul(a ^ (a >> 15), 1 | a)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & _M) ^ t
        return (t ^ (t >> 14)) & _M

    def int(self, n):
        """A uniform integer in [0, n): floor(u32 * n / 2^32), exact as in TypeScript."""
        return (self.next_u32() * n) >> 32


class FastRng:
    """The same interface over Python's own generator, for training data (no parity needed)."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def int(self, n):
        return self.r.randrange(n)


def pick(rng, items):
    if not items:
        raise ValueError("pick from an empty list")
    return items[rng.int(len(items))]
