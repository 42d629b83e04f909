"""Reflow (Liu et al., "Flow Straight and Fast"): a few-step student from teacher samples alone.

The teacher (a train.py checkpoint, EMA weights) maps fixed noise ε to its own output x̂ with its
full Euler schedule. The student, initialised from the teacher, is trained with the same
rectified-flow loss on the straight line between those coupled pairs — z_t = (1 − t)·x̂ + t·ε,
target ε − x̂ — so its velocity field is nearly constant along each path and 4 Euler steps land
where 28 did. No discriminator (unlike LADD), no new sampler: the engine's Euler schedule runs the
student unchanged. Pairs come from training cases only (sampling.CaseSampler: never bucket 0) and
are regenerated every `refresh` steps from fresh cases so the student does not memorise a pool.
"""
import time

import numpy as np
import torch

from kontextbench.domain import tokenize
from kontextbench.render import render_scene

from .evaluate import to_planes
from .flow_matching import flow_loss, pack, sample, schedule


@torch.no_grad()
def teacher_pairs(ae, text, flow, sampler, n, steps, device, seed):
    """n coupled (tokens, context tokens | None, noise, teacher output) rows, t2i and edits apart."""
    cases = [sampler.case() for _ in range(n)]
    gen = torch.Generator().manual_seed(seed)
    groups = []
    for with_ctx in (True, False):
        part = [c for c in cases if (c["context"] is not None) == with_ctx]
        if not part:
            continue
        tokens = torch.tensor([tokenize(c["prompt"], sampler.vocab) for c in part], device=device)
        ctx = pack(ae.encode_norm(to_planes(np.stack([render_scene(c["context"]) for c in part]), device))) if with_ctx else None
        noise = torch.randn(len(part), 16, 64, generator=gen).to(device)
        x = sample(flow, text(tokens), noise, ctx, steps)
        groups.append({"tokens": tokens, "ctx": ctx, "noise": noise, "x": x})
    return groups


def few_step_t(n, device, steps, share):
    """Logit-normal t, with a `share` of rows on the student's own few-step schedule points."""
    t = torch.sigmoid(torch.randn(n, device=device))
    grid = torch.tensor(schedule(steps)[:-1], device=device, dtype=torch.float32)
    on_grid = torch.rand(n, device=device) < share
    t[on_grid] = grid[torch.randint(len(grid), (int(on_grid.sum()),), device=device)]
    return t


def reflow(args, ae, text, flow, teacher_text, teacher_flow, sampler, device, deadline, log):
    """Trains (text, flow) in place on teacher pairs; returns a log of losses."""
    params = list(text.parameters()) + list(flow.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0, betas=(0.9, 0.99))
    use_bf16 = device.type == "cuda"
    rows, t0, groups = [], time.time(), None
    step = 0
    for step in range(1, args.steps + 1):
        if groups is None or (step - 1) % args.refresh == 0:
            groups = teacher_pairs(ae, teacher_text, teacher_flow, sampler, args.pairs, args.teacher_steps, device, args.seed + step)
        losses = []
        for g in groups:
            idx = torch.randint(g["x"].shape[0], (min(args.batch, g["x"].shape[0]),), device=device)
            t = few_step_t(idx.shape[0], device, args.student_steps, args.grid_share)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
                out = text(g["tokens"][idx])
                ctx = g["ctx"][idx] if g["ctx"] is not None else None
                losses.append(flow_loss(flow, out, g["x"][idx], ctx, t, g["noise"][idx]))
        loss = torch.cat(losses).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % args.log_every == 0 or step == 1:
            rows.append({"step": step, "loss": float(loss), "t": time.time() - t0})
            log("reflow step %d loss %.4f" % (step, float(loss)))
        if deadline is not None and time.time() > deadline:
            log("reflow: time budget reached at step %d" % step)
            break
    return {"steps": step, "train_log": rows, "seconds": time.time() - t0}
