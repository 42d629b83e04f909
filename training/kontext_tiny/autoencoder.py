"""The autoencoder: conv, 64×64×3 → 8×8×16 (three stride-2 downsamples) and back. Latent
normalisation z_model = scale·(z − shift) is a buffer applied inside `encode_norm`/`decode_norm`,
which are what the exported graphs contain (manifest `latent.normalisedInGraph`)."""
import torch
import torch.nn.functional as F
from torch import nn


class GroupNorm(nn.GroupNorm):
    """GroupNorm written as explicit two-pass mean/variance ops. torch.onnx exports nn.GroupNorm
    as InstanceNormalization, which onnxruntime evaluates differently enough that on nearly flat
    feature maps (a scene with no objects) the encoder's latent drifted by up to 0.08 from
    PyTorch's; the explicit form keeps the engine within 1e-5 of the goldens."""

    def forward(self, x):
        b, c, h, w = x.shape
        g = x.reshape(b, self.num_groups, -1)
        mean = g.mean(dim=-1, keepdim=True)
        d = g - mean
        # d·d and a reciprocal (not Pow and Div): onnxruntime fuses the Pow/Div pattern into its
        # LayerNormalization kernel, whose one-pass variance loses precision on flat images.
        g = d * torch.reciprocal(torch.sqrt((d * d).mean(dim=-1, keepdim=True) + self.eps))
        return g.reshape(b, c, h, w) * self.weight[None, :, None, None] + self.bias[None, :, None, None]


def _norm(ch):
    # eps 1e-2 (not 1e-6): a flat scene gives near-zero group variance, where a tiny eps turns
    # float32 rounding differences between PyTorch and onnxruntime into visible latent error.
    return GroupNorm(min(8, ch), ch, eps=1e-2)


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.n1, self.c1 = _norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = _norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.c1(F.silu(self.n1(x)))
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class Encoder(nn.Module):
    def __init__(self, ch=32, z=16):
        super().__init__()
        chs = [ch, ch * 2, ch * 4]
        layers = [nn.Conv2d(3, ch, 3, padding=1)]
        cin = ch
        for c in chs:
            layers += [ResBlock(cin, c), nn.Conv2d(c, c, 3, stride=2, padding=1)]
            cin = c
        layers += [ResBlock(cin, cin), _norm(cin), nn.SiLU(), nn.Conv2d(cin, z, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, ch=32, z=16):
        super().__init__()
        chs = [ch * 4, ch * 2, ch]
        layers = [nn.Conv2d(z, chs[0], 3, padding=1), ResBlock(chs[0], chs[0])]
        cin = chs[0]
        for c in chs:
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, c, 3, padding=1), ResBlock(c, c)]
            cin = c
        layers += [_norm(cin), nn.SiLU(), nn.Conv2d(cin, 3, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)


class AutoEncoder(nn.Module):
    def __init__(self, ch=32, z=16):
        super().__init__()
        self.config = dict(ch=ch, z=z)
        self.encoder, self.decoder = Encoder(ch, z), Decoder(ch, z)
        self.register_buffer("shift", torch.zeros(()))
        self.register_buffer("scale", torch.ones(()))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    @torch.no_grad()
    def fit_normalisation(self, images):
        """shift = mean, scale = 1/std of the raw latents of a batch of images."""
        z = self.encoder(images)
        self.shift.fill_(float(z.mean()))
        self.scale.fill_(float(1.0 / z.std()))

    def encode_norm(self, image):
        return self.scale * (self.encoder(image) - self.shift)

    def decode_norm(self, z):
        return self.decoder(z / self.scale + self.shift)


class EncoderGraph(nn.Module):
    """What ae_encoder.onnx contains: image (B,3,H,W) in [-1,1] → normalised latent."""

    def __init__(self, ae):
        super().__init__()
        self.ae = ae

    def forward(self, image):
        return self.ae.encode_norm(image)


class DecoderGraph(nn.Module):
    """What ae_decoder.onnx contains: normalised latent → image in [-1,1] (unclamped)."""

    def __init__(self, ae):
        super().__init__()
        self.ae = ae

    def forward(self, latent):
        return self.ae.decode_norm(latent)
