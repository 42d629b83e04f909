"""Command-line options of train.py, and the --smoke preset (tiny width, few steps, CPU)."""
import argparse


def parse(argv=None):
    p = argparse.ArgumentParser(description="Train kontext-tiny (FLUX.1 Kontext recipe) on KontextBench-mini and export it.")
    a = p.add_argument
    a("--out", required=True, help="output folder: model/ (the engine's model folder), checkpoint.pt, metrics.json, figures")
    a("--smoke", action="store_true", help="tiny end-to-end run on CPU (< 3 min): checks the recipe, not the quality")
    a("--device", default="auto", help="auto | cpu | cuda")
    a("--seed", type=int, default=0)
    a("--time-budget-min", type=float, default=0.0, help="wall-clock budget for the whole run (0 = none); training stops to leave --reserve-min")
    a("--reserve-min", type=float, default=1.0, help="minutes kept for evaluation and export")
    a("--ae-budget-frac", type=float, default=0.3, help="share of the training budget for the autoencoder")
    # autoencoder
    a("--ae-ch", type=int, default=32)
    a("--ae-steps", type=int, default=8000)
    a("--ae-batch", type=int, default=128)
    a("--ae-lr", type=float, default=1e-3)
    a("--ae-noise", type=float, default=0.05, help="latent noise while training the decoder (robust to imperfect flow outputs)")
    # text encoder + flow transformer
    a("--width", type=int, default=192)
    a("--heads", type=int, default=6)
    a("--axes", default="8,12,12", help="RoPE dims per (t, h, w) axis; sum = width / heads")
    a("--double", type=int, default=2)
    a("--single", type=int, default=4)
    a("--txt-dim", type=int, default=128)
    a("--txt-layers", type=int, default=2)
    a("--steps", type=int, default=100000, help="flow steps (the time budget usually ends training first)")
    a("--batch", type=int, default=256)
    a("--lr", type=float, default=5e-4)
    a("--warmup", type=int, default=500)
    a("--ema", type=float, default=0.999)
    a("--t-mean", type=float, default=0.0, help="logit-normal timesteps: t = sigmoid(N(t_mean, t_std))")
    a("--t-std", type=float, default=1.0)
    a("--txt-drop", type=float, default=0.1, help="prompt dropout (all-pad prompt) so classifier-free guidance works")
    a("--kind-weights", default="move=2,remove=1.5,recolour=1.5",
      help="sampling weight per instruction kind, e.g. 'move=2,t2i=1.4' (others 1); the t2i share is the no-context share")
    a("--object-weights", default="4=2", help="weight per context object count 0..4 within each kind, e.g. '3=1.5,4=2' (others 1)")
    # self-generated chains (issue 5)
    a("--chain-frac", type=float, default=0.0, help="share of each batch whose context is the model's own earlier output")
    a("--chain-start", type=int, default=2000, help="first flow step that uses chain samples")
    a("--chain-refresh", type=int, default=500, help="steps between pool refreshes")
    a("--chain-pool", type=int, default=1024)
    a("--chain-sample-steps", type=int, default=12)
    a("--chain-keep", choices=["correct", "all"], default="correct")
    a("--chain-depth", type=int, default=5, help="turns a self-generated chain may grow to (a model output edited again, and again)")
    # runtime
    a("--workers", type=int, default=-1, help="DataLoader workers generating cases (-1: 4 on CUDA, 0 on CPU)")
    a("--bf16", type=int, default=-1, help="bf16 autocast (-1: on for CUDA)")
    a("--log-every", type=int, default=100)
    a("--eval-every", type=int, default=1000)
    a("--quick-n", type=int, default=112, help="validation cases per quick evaluation (not the held-out set)")
    a("--eval-n", type=int, default=512, help="final evaluation: first N held-out cases (PyTorch; bench:quality is the official score)")
    a("--multi-n", type=int, default=64)
    a("--sample-steps", type=int, default=28)
    a("--threads", type=int, default=0, help="torch CPU threads (0 = default)")
    args = p.parse_args(argv)
    if args.smoke:
        apply_smoke(args)
    return args


def apply_smoke(args):
    """Small enough for 2 CPU cores in well under 3 minutes, big enough that losses visibly fall."""
    for k, v in dict(device="cpu" if args.device == "auto" else args.device, ae_ch=8, ae_steps=60, ae_batch=16, ae_lr=3e-3,
                     width=32, heads=2, axes="4,6,6", double=1, single=1, txt_dim=32, txt_layers=1, steps=60, batch=16,
                     lr=2e-3, warmup=10, ema=0.9, log_every=10, eval_every=40, quick_n=14, eval_n=14, multi_n=4,
                     sample_steps=4, chain_frac=0.25, chain_start=30, chain_refresh=20, chain_pool=8, chain_sample_steps=2,
                     chain_keep="all", time_budget_min=0.0).items():
        setattr(args, k, v)
