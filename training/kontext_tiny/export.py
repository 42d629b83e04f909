"""Export: the four ONNX graphs, model.json (the engine's manifest, same names/ranks/dtypes as
assets/models/kontext-tiny), tokenizer.json (Hugging Face WordLevel, as engine/tools/wordLevelTokenizer.ts
writes it) and vocab.json. Graph I/O is float32 except int64 tokens (the engine feeds those)."""
import inspect
import json
import os

import numpy as np
import torch

from .autoencoder import DecoderGraph, EncoderGraph
from .flow_matching import pack

# 16, not 17: torch 1.13 exports an affine-free LayerNorm at opset 17 with an empty scale input (invalid).
OPSET = 16


class TextGraph(torch.nn.Module):
    def __init__(self, text):
        super().__init__()
        self.text = text

    def forward(self, tokens):
        return self.text(tokens)


def _export(module, args, path, inputs, outputs, dynamic):
    module.eval()
    # PyTorch ≥ 2.9 defaults to the dynamo exporter (needs onnxscript, ignores dynamic_axes);
    # the TorchScript exporter is the one torch 1.13 has, so both versions export the same graphs.
    extra = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dynamic, opset_version=OPSET,
                          do_constant_folding=True, **extra)


def export_onnx(ae, text, flow, out_dir):
    """Writes the four graphs (CPU, float32) and returns their file names."""
    ae, text, flow = ae.cpu().float(), text.cpu().float(), flow.cpu().float()
    L, D = text.config["max_len"], text.config["dim"]
    _export(TextGraph(text), (torch.ones(1, L, dtype=torch.long),), os.path.join(out_dir, "text_encoder.onnx"), ["tokens"], ["txt", "y"],
            {"tokens": {0: "batch", 1: "length"}, "txt": {0: "batch", 1: "length"}, "y": {0: "batch"}})
    _export(EncoderGraph(ae), (torch.zeros(1, 3, 64, 64),), os.path.join(out_dir, "ae_encoder.onnx"), ["image"], ["latent"],
            {"image": {0: "batch", 2: "height", 3: "width"}, "latent": {0: "batch", 2: "lh", 3: "lw"}})
    _export(DecoderGraph(ae), (torch.zeros(1, 16, 8, 8),), os.path.join(out_dir, "ae_decoder.onnx"), ["latent"], ["image"],
            {"latent": {0: "batch", 2: "lh", 3: "lw"}, "image": {0: "batch", 2: "height", 3: "width"}})
    n = 32
    args = (torch.zeros(1, n, 64), torch.zeros(n, 3), torch.zeros(1, L, D), torch.zeros(L, 3), torch.zeros(1, D), torch.ones(1))
    _export(flow, args, os.path.join(out_dir, "transformer.onnx"), ["img", "img_ids", "txt", "txt_ids", "y", "timesteps"], ["pred"],
            {"img": {0: "batch", 1: "tokens"}, "img_ids": {0: "tokens"}, "txt": {0: "batch", 1: "length"}, "txt_ids": {0: "length"},
             "y": {0: "batch"}, "timesteps": {0: "batch"}, "pred": {0: "batch", 1: "tokens"}})


def tokenizer_json(vocab):
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 0, "content": "<pad>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
        "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": None, "decoder": None,
        # unk_token is deliberately absent from the vocabulary: the engine refuses unknown words.
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"},
    }


def _t(name, dtype, rank):
    return {"name": name, "dtype": dtype, "rank": rank}


@torch.no_grad()
def preview_factors(ae, images):
    """Least-squares latent → mean RGB of each 8×8 block (manifest latent.previewRgb)."""
    z = ae.encode_norm(images).permute(0, 2, 3, 1).reshape(-1, 16).cpu().numpy().astype(np.float64)
    rgb = torch.nn.functional.avg_pool2d(images, 8).permute(0, 2, 3, 1).reshape(-1, 3).cpu().numpy().astype(np.float64)
    a = np.concatenate([z, np.ones((z.shape[0], 1))], axis=1)
    sol = np.linalg.lstsq(a, rgb, rcond=None)[0]
    return {"weights": [[round(float(v), 5) for v in row] for row in sol[:16]], "bias": [round(float(v), 5) for v in sol[16]]}


def manifest(model_id, name, description, ae, text, flow, preview, steps=28):
    return {
        "id": model_id, "name": name, "version": 1, "description": description,
        "components": {
            "textEncoders": [{
                "name": "text",
                "tokenizer": {"file": "tokenizer.json", "maxLength": text.config["max_len"], "padding": "max_length", "padId": 0, "closedVocabulary": True},
                "graph": {"file": "text_encoder.onnx", "inputs": {"tokens": _t("tokens", "int64", 2)},
                          "outputs": {"sequence": _t("txt", "float32", 3), "pooled": _t("y", "float32", 2)}},
            }],
            "transformer": {"file": "transformer.onnx",
                            "inputs": {"img": _t("img", "float32", 3), "imgIds": _t("img_ids", "float32", 2), "txt": _t("txt", "float32", 3),
                                       "txtIds": _t("txt_ids", "float32", 2), "pooled": _t("y", "float32", 2), "timestep": _t("timesteps", "float32", 1)},
                            "outputs": {"velocity": _t("pred", "float32", 3)}},
            "vaeEncoder": {"file": "ae_encoder.onnx", "inputs": {"image": _t("image", "float32", 4)}, "outputs": {"latent": _t("latent", "float32", 4)}},
            "vaeDecoder": {"file": "ae_decoder.onnx", "inputs": {"latent": _t("latent", "float32", 4)}, "outputs": {"image": _t("image", "float32", 4)}},
        },
        "latent": {"channels": 16, "patch": 2, "downsample": 8, "scale": float(ae.scale), "shift": float(ae.shift), "normalisedInGraph": True,
                   "previewRgb": preview},
        "rope": {"axes": flow.config["axes"], "theta": flow.config["theta"], "contextOffset": 1, "maxContexts": 2},
        "schedule": {"mu": {"kind": "constant", "value": 0.5}},
        "defaults": {"steps": steps, "guidance": 1.0},
        "guidance": {"mode": "cfg", "negative": "allPad"},
        "resolutions": [[64, 64]],
    }


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def packed_latent(ae, planes):
    return pack(ae.encode_norm(planes))
