"""Golden tensors for the engine's conformance test, in the layout of kontext-tiny-ref/golden:
cases.json (8-step schedule, μ 0.5, prompts, token ids) and raw little-endian float32 files —
noise (1,16,64), context image (1,3,64,64) and packed latent (1,16,64), the latent after every
Euler step — plus PNGs of the context and the decoded output. One case per instruction kind."""
import os

import numpy as np
import torch

from kontextbench.domain import KINDS, tokenize, vocabulary
from kontextbench.generate import make_case
from kontextbench.render import render_scene
from kontextbench.rng import Mulberry32

from .evaluate import to_planes, to_u8
from .export import write_json
from .flow_matching import pack, sample, schedule, unpack
from .png import write_png

GOLDEN_SEED = 77
STEPS, MU = 8, 0.5


def _f32(path, tensor):
    np.ascontiguousarray(tensor.detach().cpu().numpy().astype("<f4")).tofile(path)
    return {"file": os.path.basename(path), "shape": list(tensor.shape)}


@torch.no_grad()
def write_goldens(ae, text, flow, out_dir):
    """Runs the PyTorch sampler on CPU in float32 (what ONNX reproduces) and writes golden/."""
    os.makedirs(out_dir, exist_ok=True)
    ae, text, flow = ae.cpu().float().eval(), text.cpu().float().eval(), flow.cpu().float().eval()
    vocab, rng = vocabulary(), Mulberry32(GOLDEN_SEED)
    cases = []
    for i, kind in enumerate(KINDS):
        c = make_case(rng, kind)
        p = lambda name: os.path.join(out_dir, "c%d_%s" % (i, name))  # noqa: E731
        tokens = tokenize(c["prompt"], vocab)
        text_out = text(torch.tensor([tokens]))
        noise = torch.randn(1, 16, 64, generator=torch.Generator().manual_seed(1000 + i))
        entry = {"kind": kind, "prompt": c["prompt"], "tokens": tokens, "noise": _f32(p("noise.bin"), noise)}
        ctx = None
        if c["context"] is not None:
            rgb = render_scene(c["context"])
            write_png(p("context.png"), rgb)
            planes = to_planes(rgb[None], "cpu")
            ctx = pack(ae.encode_norm(planes))
            entry.update(context_png=os.path.basename(p("context.png")), context_image=_f32(p("context_image.bin"), planes),
                         context_latent=_f32(p("context_latent.bin"), ctx))
        steps = []
        sample(flow, text_out, noise, ctx, STEPS, MU, on_step=lambda k, x: steps.append(_f32(p("step%d.bin" % k), x)))
        final = np.fromfile(os.path.join(out_dir, steps[-1]["file"]), dtype="<f4").reshape(1, 16, 64)
        out = to_u8(ae.decode_norm(unpack(torch.from_numpy(final), 8, 8)))[0]
        write_png(p("output.png"), out)
        entry.update(steps=steps, output_png=os.path.basename(p("output.png")))
        cases.append(entry)
    write_json(os.path.join(out_dir, "cases.json"), {"steps": STEPS, "mu": MU, "timesteps": schedule(STEPS, MU), "guidance": None,
                                                    "layout": "float32 little-endian, row-major; latents are packed tokens (1,16,64)", "cases": cases})
    return cases
