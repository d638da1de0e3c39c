"""Ganvas's StyleGAN2 (src/gan/nn/models/stylegan*.ts) in PyTorch, its parameters kept in Ganvas's
names and layouts, with the semantics of NVlabs's stylegan2-ada-pytorch (training/networks.py).

The layers are those the lockstep peer (bench/peer/stylegan.py) proved equal to Ganvas's model,
written here over Ganvas-named parameters as dcgan.py is, so a project's weights, Adam moments and
EMA load and save with no conversion; each forward views them in PyTorch's order:
    conv [kh, kw, in, out]   -> [out, in, kh, kw]   permute(3, 2, 0, 1)
    dense [in, out]          -> x @ w as stored
    const [4, 4, C]          -> [C, 4, 4]
    D's 4×4 dense reads the map as (h, w, c), as Ganvas flattens NHWC.

G: mapping = 2nd-moment normalisation of z, mappingLayers × (equalised dense, lr ×0.01, lrelu·√2);
synthesis ('skip'): const → per block conv (×2 up above 4×4: stride-2 transposed conv, then the
[1, 3, 3, 1] filter with gain 4) → conv → toRGB (modulated, not demodulated); RGB images upsampled
by the filter and summed. Every conv is modulated and demodulated, then + noise · strength (one
scalar per layer), + bias, lrelu·√2. D ('resnet'): fromRGB; per block conv → filtered stride-2
conv, skip: filter, subsample, 1×1 (no bias), (main + skip)·√½; minibatch stddev over groups of
consecutive images (Ganvas's convention; NVlabs strides them) → conv → dense → dense.
conv_clamp (NVlabs's fp16 guard) is left out, as in Ganvas.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .dcgan import Net

SQRT2 = math.sqrt(2.0)
SQRT1_2 = math.sqrt(0.5)
LRELU_SLOPE = 0.2
MAPPING_LR_MUL = 0.01
FIR_TAPS = (1 / 8, 3 / 8, 3 / 8, 1 / 8)
MBSTD_GROUP = 4


def block_resolutions(res: int) -> list:
    n = math.log2(res / 4)
    if not n.is_integer() or n < 1:
        raise ValueError(f'StyleGAN resolution must be 4·2^n with n ≥ 1 (got {res})')
    return [4 * 2 ** i for i in range(int(n) + 1)]


def channels_at(c: dict, r: int) -> int:
    """stylegan-layers.ts channelsAt: width·res/r, capped at 2·width (the page's default cap)."""
    return min(c['width'] * c['res'] // r, c.get('maxChannels') or 2 * c['width'])


def mbstd_group_size(batch: int, group: int = MBSTD_GROUP) -> int:
    """stylegan-d.ts mbstdGroupSize: the largest divisor of the training batch from 2 to `group`, else the batch."""
    for g in range(min(group, batch), 1, -1):
        if batch % g == 0:
            return g
    return batch


def generator_shapes(c: dict) -> dict:
    """G's parameters by Ganvas name and shape, in buildGeneratorParams's order."""
    z, w = c['zDim'], c['wDim']
    shapes = {}
    for i in range(c['mappingLayers']):
        shapes[f'g.map{i}.w'] = [z if i == 0 else w, w]
        shapes[f'g.map{i}.b'] = [w]

    def conv(block, i, cin, cout):
        shapes[f'{block}.conv{i}.w'] = [3, 3, cin, cout]
        shapes[f'{block}.conv{i}.b'] = [cout]
        shapes[f'{block}.conv{i}.affine.w'] = [w, cin]
        shapes[f'{block}.conv{i}.affine.b'] = [cin]
        shapes[f'{block}.noise{i}.strength'] = [1]
    cin = channels_at(c, 4)
    shapes['g.const'] = [4, 4, cin]
    for r in block_resolutions(c['res']):
        cout = channels_at(c, r)
        if r > 4:
            conv(f'g.b{r}', 0, cin, cout)
        conv(f'g.b{r}', 1, cout if r > 4 else cin, cout)
        shapes[f'g.b{r}.rgb.w'] = [1, 1, cout, 3]
        shapes[f'g.b{r}.rgb.b'] = [3]
        shapes[f'g.b{r}.rgb.affine.w'] = [w, cout]
        shapes[f'g.b{r}.rgb.affine.b'] = [cout]
        cin = cout
    return shapes


def discriminator_shapes(c: dict) -> dict:
    res = c['res']
    ch = lambda r: channels_at(c, r)  # noqa: E731
    shapes = {f'd.b{res}.fromrgb.w': [1, 1, 3, ch(res)], f'd.b{res}.fromrgb.b': [ch(res)]}
    for r in block_resolutions(res)[::-1][:-1]:
        shapes[f'd.b{r}.conv0.w'] = [3, 3, ch(r), ch(r)]
        shapes[f'd.b{r}.conv0.b'] = [ch(r)]
        shapes[f'd.b{r}.conv1.w'] = [3, 3, ch(r), ch(r // 2)]
        shapes[f'd.b{r}.conv1.b'] = [ch(r // 2)]
        shapes[f'd.b{r}.skip.w'] = [1, 1, ch(r), ch(r // 2)]
    c4 = ch(4)
    shapes.update({'d.b4.conv.w': [3, 3, c4 + 1, c4], 'd.b4.conv.b': [c4], 'd.b4.fc.w': [16 * c4, c4], 'd.b4.fc.b': [c4],
                   'd.b4.out.w': [c4, 1], 'd.b4.out.b': [1]})
    return shapes


# --- ops ---------------------------------------------------------------------------------------

def act(x):
    return F.leaky_relu(x, LRELU_SLOPE) * SQRT2


def torch_conv(w):
    """A Ganvas kernel [kh, kw, in, out] as PyTorch's [out, in, kh, kw], scaled by the equalised-lr gain."""
    kh, kw, cin, _ = w.shape
    return w.permute(3, 2, 0, 1) * (1 / math.sqrt(kh * kw * cin))


def dense(p, name, x, lr_mul=1.0):
    """Equalised dense: (x @ w)·lr_mul/√in, + b·lr_mul (the gain on the product, as Ganvas's eqDense)."""
    w = p(f'{name}.w')
    y = (x @ w) * (lr_mul / math.sqrt(w.shape[0]))
    return y + (p(f'{name}.b') * lr_mul if lr_mul != 1 else p(f'{name}.b'))


def fir_kernel(channels, gain, like):
    f = torch.tensor(FIR_TAPS, dtype=like.dtype, device=like.device)
    return (torch.outer(f, f) * gain)[None, None].repeat(channels, 1, 1, 1)


def upfirdn(x, up=1, down=1, pad=(0, 0, 0, 0), gain=1.0):
    """upfirdn2d: up−1 zeros after each pixel, pad (x0, x1, y0, y1), the [1,3,3,1]² filter (symmetric,
    so convolution and correlation agree), every down-th pixel."""
    n, c, h, w = (int(s) for s in x.shape)  # plain ints: the ONNX export needs the filter's shape
    if up > 1:
        x = F.pad(x.reshape(n, c, h, 1, w, 1), [0, up - 1, 0, 0, 0, up - 1]).reshape(n, c, h * up, w * up)
    x = F.conv2d(F.pad(x, list(pad)), fir_kernel(c, gain, x), groups=c)
    return x[:, :, ::down, ::down] if down > 1 else x


def modulated_conv(x, w, styles, demodulate=True, up=False):
    """Scale the input by the styles, convolve with the shared weight, scale the output by the
    demodulation (NVlabs's fused_modconv=False). Up: stride-2 transposed conv (a true
    convolution), then the filter with gain 4 padded 1 a side (conv2d_resample for k = 3)."""
    n = x.shape[0]
    weight = torch_conv(w)  # [out, in, k, k]
    k = int(w.shape[0])
    x = x * styles[:, :, None, None]
    if up:
        y = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2)
        p0, p1 = k // 2 + 2 - (k - 1), k // 2 + 1 - (k - 2)
        y = upfirdn(y, pad=(p0, p1, p0, p1), gain=4.0)
    else:
        y = F.conv2d(x, weight, padding=k // 2)
    if not demodulate:
        return y
    energy = weight.square().sum((2, 3)).t()  # [in, out]
    d = torch.rsqrt(styles.square() @ energy + 1e-8)
    return y * d.reshape(n, -1, 1, 1)


def minibatch_std(x, group):
    """One channel: per group of consecutive images, the mean over features of the within-group std."""
    n, c, h, w = x.shape
    g = min(group, n)
    while n % g:
        g -= 1
    y = x.reshape(n // g, g, c, h, w)
    std = ((y - y.mean(1, keepdim=True)).square().mean(1) + 1e-8).sqrt()
    feature = std.mean((1, 2, 3)).repeat_interleave(g).reshape(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([x, feature], 1)


# --- networks ----------------------------------------------------------------------------------

class StyleGenerator(Net):
    """G with its buffers (w̄, the filter taps) beside the parameters, and the noise of each call given."""

    def __init__(self, c: dict):
        super().__init__(generator_shapes(c))
        self.c = c
        self.resolutions = block_resolutions(c['res'])
        self.num_ws = 2 * len(self.resolutions)
        self.register_buffer('w_avg', torch.zeros(c['wDim']))

    def noise_shapes(self, batch):
        """[B, 1, H, W] of each noise input, coarse to fine (layer 0 = the 4×4 conv)."""
        return [(batch, 1, 4, 4)] + [(batch, 1, r, r) for r in self.resolutions[1:] for _ in (0, 1)]

    def mapping(self, z):
        x = z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)
        for i in range(self.c['mappingLayers']):
            x = act(dense(self.p, f'g.map{i}', x, MAPPING_LR_MUL))
        return x

    def _styled(self, block, i, x, w, noise):
        p = self.p
        y = modulated_conv(x, p(f'{block}.conv{i}.w'), dense(p, f'{block}.conv{i}.affine', w), True, up=i == 0)
        if noise is not None:
            y = y + noise * p(f'{block}.noise{i}.strength')
        return act(y + p(f'{block}.conv{i}.b')[None, :, None, None])

    def _rgb(self, block, x, w):
        p = self.p
        y = modulated_conv(x, p(f'{block}.rgb.w'), dense(p, f'{block}.rgb.affine', w), False)
        return y + p(f'{block}.rgb.b')[None, :, None, None]

    def synthesis(self, ws, noise):
        """ws: numWs tensors [B, wDim]; noise: one [B, 1, H, W] per conv layer, or None (no noise). NCHW out."""
        layers = iter(noise) if noise is not None else None
        take = (lambda: next(layers)) if layers else (lambda: None)
        b = ws[0].shape[0]
        x = self.p('g.const').permute(2, 0, 1)[None].expand(b, -1, -1, -1)
        x = self._styled('g.b4', 1, x, ws[0], take())
        img = self._rgb('g.b4', x, ws[1])
        for k, r in enumerate(self.resolutions[1:]):
            x = self._styled(f'g.b{r}', 0, x, ws[2 * k + 1], take())
            x = self._styled(f'g.b{r}', 1, x, ws[2 * k + 2], take())
            img = upfirdn(img, up=2, pad=(2, 1, 2, 1), gain=4.0) + self._rgb(f'g.b{r}', x, ws[2 * k + 3])
        return img

    def forward(self, z, noise, mix=None, psi=1.0):
        """Training's forward: w = mapping(z) for every style input, or from `mix = (cutoff, z2)` on
        from layer cutoff (style mixing); ψ < 1 pulls w toward w̄ (display only)."""
        w = self.mapping(z)
        if psi != 1:
            w = self.w_avg + (w - self.w_avg) * psi
        ws = [w] * self.num_ws
        if mix is not None:
            cutoff, z2 = mix
            w2 = self.mapping(z2)
            ws = [w if i < cutoff else w2 for i in range(self.num_ws)]
        return self.synthesis(ws, noise)


class StyleDiscriminator(Net):
    def __init__(self, c: dict):
        super().__init__(discriminator_shapes(c))
        self.res = c['res']
        self.blocks = block_resolutions(c['res'])[::-1][:-1]
        self.group = mbstd_group_size(c['batch'])

    def _conv(self, name, x):
        y = F.conv2d(x, torch_conv(self.p(f'{name}.w')), padding=self.p(f'{name}.w').shape[0] // 2)
        return y + self.p(f'{name}.b')[None, :, None, None]

    def _block(self, name, x):
        p = self.p
        y = act(self._conv(f'{name}.conv0', x))
        down = F.conv2d(upfirdn(y, pad=(2, 2, 2, 2)), torch_conv(p(f'{name}.conv1.w')), stride=2)
        down = act(down + p(f'{name}.conv1.b')[None, :, None, None])
        skip = F.conv2d(upfirdn(x, down=2, pad=(1, 1, 1, 1)), torch_conv(p(f'{name}.skip.w')))
        return (down + skip) * SQRT1_2

    def forward(self, img):  # NCHW
        x = act(self._conv(f'd.b{self.res}.fromrgb', img))
        for r in self.blocks:
            x = self._block(f'd.b{r}', x)
        x = act(self._conv('d.b4.conv', minibatch_std(x, self.group)))
        h = act(dense(self.p, 'd.b4.fc', x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)))
        return dense(self.p, 'd.b4.out', h)
