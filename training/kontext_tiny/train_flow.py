"""Phase 2: text encoder + flow transformer, trained jointly with the rectified-flow objective on
[target ; context] tokens (text-to-image rows have no context), prompt dropout, EMA, and optionally
self-generated chain contexts."""
import time

import torch

from kontextbench.domain import vocabulary

from .chains import ChainPool
from .ema import Ema
from .evaluate import Sampler, score_cases, summarise, to_planes
from .flow_matching import flow_loss, pack, sample_t


def make_batch(args, b, renderer, ae, device, chain_ctx_u8=None):
    """Encoded numpy batch → (tokens, target tokens, context tokens or None per group)."""
    d = {k: torch.as_tensor(v).to(device) for k, v in b.items()}
    with torch.no_grad():
        x = pack(ae.encode_norm(renderer.render(d["tgt_bg"], d["tgt_cells"])))
        if chain_ctx_u8 is not None:
            ctx = pack(ae.encode_norm(to_planes(chain_ctx_u8, device)))
        else:
            ctx = pack(ae.encode_norm(renderer.render(d["ctx_bg"], d["ctx_cells"])))
    tokens = d["tokens"].clone()
    drop = torch.rand(tokens.shape[0], device=device) < args.txt_drop
    tokens[drop] = 0
    return tokens, x, ctx, d["has_ctx"]


def flow_step_loss(text, flow, tokens, x, ctx, has_ctx):
    """Mean loss over the batch; rows with and without context run as two passes."""
    t = sample_t(x.shape[0], x.device, flow_step_loss.t_mean, flow_step_loss.t_std)
    eps = torch.randn_like(x)
    txt, y = text(tokens)
    losses = []
    for rows, with_ctx in ((has_ctx, True), (~has_ctx, False)):
        if rows.any():
            losses.append(flow_loss(flow, (txt[rows], y[rows]), x[rows], ctx[rows] if with_ctx else None, t[rows], eps[rows]))
    return torch.cat(losses).mean()


def train_flow(args, text, flow, ae, renderer, stream, sampler_fn, cases, val_cases, device, deadline, log):
    """`cases`: the CaseSampler fresh chain scenes come from (never bucket 0, as every batch of `stream`)."""
    flow_step_loss.t_mean, flow_step_loss.t_std = args.t_mean, args.t_std
    params = list(text.parameters()) + list(flow.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.99))
    ema_text, ema_flow = Ema(text, args.ema), Ema(flow, args.ema)
    use_bf16 = args.bf16 == 1 or (args.bf16 == -1 and device.type == "cuda")
    pool = ChainPool(args.seed + 17, args.chain_pool, args.chain_keep, args.chain_depth) if args.chain_frac > 0 else None
    n_chain = int(round(args.batch * args.chain_frac))
    log_rows, curve, t0, step, last = [], [], time.time(), 0, time.time()
    vocab = vocabulary()
    for step in range(1, args.steps + 1):
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, step / max(1, args.warmup))
        b = next(stream)
        parts = [make_batch(args, b, renderer, ae, device)]
        if pool is not None and step >= args.chain_start:
            if (step - args.chain_start) % args.chain_refresh == 0:
                pool.refresh(sampler_fn(ema_text.module, ema_flow.module, args.chain_sample_steps), cases)
                log("chains: pool refreshed at step %d, kept %.0f%%, mean depth %.2f turns" % (step, 100 * pool.kept_fraction, pool.mean_depth))
            if pool.ready() and n_chain > 0:
                cb, imgs = pool.batch(n_chain, vocab)
                parts.append(make_batch(args, cb, renderer, ae, device, imgs))
        tokens, x, ctx, has_ctx = (torch.cat(z) for z in zip(*parts))
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
            loss = flow_step_loss(text, flow, tokens, x, ctx, has_ctx)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema_text.update(text)
        ema_flow.update(flow)
        if step % args.log_every == 0 or step == 1:
            now = time.time()
            log_rows.append({"step": step, "loss": float(loss), "steps_per_s": args.log_every / max(now - last, 1e-9) if step > 1 else 0.0, "t": now - t0})
            last = now
            log("flow step %d loss %.4f" % (step, float(loss)))
        stop = deadline is not None and time.time() > deadline
        if step % args.eval_every == 0 or stop or step == args.steps:
            s = summarise(score_cases(sampler_fn(ema_text.module, ema_flow.module, min(args.sample_steps, 12)), val_cases))
            curve.append({"step": step, "t": time.time() - t0, "ok": s["ALL"]["ok"], "psnr": s["ALL"]["psnr"],
                          "ok_by_kind": {k: v["ok"] for k, v in s.items() if not k.startswith("cat:") and k != "ALL"}})
            log("eval step %d: edit correct %.1f%%, PSNR %.1f dB" % (step, 100 * s["ALL"]["ok"], s["ALL"]["psnr"]))
        if stop:
            log("flow: time budget reached at step %d" % step)
            break
    return ema_text.module, ema_flow.module, {"steps": step, "train_log": log_rows, "curve": curve, "seconds": time.time() - t0,
                                             "chain_kept_fraction": pool.kept_fraction if pool else None,
                                             "chain_mean_depth": pool.mean_depth if pool else None}


def make_sampler_fn(ae, device):
    def fn(text, flow, steps):
        return Sampler(ae, text.eval(), flow.eval(), device, steps=steps)
    return fn
