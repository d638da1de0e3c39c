"""A PyTorch StyleGAN2 with NVlabs stylegan2-ada-pytorch's semantics, the peer of Ganvas's
(src/gan/nn/models/stylegan*.ts), for the lockstep in bench/stylegan-lockstep.ts.

    python3 bench/peer/stylegan.py --dir DIR --mode check|train

Written from a reading of NVlabs's training/networks.py, training/loss.py and
torch_utils/ops/{upfirdn2d,conv2d_resample}.py, not from Ganvas's code, and laid out as NVlabs's
is (NCHW, [out, in, kh, kw] weights, separate upfirdn2d passes, the non-fused modulated conv
its training uses):

- mapping: normalize_2nd_moment(z), then dense layers with equalised lr, lr multiplier 0.01, lrelu·√2;
- synthesis ('skip'): const 4×4 → conv; per block: conv up=2 (stride-2 transposed conv, then the
  [1,3,3,1] filter with gain 4, padded as conv2d_resample pads it) → conv → toRGB (modulated, not
  demodulated, styles × 1/√in); RGB images upsampled with upsample2d and summed; each conv
  modulated and demodulated, + noise·strength (one scalar per layer), + bias, lrelu·√2;
- D ('resnet'): fromRGB; per block conv → conv down=2 (filter padded 2, stride-2 conv) with gain
  √½, skip 1×1 down=2 (filter padded 1, subsample) no bias, gain √½; epilogue minibatch stddev
  (group G, 1 channel) → conv → dense → dense;
- loss: non-saturating logistic; R1 = |∇ₓ D(x)|² summed per image, γ/2, mean over the batch,
  × the lazy interval, taken as NVlabs does: D(real) computed again on the real batch and the loss
  (D(real)·0 + R1·γ/2), so every parameter of D gets a gradient (zero for the last bias), unless
  the hand-over says Ganvas's R1 step leaves that bias out (config r1Unreached = 'ganvas');
- style mixing: with probability p, ws[:, cutoff:] from a second latent, cutoff uniform in 1..numWs−1.

Two differences from NVlabs, both relabellings of the same model family (so the peer takes Ganvas's
convention to run in lockstep, and says so): minibatch-stddev groups are consecutive images (NVlabs
strides them: image n in group n mod N/G), and D sees reals and fakes in separate passes as NVlabs
does, which is what Ganvas's consecutive groups make its single [reals; fakes] pass equal to.
conv_clamp (NVlabs: 256, for fp16) is left out: float32 activations here stay far below it.

Everything random comes from the hand-over written by the lockstep (weights, batches, latents,
mixing draws, noise), so both sides compute the same thing; see bench/stylegan-lockstep.ts.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


def fir(gain=1.0):
    """The [1, 3, 3, 1] filter as a 2-D [4, 4] tensor summing to `gain` (setup_filter, normalised)."""
    f = torch.tensor([1.0, 3.0, 3.0, 1.0])
    f = torch.outer(f, f)
    return f / f.sum() * gain


def upfirdn(x, up=1, down=1, pad=(0, 0, 0, 0), gain=1.0):
    """upfirdn2d's reference semantics: insert up−1 zeros, pad (x0, x1, y0, y1), filter (a true
    convolution with f; f is symmetric), keep every down-th pixel."""
    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    x = F.pad(x, list(pad))
    f = fir(gain).flip([0, 1])[None, None].repeat(c, 1, 1, 1)
    x = F.conv2d(x, f, groups=c)
    return x[:, :, ::down, ::down]


def lrelu(x, gain=SQRT2):
    return F.leaky_relu(x, 0.2) * gain


class Dense(torch.nn.Module):
    """FullyConnectedLayer: weight [out, in] ~ N(0, 1/lr_mul²), run-time gain lr_mul/√in, bias × lr_mul."""

    def __init__(self, fin, fout, lr_mul=1.0, bias_init=0.0, act=False):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(fout, fin) / lr_mul)
        self.bias = torch.nn.Parameter(torch.full([fout], float(bias_init)))
        self.gain, self.lr_mul, self.act = lr_mul / math.sqrt(fin), lr_mul, act

    def forward(self, x):
        y = x.matmul((self.weight * self.gain).t()) + self.bias * self.lr_mul
        return lrelu(y) if self.act else y


def modulated_conv(x, weight, styles, demodulate=True, up=False, noise=None):
    """modulated_conv2d with fused_modconv=False (NVlabs's training path): scale the input by the
    styles, convolve with the shared weight, scale the output by the demodulation coefficients."""
    n = x.shape[0]
    cout, cin, k, _ = weight.shape
    d = None
    if demodulate:
        w = weight[None] * styles.reshape(n, 1, cin, 1, 1)
        d = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
    x = x * styles.reshape(n, cin, 1, 1)
    if up:
        # conv2d_resample, up = 2, padding p = k//2: a stride-2 transposed conv (flip_weight False:
        # a true convolution), then the filter with gain 4, padded by p + (fw+1)//2 − (k−1) before
        # and p + (fw−2)//2 − (k−2) after (the transposed conv already spread k − 1 and k − 2).
        x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2)
        p0 = k // 2 + 2 - (k - 1)
        p1 = k // 2 + 1 - (k - 2)
        x = upfirdn(x, pad=(p0, p1, p0, p1), gain=4.0)
    else:
        x = F.conv2d(x, weight, padding=k // 2)
    if d is not None:
        x = x * d.reshape(n, cout, 1, 1)
    if noise is not None:
        x = x + noise
    return x


class SynthesisLayer(torch.nn.Module):
    def __init__(self, cin, cout, w_dim, up=False):
        super().__init__()
        self.affine = Dense(w_dim, cin, bias_init=1.0)
        self.weight = torch.nn.Parameter(torch.randn(cout, cin, 3, 3))
        self.noise_strength = torch.nn.Parameter(torch.zeros([]))
        self.bias = torch.nn.Parameter(torch.zeros([cout]))
        self.up = up

    def forward(self, x, w, noise):
        styles = self.affine(w)
        x = modulated_conv(x, self.weight, styles, up=self.up, noise=noise * self.noise_strength if noise is not None else None)
        return lrelu(x + self.bias.reshape(1, -1, 1, 1))


class ToRGB(torch.nn.Module):
    def __init__(self, cin, w_dim):
        super().__init__()
        self.affine = Dense(w_dim, cin, bias_init=1.0)
        self.weight = torch.nn.Parameter(torch.randn(3, cin, 1, 1))
        self.bias = torch.nn.Parameter(torch.zeros([3]))
        self.gain = 1 / math.sqrt(cin)

    def forward(self, x, w):
        return modulated_conv(x, self.weight, self.affine(w) * self.gain, demodulate=False) + self.bias.reshape(1, -1, 1, 1)


def channels(res, width, r, cap):
    return min(width * res // r, cap)


class Generator(torch.nn.Module):
    def __init__(self, res, width, z_dim, w_dim, mapping_layers, cap):
        super().__init__()
        self.mapping = torch.nn.ModuleList([Dense(z_dim if i == 0 else w_dim, w_dim, lr_mul=0.01, act=True) for i in range(mapping_layers)])
        self.resolutions = [4 * 2**i for i in range(int(math.log2(res // 4)) + 1)]
        c4 = channels(res, width, 4, cap)
        self.const = torch.nn.Parameter(torch.randn(c4, 4, 4))
        self.blocks = torch.nn.ModuleDict()
        cin = c4
        for r in self.resolutions:
            cout = channels(res, width, r, cap)
            block = torch.nn.Module()
            if r > 4:
                block.conv0 = SynthesisLayer(cin, cout, w_dim, up=True)
            block.conv1 = SynthesisLayer(cout if r > 4 else cin, cout, w_dim)
            block.torgb = ToRGB(cout, w_dim)
            self.blocks[str(r)] = block
            cin = cout
        self.num_ws = 2 * len(self.resolutions)

    def map(self, z):
        x = z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
        for layer in self.mapping:
            x = layer(x)
        return x

    def synthesis(self, ws, noise):
        """ws [N, num_ws, w_dim]; noise: one [N, 1, H, W] tensor per conv layer, coarse to fine (or None)."""
        layers = iter(noise)
        x = self.const[None].repeat(ws.shape[0], 1, 1, 1)
        img = None
        for k, r in enumerate(self.resolutions):
            block = self.blocks[str(r)]
            w0 = 2 * k - 1  # NVlabs: block k reads ws[w_idx : w_idx + convs + 1], w_idx += convs
            if r > 4:
                x = block.conv0(x, ws[:, w0], next(layers))
            x = block.conv1(x, ws[:, w0 + 1 if r > 4 else 0], next(layers))
            y = block.torgb(x, ws[:, w0 + 2 if r > 4 else 1])
            img = y if img is None else upfirdn(img, up=2, pad=(2, 1, 2, 1), gain=4.0) + y
        return img

    def forward(self, z, mix, noise):
        """NVlabs's run_G: mapping, style mixing from a second latent at `cutoff`, synthesis."""
        ws = self.map(z)[:, None].repeat(1, self.num_ws, 1)
        if mix is not None:
            cutoff, z2 = mix
            ws = torch.cat([ws[:, :cutoff], self.map(z2)[:, None].repeat(1, self.num_ws - cutoff, 1)], dim=1)
        return self.synthesis(ws, noise)


class Conv(torch.nn.Module):
    """Conv2dLayer: equalised lr, optional down = 2 with the filter, bias, lrelu·√2·gain."""

    def __init__(self, cin, cout, k, down=False, bias=True, act=True):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = torch.nn.Parameter(torch.zeros([cout])) if bias else None
        self.gain, self.down, self.act, self.k = 1 / math.sqrt(cin * k * k), down, act, k

    def forward(self, x, gain=1.0):
        w = self.weight * self.gain
        if self.down and self.k == 1:
            x = F.conv2d(upfirdn(x, down=2, pad=(1, 1, 1, 1)), w)
        elif self.down:
            p = self.k // 2 + 1
            x = F.conv2d(upfirdn(x, pad=(p, p, p, p)), w, stride=2)
        else:
            x = F.conv2d(x, w, padding=self.k // 2)
        if self.bias is not None:
            x = x + self.bias.reshape(1, -1, 1, 1)
        return lrelu(x, SQRT2 * gain) if self.act else x * gain


def minibatch_std(x, group):
    """MinibatchStdLayer(group, 1 channel), grouping consecutive images (see the module note)."""
    n, c, h, w = x.shape
    y = x.reshape(n // group, group, c, h, w)
    y = (y - y.mean(dim=1, keepdim=True)).square().mean(dim=1)
    y = (y + 1e-8).sqrt().mean(dim=[1, 2, 3])
    y = y.reshape(-1, 1, 1, 1).repeat_interleave(group, dim=0).expand(n, 1, h, w)
    return torch.cat([x, y], dim=1)


class Discriminator(torch.nn.Module):
    def __init__(self, res, width, cap, mbstd_group):
        super().__init__()
        c = lambda r: channels(res, width, r, cap)
        self.fromrgb = Conv(3, c(res), 1)
        self.resolutions = [res // 2**i for i in range(int(math.log2(res // 4)))]
        self.blocks = torch.nn.ModuleDict()
        for r in self.resolutions:
            block = torch.nn.Module()
            block.conv0 = Conv(c(r), c(r), 3)
            block.conv1 = Conv(c(r), c(r // 2), 3, down=True)
            block.skip = Conv(c(r), c(r // 2), 1, down=True, bias=False, act=False)
            self.blocks[str(r)] = block
        c4 = c(4)
        self.group = mbstd_group
        self.conv = Conv(c4 + 1, c4, 3)
        self.fc = Dense(16 * c4, c4, act=True)
        self.out = Dense(c4, 1)

    def forward(self, img):
        x = self.fromrgb(img)
        for r in self.resolutions:
            block = self.blocks[str(r)]
            y = block.skip(x, gain=math.sqrt(0.5))
            x = block.conv1(block.conv0(x), gain=math.sqrt(0.5))
            x = y + x
        x = self.conv(minibatch_std(x, self.group))
        return self.out(self.fc(x.flatten(1)))


# ---- Ganvas's named NHWC parameters ↔ these modules -------------------------------------------


def parameter_map(G, D, res):
    """Ganvas name → (module parameter, Ganvas array → PyTorch array, PyTorch array → Ganvas array)."""
    conv = (lambda a: a.transpose(3, 2, 0, 1), lambda t: t.transpose(2, 3, 1, 0))  # [k,k,in,out] ↔ [out,in,k,k]
    dense = (lambda a: a.T, lambda t: t.T)  # [in, out] ↔ [out, in]
    same = (lambda a: a, lambda t: t)
    scalar = (lambda a: a.reshape(()), lambda t: t.reshape(1))
    const = (lambda a: a.transpose(2, 0, 1), lambda t: t.transpose(1, 2, 0))
    m = {}
    for i, layer in enumerate(G.mapping):
        m[f'g.map{i}.w'] = (layer.weight, *dense)
        m[f'g.map{i}.b'] = (layer.bias, *same)
    m['g.const'] = (G.const, *const)
    for r in G.resolutions:
        block = G.blocks[str(r)]
        for i in ([0, 1] if r > 4 else [1]):
            layer = getattr(block, f'conv{i}')
            m[f'g.b{r}.conv{i}.w'] = (layer.weight, *conv)
            m[f'g.b{r}.conv{i}.b'] = (layer.bias, *same)
            m[f'g.b{r}.conv{i}.affine.w'] = (layer.affine.weight, *dense)
            m[f'g.b{r}.conv{i}.affine.b'] = (layer.affine.bias, *same)
            m[f'g.b{r}.noise{i}.strength'] = (layer.noise_strength, *scalar)
        m[f'g.b{r}.rgb.w'] = (block.torgb.weight, *conv)
        m[f'g.b{r}.rgb.b'] = (block.torgb.bias, *same)
        m[f'g.b{r}.rgb.affine.w'] = (block.torgb.affine.weight, *dense)
        m[f'g.b{r}.rgb.affine.b'] = (block.torgb.affine.bias, *same)
    m[f'd.b{res}.fromrgb.w'] = (D.fromrgb.weight, *conv)
    m[f'd.b{res}.fromrgb.b'] = (D.fromrgb.bias, *same)
    for r in D.resolutions:
        block = D.blocks[str(r)]
        for i in (0, 1):
            layer = getattr(block, f'conv{i}')
            m[f'd.b{r}.conv{i}.w'] = (layer.weight, *conv)
            m[f'd.b{r}.conv{i}.b'] = (layer.bias, *same)
        m[f'd.b{r}.skip.w'] = (block.skip.weight, *conv)
    m['d.b4.conv.w'] = (D.conv.weight, *conv)
    m['d.b4.conv.b'] = (D.conv.bias, *same)
    c4 = D.conv.weight.shape[0]
    # Ganvas flattens the 4×4 map as (h, w, c), PyTorch as (c, h, w).
    m['d.b4.fc.w'] = (
        D.fc.weight,
        lambda a: a.reshape(4, 4, c4, -1).transpose(3, 2, 0, 1).reshape(-1, 16 * c4),
        lambda t: t.reshape(-1, c4, 4, 4).transpose(2, 3, 1, 0).reshape(16 * c4, -1),
    )
    m['d.b4.fc.b'] = (D.fc.bias, *same)
    m['d.b4.out.w'] = (D.out.weight, *dense)
    m['d.b4.out.b'] = (D.out.bias, *same)
    return m


class Tape:
    """The hand-over: a JSON manifest of named float32 arrays stored back to back in one file."""

    def __init__(self, directory, stem):
        self.entries = json.load(open(os.path.join(directory, f'{stem}.json')))
        self.flat = np.fromfile(os.path.join(directory, f'{stem}.f32'), dtype=np.float32)
        self.at = {}
        offset = 0
        for e in self.entries['arrays']:
            size = int(np.prod(e['shape'])) if e['shape'] else 1
            self.at[e['name']] = (offset, e['shape'])
            offset += size

    def array(self, name):
        offset, shape = self.at[name]
        size = int(np.prod(shape)) if shape else 1
        return self.flat[offset:offset + size].reshape(shape)

    def tensor(self, name):
        return torch.from_numpy(self.array(name).copy()).to(torch.get_default_dtype())


def nhwc(a):
    """A Ganvas NHWC float32 array as an NCHW tensor of the peer's dtype."""
    return torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2).contiguous().to(torch.get_default_dtype())


def build(cfg, tape):
    G = Generator(cfg['res'], cfg['width'], cfg['zDim'], cfg['wDim'], cfg['mappingLayers'], cfg['maxChannels'])
    D = Discriminator(cfg['res'], cfg['width'], cfg['maxChannels'], cfg['mbstdGroup'])
    pmap = parameter_map(G, D, cfg['res'])
    names = [n for n in tape.at if n.startswith('param:')]
    given = {n[len('param:'):] for n in names}
    if given != set(pmap):
        raise SystemExit(f'parameter names differ: only Ganvas {sorted(given - set(pmap))}, only peer {sorted(set(pmap) - given)}')
    with torch.no_grad():
        for name, (param, to_torch, _) in pmap.items():
            value = torch.from_numpy(np.array(to_torch(tape.array("param:" + name)), dtype=np.float32))
            if tuple(value.shape) != tuple(param.shape):
                raise SystemExit(f'{name}: Ganvas {tuple(value.shape)} vs peer {tuple(param.shape)}')
            param.copy_(value)
    return G, D, pmap


class GForward:
    """One recorded generator call: latents, mixing draws (raw uniforms, read as NVlabs's run_G
    reads them) and noise per layer."""

    def __init__(self, tape, key, num_ws, mix_prob):
        self.z = tape.tensor(f'{key}:z')
        u = tape.array(f'{key}:mix')  # [u_mix, u_cutoff] or [u_mix]
        self.mix = None
        if u[0] < mix_prob:
            self.mix = (1 + int(math.floor(float(u[1]) * (num_ws - 1))), tape.tensor(f'{key}:z2'))
        layers = [n for n in tape.at if n.startswith(f'{key}:noise')]
        self.noise = [nhwc(tape.array(f'{key}:noise{i}')) for i in range(len(layers))]

    def run(self, G):
        return G(self.z, self.mix, self.noise)


def grads_out(pmap):
    return {name: from_torch(param.grad.detach().numpy()) for name, (param, _, from_torch) in pmap.items() if param.grad is not None}


def r1_loss(D, reals, gamma, gain):
    """loss.py's Dr1 phase: R1 w.r.t. the real images D is shown, (D(x)·0 + γ/2·|∇ₓD|²).mean()·gain."""
    x = reals.detach().requires_grad_(True)
    logits = D(x)
    (g,) = torch.autograd.grad(outputs=[logits.sum()], inputs=[x], create_graph=True)
    penalty = g.square().sum(dim=[1, 2, 3])
    return (logits * 0 + penalty[:, None] * (gamma / 2)).mean() * gain, penalty.mean()


def check(a):
    """Forward and backward with fixed weights: G's images, D's logits, and the gradients of the G
    loss, the D loss and the R1 loss, written back for bench/stylegan-lockstep.ts to compare."""
    tape = Tape(a.dir, 'check')
    cfg = tape.entries['config']
    G, D, pmap = build(cfg, tape)
    reals = nhwc(tape.array('reals'))
    gen = GForward(tape, 'g', G.num_ws, cfg['mixProb'])
    out = {}
    fakes = gen.run(G)
    out['fakes'] = fakes.detach().permute(0, 2, 3, 1).numpy()
    real_logits, fake_logits = D(reals), D(fakes.detach())
    out['dReal'] = real_logits.detach().numpy()
    out['dFake'] = fake_logits.detach().numpy()
    d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    d_loss.backward()
    for n, g in grads_out({k: v for k, v in pmap.items() if k.startswith('d.')}).items():
        out['dGrad:' + n] = g
    for p in D.parameters():
        p.grad = None
    g_loss = F.softplus(-D(gen.run(G))).mean()
    g_loss.backward()
    for n, g in grads_out({k: v for k, v in pmap.items() if k.startswith('g.')}).items():
        out['gGrad:' + n] = g
    for p in list(D.parameters()) + list(G.parameters()):
        p.grad = None
    loss, penalty = r1_loss(D, reals, 1.0, 1.0)
    loss.backward()
    for n, g in grads_out({k: v for k, v in pmap.items() if k.startswith('d.')}).items():
        out['r1Grad:' + n] = g
    out['losses'] = np.array([d_loss.item(), g_loss.item(), penalty.item()], dtype=np.float32)
    write(a.dir, 'check-peer', out)


def adam(params, o):
    return torch.optim.Adam(params, lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['epsilon'])


def adopt(pmap, entries):
    """Sets the gradient entries the hand-over lists ([Ganvas name, flat index in Ganvas's layout,
    value]) to Ganvas's values: entries float32 cannot resolve (bench/stylegan-lockstep.ts's
    UNRESOLVED), so both sides step from the same rounding."""
    by_name = {}
    for name, index, value in entries or []:
        by_name.setdefault(name, []).append((index, value))
    for name, items in by_name.items():
        param, to_torch, from_torch = pmap[name]
        g = np.ascontiguousarray(from_torch(param.grad.detach().cpu().numpy()))
        flat = g.reshape(-1)
        for index, value in items:
            flat[index] = value
        param.grad.copy_(torch.from_numpy(np.ascontiguousarray(to_torch(g))))


def train(a):
    """The round as the lockstep's manifest lists it, phase by phase, with NVlabs's losses."""
    tape = Tape(a.dir, 'train')
    cfg = tape.entries['config']
    G, D, pmap = build(cfg, tape)
    data = nhwc(tape.array('data'))
    opt_g = adam(G.parameters(), cfg['optG'])
    opt_d = adam(D.parameters(), cfg['optD'])
    losses = []
    for i, phases in enumerate(tape.entries['steps']):
        row = {}
        for ph in phases:
            key = f'{i}:{ph["name"]}'
            if ph['kind'] == 'D':
                reals = data[torch.from_numpy(tape.array(f'{key}:idx').astype(np.int64))]
                with torch.no_grad():
                    fakes = GForward(tape, key, G.num_ws, cfg['mixProb']).run(G)
                opt_d.zero_grad(set_to_none=True)
                # NVlabs's Dmain: fakes and reals through D in separate passes.
                loss = F.softplus(D(fakes)).mean() + F.softplus(-D(reals)).mean()
                loss.backward()
                adopt(pmap, ph.get('adopt'))
                opt_d.step()
                row['d'] = loss.item()
            elif ph['kind'] == 'R1':
                reals = data[torch.from_numpy(tape.array(f'{key}:idx').astype(np.int64))]
                opt_d.zero_grad(set_to_none=True)
                loss, penalty = r1_loss(D, reals, ph['gamma'], ph['interval'])
                loss.backward()
                adopt(pmap, ph.get('adopt'))
                if cfg['r1Unreached'] == 'ganvas':
                    # Ganvas's R1 step leaves D's last bias (which ∇ₓD never reaches) out of the
                    # update, moments untouched, while its Adam's step count, shared by all of D,
                    # still advances. NVlabs instead gives it a zero gradient (D(x)·0), so Adam
                    # decays its moments and steps it.
                    D.out.bias.grad = None
                opt_d.step()
                if cfg['r1Unreached'] == 'ganvas' and 'step' in opt_d.state[D.out.bias]:
                    opt_d.state[D.out.bias]['step'] += 1
                row['r1'] = penalty.item()
            elif ph['kind'] == 'G':
                opt_g.zero_grad(set_to_none=True)
                loss = F.softplus(-D(GForward(tape, key, G.num_ws, cfg['mixProb']).run(G))).mean()
                loss.backward()
                adopt(pmap, ph.get('adopt'))
                opt_g.step()
                row['g'] = loss.item()
        losses.append(row)
        if os.environ.get('STYLEGAN_PEER_DUMP') == str(i + 1):  # debugging: the weights after this round
            write(a.dir, f'train-params-{i + 1}', {n: from_torch(p.detach().numpy()) for n, (p, _, from_torch) in pmap.items()})
    print(json.dumps({'steps': losses, 'torch': torch.__version__}))


def write(directory, stem, arrays):
    manifest, chunks = [], []
    for name, v in arrays.items():
        v = np.asarray(v, dtype=np.float32)
        manifest.append({'name': name, 'shape': list(v.shape)})
        chunks.append(v.reshape(-1))
    json.dump({'arrays': manifest}, open(os.path.join(directory, f'{stem}.json'), 'w'))
    np.concatenate(chunks).astype(np.float32).tofile(os.path.join(directory, f'{stem}.f32'))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--dir', required=True)
    p.add_argument('--mode', choices=['check', 'train'], required=True)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--dtype', choices=['float32', 'float64'], default='float32',
                   help='float64: the same computation with less rounding, to tell rounding from a difference in the maths')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_default_dtype(getattr(torch, a.dtype))
    return check(a) if a.mode == 'check' else train(a)


if __name__ == '__main__':
    sys.exit(main())
