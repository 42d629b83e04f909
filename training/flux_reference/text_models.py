"""FLUX's text encoders in plain PyTorch, with transformers' parameter names so the released
state dicts (clip_l.safetensors / text_encoder/, t5xxl_*.safetensors / text_encoder_2/) load with
strict=True. Written from the published architectures (CLIP: Radford et al. 2021; T5 v1.1:
Raffel et al. 2020 with the gated-GELU feed-forward), for checking the engine's built graphs.

CLIPText: token + position embeddings, pre-norm layers with causal self-attention and a
quick-GELU MLP, final LayerNorm; pooled = the final hidden state at the argmax of the ids.
T5Encoder: RMS-style LayerNorm, unscaled attention plus a bucketed relative-position bias made
by block 0 and reused by every block, gated-GELU (tanh) feed-forward, no mask.
"""
import math

import torch
from torch import nn


class ClipAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(hidden, hidden) for _ in range(4))

    def forward(self, x, mask):
        b, n, h = x.shape
        d = h // self.heads

        def split(t):
            return t.view(b, n, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + mask, dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(b, n, h))


class ClipMlp(nn.Module):
    def __init__(self, hidden, ff):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(hidden, ff), nn.Linear(ff, hidden)

    def forward(self, x):
        x = self.fc1(x)
        return self.fc2(x * torch.sigmoid(1.702 * x))


class ClipLayer(nn.Module):
    def __init__(self, hidden, heads, ff):
        super().__init__()
        self.self_attn = ClipAttention(hidden, heads)
        self.layer_norm1 = nn.LayerNorm(hidden, eps=1e-5)
        self.mlp = ClipMlp(hidden, ff)
        self.layer_norm2 = nn.LayerNorm(hidden, eps=1e-5)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class ClipEmbeddings(nn.Module):
    def __init__(self, vocab, hidden, positions):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, hidden)
        self.position_embedding = nn.Embedding(positions, hidden)


class ClipEncoder(nn.Module):
    def __init__(self, hidden, heads, ff, layers):
        super().__init__()
        self.layers = nn.ModuleList(ClipLayer(hidden, heads, ff) for _ in range(layers))


class ClipTextModel(nn.Module):
    def __init__(self, vocab, hidden, positions, heads, ff, layers):
        super().__init__()
        self.embeddings = ClipEmbeddings(vocab, hidden, positions)
        self.encoder = ClipEncoder(hidden, heads, ff, layers)
        self.final_layer_norm = nn.LayerNorm(hidden, eps=1e-5)


class CLIPText(nn.Module):
    def __init__(self, vocab, hidden, positions, heads, ff, layers):
        super().__init__()
        self.text_model = ClipTextModel(vocab, hidden, positions, heads, ff, layers)

    def forward(self, ids):
        m = self.text_model
        n = ids.shape[1]
        x = m.embeddings.token_embedding(ids) + m.embeddings.position_embedding(torch.arange(n))
        mask = torch.full((n, n), float("-inf")).triu(1)
        for layer in m.encoder.layers:
            x = layer(x, mask)
        hidden = m.final_layer_norm(x)
        pooled = hidden[torch.arange(ids.shape[0]), ids.argmax(dim=-1)]
        return hidden, pooled


def t5_bucket(rel, buckets, max_distance):
    """Bidirectional bucket of relative positions (key - query)."""
    half = buckets // 2
    out = (rel > 0).long() * half
    n = rel.abs()
    exact = half // 2
    large = exact + (torch.log(n.float() / exact) / math.log(max_distance / exact) * (half - exact)).long()
    large = torch.minimum(large, torch.full_like(large, half - 1))
    return out + torch.where(n < exact, n, large)


class T5Norm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))


class T5Attention(nn.Module):
    def __init__(self, d, inner, heads, buckets, has_bias):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = (nn.Linear(d, inner, bias=False) for _ in range(3))
        self.o = nn.Linear(inner, d, bias=False)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(buckets, heads)

    def forward(self, x, bias):
        b, n, _ = x.shape

        def split(t):
            return t.view(b, n, self.heads, -1).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        w = torch.softmax(q @ k.transpose(-1, -2) + bias, dim=-1)
        return self.o((w @ v).transpose(1, 2).reshape(b, n, -1))


class T5SelfLayer(nn.Module):
    def __init__(self, d, inner, heads, buckets, has_bias):
        super().__init__()
        self.SelfAttention = T5Attention(d, inner, heads, buckets, has_bias)
        self.layer_norm = T5Norm(d)


class T5Gated(nn.Module):
    def __init__(self, d, ff):
        super().__init__()
        self.wi_0, self.wi_1 = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False)
        self.wo = nn.Linear(ff, d, bias=False)

    def forward(self, x):
        return self.wo(nn.functional.gelu(self.wi_0(x), approximate="tanh") * self.wi_1(x))


class T5FfLayer(nn.Module):
    def __init__(self, d, ff):
        super().__init__()
        self.DenseReluDense = T5Gated(d, ff)
        self.layer_norm = T5Norm(d)


class T5Block(nn.Module):
    def __init__(self, d, inner, heads, buckets, ff, has_bias):
        super().__init__()
        self.layer = nn.ModuleList([T5SelfLayer(d, inner, heads, buckets, has_bias), T5FfLayer(d, ff)])

    def forward(self, x, bias):
        a, f = self.layer
        x = x + a.SelfAttention(a.layer_norm(x), bias)
        return x + f.DenseReluDense(f.layer_norm(x))


class T5Stack(nn.Module):
    def __init__(self, vocab, d, inner, heads, buckets, ff, blocks):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, d)
        self.block = nn.ModuleList(T5Block(d, inner, heads, buckets, ff, i == 0) for i in range(blocks))
        self.final_layer_norm = T5Norm(d)


class T5Encoder(nn.Module):
    def __init__(self, vocab, d, inner, heads, buckets, ff, blocks, max_distance=128):
        super().__init__()
        self.shared = nn.Embedding(vocab, d)
        self.encoder = T5Stack(vocab, d, inner, heads, buckets, ff, blocks)
        self.buckets, self.max_distance = buckets, max_distance

    def forward(self, ids):
        n = ids.shape[1]
        x = self.shared(ids)
        pos = torch.arange(n)
        rel = pos[None, :] - pos[:, None]
        table = self.encoder.block[0].layer[0].SelfAttention.relative_attention_bias
        bias = table(t5_bucket(rel, self.buckets, self.max_distance)).permute(2, 0, 1)[None]
        for block in self.encoder.block:
            x = block(x, bias)
        return self.encoder.final_layer_norm(x)


def clip_from_state(state, heads=None):
    """A CLIPText sized from a state dict's shapes, loaded strictly; heads defaults to hidden / 64."""
    vocab, hidden = state["text_model.embeddings.token_embedding.weight"].shape
    positions = state["text_model.embeddings.position_embedding.weight"].shape[0]
    ff = state["text_model.encoder.layers.0.mlp.fc1.weight"].shape[0]
    layers = len({k.split(".")[3] for k in state if k.startswith("text_model.encoder.layers.")})
    model = CLIPText(vocab, hidden, positions, heads or hidden // 64, ff, layers)
    model.load_state_dict(state, strict=True)
    return model.eval()


def t5_from_state(state):
    """A T5Encoder sized from a state dict's shapes (shared and embed_tokens are the same table), loaded strictly."""
    state = dict(state)
    if "shared.weight" not in state:
        state["shared.weight"] = state["encoder.embed_tokens.weight"]
    state.setdefault("encoder.embed_tokens.weight", state["shared.weight"])
    vocab, d = state["shared.weight"].shape
    buckets, heads = state["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"].shape
    inner = state["encoder.block.0.layer.0.SelfAttention.q.weight"].shape[0]
    ff = state["encoder.block.0.layer.1.DenseReluDense.wi_0.weight"].shape[0]
    blocks = len({k.split(".")[2] for k in state if k.startswith("encoder.block.")})
    model = T5Encoder(vocab, d, inner, heads, buckets, ff, blocks)
    model.load_state_dict(state, strict=True)
    return model.eval()
