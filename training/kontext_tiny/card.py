"""The model card (README.md of the exported folder) and its figures, drawn with Pillow when it is
installed (no matplotlib on Debian's minimal python3-torch; without Pillow the figures are skipped
and the card says so): the training-loss curve, the validation curve, and example edits
(context | output | expected)."""
import numpy as np

try:
    from PIL import Image, ImageDraw
except ImportError:  # figures are optional; the model folder is complete without them
    Image = ImageDraw = None


def line_chart(path, series, title, y_label, size=(560, 300)):
    """series: list of (label, [(x, y)…], colour)."""
    if Image is None:
        return False
    w, h = size
    img = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(img)
    pts = [p for _, s, _ in series for p in s]
    if not pts:
        img.save(path)
        return True
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    left, top, right, bottom = 60, 30, w - 20, h - 40
    d.rectangle([left, top, right, bottom], outline=(0, 0, 0))
    d.text((left, 8), title, fill=(0, 0, 0))
    d.text((left, bottom + 20), "step", fill=(0, 0, 0))
    d.text((4, top), "%.3g" % y1, fill=(0, 0, 0))
    d.text((4, bottom - 10), "%.3g" % y0, fill=(0, 0, 0))
    d.text((4, (top + bottom) // 2), y_label, fill=(0, 0, 0))
    d.text((right - 60, bottom + 5), "%d" % x1, fill=(0, 0, 0))
    for k, (label, s, colour) in enumerate(series):
        xy = [(left + (x - x0) / (x1 - x0) * (right - left), bottom - (y - y0) / (y1 - y0) * (bottom - top)) for x, y in s]
        if len(xy) > 1:
            d.line(xy, fill=colour, width=2)
        d.text((right - 150, top + 5 + 12 * k), label, fill=colour)
    img.save(path)
    return True


def examples_sheet(path, rows, scale=2):
    """rows: list of (context u8 or None, output u8, expected u8)."""
    if Image is None:
        return False
    tile, gap = 64 * scale, 4
    img = Image.new("RGB", (gap + 3 * (tile + gap), gap + len(rows) * (tile + gap)), (40, 40, 44))
    for r, row in enumerate(rows):
        for c, im in enumerate(row):
            arr = np.full((64, 64, 3), 24, np.uint8) if im is None else im
            img.paste(Image.fromarray(arr).resize((tile, tile), Image.NEAREST), (gap + c * (tile + gap), gap + r * (tile + gap)))
    img.save(path)
    return True


def _pct(x):
    return "%.1f%%" % (100 * x)


def write_card(path, args, metrics):
    ev, ae, multi = metrics.get("single_turn", {}), metrics["ae"], metrics.get("multi_turn", [])
    rows = "\n".join("| %s | %d | %s | %.1f | %s |" % (k, v["n"], _pct(v["ok"]), v["psnr"], _pct(v["ae_ok"])) for k, v in ev.items())
    drift = "\n".join("| %d | %s | %.1f |" % (t["turn"], _pct(t["chain_ok"]), t["psnr"]) for t in multi)
    p = metrics["params"]
    text = """# kontext-tiny — model card (trained by training/train.py)

A small FLUX.1 Kontext-style in-context flow model for the KontextBench-mini domain (64×64, the
43-word closed vocabulary). {kind}

## How it was trained
- Run: {date}, torch {torch} on {device}{smoke}; {wall:.0f} s wall (autoencoder {ae_s:.0f} s, flow {flow_s:.0f} s).
- Autoencoder: conv, 64×64×3 → 8×8×16, base width {ae_ch}, MSE with latent noise {ae_noise}, {ae_steps} steps;
  normalisation inside the graphs: shift {shift:.5f}, scale {scale:.5f}; {ae_params:,} parameters.
- Text encoder: word embedding + learned positions + {txt_layers} transformer layer(s), width {txt_dim} → txt, y (mean over words); {text_params:,} parameters.
- Flow transformer: width {width}, {heads} heads, RoPE axes (t, h, w) = ({axes}), {double} double-stream + {single} single-stream blocks; {flow_params:,} parameters.
- Rectified flow, velocity target ε − x, t = sigmoid(N({t_mean}, {t_std})); kinds weighted {weights}
  (text-to-image rows carry no context); prompt dropout {txt_drop}; AdamW {lr}, batch {batch}, EMA {ema};
  {flow_steps} flow steps; self-generated chain share {chain_frac} (up to {chain_depth} turns deep); context object counts weighted {object_weights}.
- Split: trained under {split_rule} — every sample whose key (context scene + instruction, or the text-to-image prompt) falls in
  bucket {held_bucket} of {buckets} was rejected and redrawn, chain steps included (bench/kontextbench/README.md), so every benchmark
  case is unseen by this model.

## Quality (PyTorch, first {n} bucket-0 benchmark cases, {sample_steps} steps; the official score is `npm run bench:quality`)
| group | n | edit correct | PSNR (dB) | AE ceiling |
|---|---:|---:|---:|---:|
{rows}

Multi-turn drift ({multi_n} chains):

| turn | chains fully correct | PSNR (dB) |
|---:|---:|---:|
{drift}

{figures}

## Files
`model.json` (the engine's manifest), `text_encoder.onnx`, `transformer.onnx`, `ae_encoder.onnx`, `ae_decoder.onnx`,
`tokenizer.json` (WordLevel), `vocab.json`, `metrics.json`, `golden/` (the engine's conformance tensors), figures.
""".format(kind="A --smoke run: checks the recipe end to end; its quality means nothing." if args.smoke else "",
           date=metrics["date"], torch=metrics["torch"], device=metrics["device"], smoke=" (--smoke)" if args.smoke else "",
           wall=metrics["timings_s"]["total"], ae_s=ae["seconds"], flow_s=metrics["timings_s"]["flow_train"], ae_ch=args.ae_ch,
           ae_noise=args.ae_noise, ae_steps=ae["steps"], shift=ae["shift"], scale=ae["scale"], ae_params=p["ae"], txt_layers=args.txt_layers,
           txt_dim=args.txt_dim, text_params=p["text"], width=args.width, heads=args.heads, axes=args.axes, double=args.double,
           single=args.single, flow_params=p["flow"], t_mean=args.t_mean, t_std=args.t_std, weights=args.kind_weights or "uniform",
           txt_drop=args.txt_drop, lr=args.lr, batch=args.batch, ema=args.ema, flow_steps=metrics["flow_steps"], chain_frac=args.chain_frac,
           chain_depth=args.chain_depth, object_weights=args.object_weights or "uniform", split_rule=metrics["split"]["rule"],
           held_bucket=metrics["split"]["heldOutBucket"], buckets=metrics["split"]["buckets"],
           figures="![loss](loss.png) ![validation](validation.png) ![examples](examples.png)" if Image is not None
           else "(Figures skipped: Pillow is not installed where this ran.)",
           n=ev.get("ALL", {}).get("n", 0), sample_steps=args.sample_steps, rows=rows, multi_n=args.multi_n, drift=drift)
    with open(path, "w") as f:
        f.write(text)
