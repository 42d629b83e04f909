"""A few-step kontext-tiny by reflow (kontext_tiny/reflow.py): reads a train.py checkpoint, trains
a 4-step student on the teacher's own samples, scores student and teacher on the same bucket-0
benchmark cases (PyTorch), and exports a model folder the engine runs with 4 steps by default.

    /usr/bin/python3 training/distill.py --smoke --checkpoint training/out/smoke/checkpoint.pt --out training/out/smoke-4step
    python training/distill.py --checkpoint $OUT/checkpoint.pt --out $OUT/4step --time-budget-min 4
"""
import argparse
import copy
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from kontextbench.domain import vocabulary  # noqa: E402
from kontextbench.rng import Mulberry32  # noqa: E402
from kontextbench.split import HELD_OUT_BUCKET, SPLIT_BUCKETS, SPLIT_RULE  # noqa: E402
from kontextbench.unseen import unseen_cases, unseen_chain  # noqa: E402
from kontext_tiny import export, golden  # noqa: E402
from kontext_tiny.autoencoder import AutoEncoder  # noqa: E402
from kontext_tiny.data import TorchRenderer, held_out_spec  # noqa: E402
from kontext_tiny.evaluate import Sampler, score_cases, score_chains, summarise  # noqa: E402
from kontext_tiny.flow import FlowTransformer  # noqa: E402
from kontext_tiny.layers import USE_SDPA  # noqa: E402
from kontext_tiny.reflow import reflow  # noqa: E402
from kontext_tiny.sampling import CaseSampler, parse_object_weights, parse_weights  # noqa: E402
from kontext_tiny.text_encoder import TextEncoder  # noqa: E402


def parse(argv=None):
    p = argparse.ArgumentParser(description="Distil a train.py checkpoint into a few-step kontext-tiny by reflow.")
    a = p.add_argument
    a("--checkpoint", required=True, help="checkpoint.pt written by train.py (the teacher)")
    a("--out", required=True, help="output folder: model/ (the engine's model folder), checkpoint.pt, metrics.json")
    a("--smoke", action="store_true", help="seconds on CPU: checks the entry point, not the quality")
    a("--device", default="auto")
    a("--seed", type=int, default=0)
    a("--time-budget-min", type=float, default=0.0, help="stop reflow after this many minutes (0 = --steps only)")
    a("--steps", type=int, default=4000)
    a("--batch", type=int, default=256)
    a("--lr", type=float, default=1e-4)
    a("--pairs", type=int, default=8192, help="teacher pairs per refresh")
    a("--refresh", type=int, default=500, help="steps between fresh teacher pairs")
    a("--teacher-steps", type=int, default=28)
    a("--student-steps", type=int, default=4, help="the variant's default Euler steps")
    a("--grid-share", type=float, default=0.5, help="share of timesteps on the student's own schedule points")
    a("--kind-weights", default=None, help="default: the teacher's")
    a("--object-weights", default=None, help="default: the teacher's")
    a("--eval-n", type=int, default=512)
    a("--multi-n", type=int, default=64)
    a("--log-every", type=int, default=100)
    a("--threads", type=int, default=0)
    args = p.parse_args(argv)
    if args.smoke:
        for k, v in dict(device="cpu" if args.device == "auto" else args.device, steps=12, batch=8, lr=1e-3, pairs=16, refresh=6,
                         teacher_steps=4, student_steps=2, eval_n=7, multi_n=2, log_every=3).items():
            setattr(args, k, v)
    return args


def load(path, device):
    ck = torch.load(path, map_location="cpu")
    ae, text, flow = AutoEncoder(**ck["ae_config"]), TextEncoder(**ck["text_config"]), FlowTransformer(**ck["flow_config"])
    for m, k in ((ae, "ae"), (text, "text"), (flow, "flow")):
        m.load_state_dict(ck[k])
    for p in ae.parameters():
        p.requires_grad_(False)
    return ae.to(device).eval(), text.to(device), flow.to(device), ck


def main(argv=None):
    args = parse(argv)
    t_start = time.time()
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    USE_SDPA["enabled"] = device.type == "cuda"
    log = lambda m: print("[%s] %s" % (time.strftime("%H:%M:%S"), m), flush=True)  # noqa: E731
    ae, text, flow, ck = load(args.checkpoint, device)
    teacher_text, teacher_flow = copy.deepcopy(text).eval(), copy.deepcopy(flow).eval()
    for p in list(teacher_text.parameters()) + list(teacher_flow.parameters()):
        p.requires_grad_(False)
    targs = ck.get("args", {})
    sampler = CaseSampler(args.seed + 31, parse_weights(args.kind_weights or targs.get("kind_weights")),
                          parse_object_weights(args.object_weights or targs.get("object_weights")))
    deadline = t_start + args.time_budget_min * 60 if args.time_budget_min > 0 else None
    info = reflow(args, ae, text.train(), flow.train(), teacher_text, teacher_flow, sampler, device, deadline, log)

    spec = held_out_spec()
    cases = unseen_cases(Mulberry32(spec["seed"]), args.eval_n)
    chains = [unseen_chain(r, spec["turns"]) for r in [Mulberry32(spec["chainSeed"])] for _ in range(args.multi_n)]
    student = Sampler(ae, text.eval(), flow.eval(), device, steps=args.student_steps)
    teacher = Sampler(ae, teacher_text, teacher_flow, device, steps=args.teacher_steps)
    scores = {"student": summarise(score_cases(student, cases)), "teacher": summarise(score_cases(teacher, cases)),
              "student_chains": score_chains(student, chains), "teacher_chains": score_chains(teacher, chains)}
    log("edit correct: student %d steps %.1f%%, teacher %d steps %.1f%%" % (
        args.student_steps, 100 * scores["student"]["ALL"]["ok"], args.teacher_steps, 100 * scores["teacher"]["ALL"]["ok"]))

    model_dir = os.path.join(args.out, "model")
    os.makedirs(model_dir, exist_ok=True)
    export.export_onnx(ae, text, flow, model_dir)
    vocab = vocabulary()
    export.write_json(os.path.join(model_dir, "vocab.json"), vocab)
    export.write_json(os.path.join(model_dir, "tokenizer.json"), export.tokenizer_json(vocab))
    probe = sampler.batch(64)
    preview = export.preview_factors(ae.cpu(), TorchRenderer("cpu").render(torch.from_numpy(probe["tgt_bg"]), torch.from_numpy(probe["tgt_cells"])))
    desc = "kontext-tiny distilled by reflow (training/distill.py) for %d Euler steps." % args.student_steps
    export.write_json(os.path.join(model_dir, "model.json"), export.manifest(
        "kontext-tiny-%dstep" % args.student_steps, "Kontext tiny, %d steps" % args.student_steps, desc, ae, text, flow, preview, args.student_steps))
    golden.write_goldens(ae, text, flow, os.path.join(model_dir, "golden"))
    metrics = {"config": vars(args), "teacher_checkpoint_args": targs, "torch": torch.__version__, "device": str(device),
               "date": datetime.datetime.utcnow().strftime("%Y-%m-%d"), "reflow": info, "scores": scores, "held_out": spec,
               "split": {"rule": SPLIT_RULE, "buckets": SPLIT_BUCKETS, "heldOutBucket": HELD_OUT_BUCKET, "trainedOnHeldOut": False}}
    export.write_json(os.path.join(model_dir, "metrics.json"), metrics)
    export.write_json(os.path.join(args.out, "metrics.json"), metrics)
    torch.save({"ae": ae.state_dict(), "ae_config": ae.config, "text": text.state_dict(), "text_config": text.config,
                "flow": flow.state_dict(), "flow_config": flow.config, "args": dict(targs, distill=vars(args))},
               os.path.join(args.out, "checkpoint.pt"))
    losses = [r["loss"] for r in info["train_log"]]
    summary = {"ok": True, "out": args.out, "model_dir": model_dir, "seconds": round(time.time() - t_start, 1), "reflow_steps": info["steps"],
               "loss_first": losses[0], "loss_last": losses[-1], "student_steps": args.student_steps,
               "student_edit_correct": scores["student"]["ALL"]["ok"], "teacher_edit_correct": scores["teacher"]["ALL"]["ok"]}
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    main()
