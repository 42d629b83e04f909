"""Phase 1: the autoencoder, MSE on rendered scenes (random scenes and edit targets alike), with
Gaussian noise on the latent for the decoder so it tolerates the flow model's imperfect latents."""
import time

import torch
import torch.nn.functional as F

from .autoencoder import AutoEncoder


def train_autoencoder(args, sampler, renderer, device, deadline, log):
    ae = AutoEncoder(args.ae_ch).to(device)
    opt = torch.optim.AdamW(ae.parameters(), lr=args.ae_lr, weight_decay=0.0)
    history, t0, step = [], time.time(), 0
    for step in range(1, args.ae_steps + 1):
        b = sampler.batch(args.ae_batch)
        x = renderer.render(torch.from_numpy(b["tgt_bg"]).to(device), torch.from_numpy(b["tgt_cells"]).to(device))
        lr = args.ae_lr * min(1.0, step / 100) * (0.1 + 0.9 * (1 - step / args.ae_steps))
        for g in opt.param_groups:
            g["lr"] = lr
        z = ae.encoder(x)
        # Noise relative to the latent's own spread, so it means the same before normalisation is fitted.
        z = z + args.ae_noise * z.detach().std() * torch.randn_like(z)
        loss = F.mse_loss(ae.decoder(z), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % args.log_every == 0 or step == 1:
            history.append({"step": step, "loss": float(loss), "t": time.time() - t0})
            log("ae step %d loss %.5f" % (step, float(loss)))
        if deadline is not None and time.time() > deadline:
            log("ae: time budget reached at step %d" % step)
            break
    b = sampler.batch(256 if device.type == "cuda" else 64)
    ae.eval()
    ae.fit_normalisation(renderer.render(torch.from_numpy(b["tgt_bg"]).to(device), torch.from_numpy(b["tgt_cells"]).to(device)))
    for p in ae.parameters():
        p.requires_grad_(False)
    return ae, {"steps": step, "history": history, "shift": float(ae.shift), "scale": float(ae.scale), "seconds": time.time() - t0}
