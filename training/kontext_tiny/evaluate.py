"""PyTorch-side evaluation during training (the official score is bench:quality through the
TypeScript engine): single-turn cases and multi-turn chains, scored by the spec's classifier."""
import numpy as np
import torch

from kontextbench.classify import classify_batch, psnr
from kontextbench.domain import CATEGORY, KINDS, scenes_equal, tokenize, vocabulary
from kontextbench.render import render_scene

from .flow_matching import pack, sample, unpack


def to_planes(images_u8, device):
    """uint8 (B, H, W, 3) numpy → float (B, 3, H, W) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images_u8)).to(device).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def to_u8(planes):
    """[-1, 1] planes → uint8 (B, H, W, 3): round((clamp + 1)·127.5), as the engine does."""
    return torch.round((planes.clamp(-1, 1) + 1) * 127.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


class Sampler:
    """The three trained parts as one editor: prompt + optional context image → image."""

    def __init__(self, ae, text, flow, device, steps=28, mu=0.5, cfg=1.0):
        self.ae, self.text, self.flow, self.device = ae, text, flow, device
        self.steps, self.mu, self.cfg = steps, mu, cfg
        self.vocab = vocabulary()

    @torch.no_grad()
    def edit(self, prompts, contexts_u8, seeds):
        """prompts: list; contexts_u8: uint8 (B,H,W,3) or None; seeds: per-row noise seeds."""
        tokens = torch.tensor([tokenize(p, self.vocab) for p in prompts], device=self.device)
        text_out = self.text(tokens)
        uncond = self.text(torch.zeros_like(tokens)) if self.cfg != 1.0 else None
        ctx = pack(self.ae.encode_norm(to_planes(contexts_u8, self.device))) if contexts_u8 is not None else None
        noise = torch.stack([torch.randn(16, 64, generator=torch.Generator().manual_seed(int(s))) for s in seeds]).to(self.device)
        x = sample(self.flow, text_out, noise, ctx, self.steps, self.mu, self.cfg, uncond)
        return to_u8(self.ae.decode_norm(unpack(x, 8, 8)))

    @torch.no_grad()
    def round_trip(self, images_u8):
        return to_u8(self.ae.decode_norm(self.ae.encode_norm(to_planes(images_u8, self.device))))


def score_cases(sampler, cases, seed=0, batch=64):
    rows = []
    for start in range(0, len(cases), batch):
        chunk = cases[start:start + batch]
        for has_ctx in (True, False):
            part = [(start + i, c) for i, c in enumerate(chunk) if (c["context"] is not None) == has_ctx]
            if not part:
                continue
            ctx = np.stack([render_scene(c["context"]) for _, c in part]) if has_ctx else None
            tgt = np.stack([render_scene(c["target"]) for _, c in part])
            out = sampler.edit([c["prompt"] for _, c in part], ctx, [seed + i for i, _ in part])
            ae = sampler.round_trip(tgt)
            got, ae_got = classify_batch(out), classify_batch(ae)
            for k, (i, c) in enumerate(part):
                rows.append({"index": i, "kind": c["kind"], "ok": scenes_equal(got[k], c["target"]), "psnr": psnr(out[k], tgt[k]),
                             "ae_ok": scenes_equal(ae_got[k], c["target"]), "ae_psnr": psnr(ae[k], tgt[k])})
    return sorted(rows, key=lambda r: r["index"])


def summarise(rows):
    def agg(rs):
        if not rs:
            return None
        return {"n": len(rs), **{k: float(np.mean([r[k] for r in rs])) for k in ("ok", "psnr", "ae_ok", "ae_psnr")}}
    out = {k: agg([r for r in rows if r["kind"] == k]) for k in KINDS}
    for cat in sorted(set(CATEGORY.values())):
        out["cat:" + cat] = agg([r for r in rows if CATEGORY[r["kind"]] == cat])
    out["ALL"] = agg(rows)
    return {k: v for k, v in out.items() if v is not None}


def score_chains(sampler, chains, seed=0):
    """Per turn: fraction of chains fully correct so far, and PSNR against the true chain."""
    current = np.stack([render_scene(c["start"]) for c in chains])
    alive = np.ones(len(chains), bool)
    turns = []
    for t in range(len(chains[0]["turns"])):
        steps = [c["turns"][t] for c in chains]
        out = sampler.edit([s["prompt"] for s in steps], current, [seed + i * 100 + t for i in range(len(chains))])
        ok = np.array([scenes_equal(a, s["target"]) for a, s in zip(classify_batch(out), steps)])
        alive &= ok
        ps = [psnr(o, render_scene(s["target"])) for o, s in zip(out, steps)]
        turns.append({"turn": t + 1, "chain_ok": float(alive.mean()), "turn_ok": float(ok.mean()), "psnr": float(np.mean(ps))})
        current = out
    return turns
