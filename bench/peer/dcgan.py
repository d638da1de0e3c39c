"""The Ganvas DCGAN (src/gan/nn/models/dcgan.ts) in PyTorch, for the parity and speed benchmarks.

    python3 bench/peer/dcgan.py --data faces.f32 --count N --res 16 --width 16 --zdim 100 --batch 16 \
        --steps 500,1000,2000 --samples 512 --seed 1 --threads 1 --out DIR

Trains exactly what GanTrainer.trainStep does: one D step on a real batch (indices drawn with
replacement) and G(z) made without gradients, reals and fakes through D as one batch (D has no
batch norm, so this is exact), then one G step on fresh latents; non-saturating logistic loss;
Adam(lr, betas=(0.5, 0.999), eps=1e-8) for both. G's hidden activation leaky ReLU 0.2 and
PyTorch's default init (weights and biases U(+-1/sqrt(fan_in)), BN scale 1, shift 0), BN eps
1e-5, as in Ganvas (docs/recipe.md); `--g-slope 0 --init paper` is the recipe Ganvas had before
(ReLU in G, weights N(0, 0.02), biases 0, BN scales N(1, 0.02)). At each step count it writes `samples-<step>.f32`: `samples`
images, NHWC float32 in [-1, 1], drawn in one batch with G in training mode, i.e. batch-statistics
BN, which is how Ganvas samples too. One JSON line per step count on stdout.

With `--lockstep DIR` it instead loads Ganvas's initial weights and the real-batch indices and
latents Ganvas used (written by bench/parity-lockstep.ts), takes `--steps` steps with them and
prints the D and G losses of every step as one JSON line.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def build_dcgan(res, width, zdim, g_slope=0.2):
    """G and D with Ganvas's layer list; see src/gan/nn/models/dcgan.ts for shapes and why.

    G's hidden activation is leaky ReLU with negative slope `g_slope` (Ganvas's G_SLOPE, 0.2);
    0 is the DCGAN paper's ReLU, which projects saved before the change still use.
    """
    n = int(math.log2(res / 4))
    c0 = width * 2 ** (n - 1)
    act = lambda: nn.LeakyReLU(g_slope) if g_slope > 0 else nn.ReLU()
    g = [nn.Linear(zdim, 16 * c0), nn.Unflatten(1, (c0, 4, 4)), nn.BatchNorm2d(c0, eps=1e-5), act()]
    c = c0
    for i in range(1, n + 1):
        out = 3 if i == n else c // 2
        g.append(nn.ConvTranspose2d(c, out, 4, 2, 1))
        g += [nn.Tanh()] if i == n else [nn.BatchNorm2d(out, eps=1e-5), act()]
        c = out
    d = []
    c = 3
    for i in range(1, n + 1):
        out = width * 2 ** (i - 1)
        d += [nn.Conv2d(c, out, 4, 2, 1), nn.LeakyReLU(0.2)]
        c = out
    d += [nn.Flatten(), nn.Linear(16 * c, 1)]
    return nn.Sequential(*g), nn.Sequential(*d)


def dcgan_init(module):
    """The DCGAN paper's init (Ganvas's init 'paper'); Ganvas's 'fan-in' init is PyTorch's default, left as built."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def step(G, D, oG, oD, reals, z_d, z_g):
    """One D step then one G step, as GanTrainer.trainStep (src/gan/train/steps.ts)."""
    B = reals.shape[0]
    with torch.no_grad():
        fakes = G(z_d)
    oD.zero_grad()
    real_logits, fake_logits = D(torch.cat([reals, fakes])).split(B)
    ld = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    ld.backward()
    oD.step()
    oG.zero_grad()
    lg = F.softplus(-D(G(z_g))).mean()
    lg.backward()
    oG.step()
    return ld.item(), lg.item()


def load_ganvas(G, D, directory, res, width):
    """Ganvas's named NHWC parameters into the PyTorch modules (NCHW layouts, same values)."""
    manifest = json.load(open(os.path.join(directory, 'lockstep-params.json')))
    flat = np.fromfile(os.path.join(directory, 'lockstep-params.f32'), dtype=np.float32)
    arrays, at = {}, 0
    for entry in manifest:
        size = int(np.prod(entry['shape']))
        arrays[entry['name']] = flat[at:at + size].reshape(entry['shape'])
        at += size
    n = int(math.log2(res / 4))
    c0 = width * 2 ** (n - 1)
    ups = [m for m in G if isinstance(m, nn.ConvTranspose2d)]
    bns = [m for m in G if isinstance(m, nn.BatchNorm2d)]
    downs = [m for m in D if isinstance(m, nn.Conv2d)]
    fc_g = next(m for m in G if isinstance(m, nn.Linear))
    fc_d = next(m for m in D if isinstance(m, nn.Linear))
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
    with torch.no_grad():
        z = arrays['g.fc.w'].shape[0]
        # Dense columns are NHWC (h, w, c) in Ganvas, rows NCHW (c, h, w) after PyTorch's Unflatten.
        fc_g.weight.copy_(t(arrays['g.fc.w'].reshape(z, 4, 4, c0).transpose(3, 1, 2, 0).reshape(16 * c0, z)))
        fc_g.bias.copy_(t(arrays['g.fc.b'].reshape(4, 4, c0).transpose(2, 0, 1).reshape(-1)))
        for i, bn in enumerate(bns):
            bn.weight.copy_(t(arrays[f'g.bn{i}.gamma']))
            bn.bias.copy_(t(arrays[f'g.bn{i}.beta']))
        for i, up in enumerate(ups, 1):  # tfjs [kh, kw, out, in] -> PyTorch [in, out, kh, kw]
            up.weight.copy_(t(arrays[f'g.up{i}.w'].transpose(3, 2, 0, 1)))
            up.bias.copy_(t(arrays[f'g.up{i}.b']))
        for i, down in enumerate(downs, 1):  # tfjs [kh, kw, in, out] -> PyTorch [out, in, kh, kw]
            down.weight.copy_(t(arrays[f'd.down{i}.w'].transpose(3, 2, 0, 1)))
            down.bias.copy_(t(arrays[f'd.down{i}.b']))
        fc_d.weight.copy_(t(arrays['d.fc.w'].reshape(4, 4, c0, 1).transpose(3, 2, 0, 1).reshape(1, 16 * c0)))
        fc_d.bias.copy_(t(arrays['d.fc.b']))


def lockstep(a, data):
    G, D = build_dcgan(a.res, a.width, a.zdim, a.g_slope)
    load_ganvas(G, D, a.lockstep, a.res, a.width)
    oG = torch.optim.Adam(G.parameters(), a.lr, betas=(0.5, 0.999), eps=1e-8)
    oD = torch.optim.Adam(D.parameters(), a.lr, betas=(0.5, 0.999), eps=1e-8)
    steps, B, Z = int(a.steps), a.batch, a.zdim
    inputs = np.fromfile(os.path.join(a.lockstep, 'lockstep-inputs.f32'), dtype=np.float32)
    idx = torch.from_numpy(inputs[:steps * B].astype(np.int64)).reshape(steps, B)
    z_d = torch.from_numpy(inputs[steps * B:steps * B * (1 + Z)].copy()).reshape(steps, B, Z)
    z_g = torch.from_numpy(inputs[steps * B * (1 + Z):].copy()).reshape(steps, B, Z)
    losses = [step(G, D, oG, oD, data[idx[i]], z_d[i], z_g[i]) for i in range(steps)]
    print(json.dumps({'d': [l[0] for l in losses], 'g': [l[1] for l in losses]}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--count', type=int, required=True)
    p.add_argument('--res', type=int, default=16)
    p.add_argument('--width', type=int, default=16)
    p.add_argument('--zdim', type=int, default=100)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--lr', type=float, default=2e-4)
    p.add_argument('--steps', default='500,1000,2000')
    p.add_argument('--samples', type=int, default=512)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', required=True)
    p.add_argument('--lockstep', default=None)
    p.add_argument('--g-slope', type=float, default=0.2, help="negative slope of G's leaky ReLU (0: ReLU)")
    p.add_argument('--init', choices=['fan-in', 'paper'], default='fan-in')
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    data = np.fromfile(a.data, dtype=np.float32).reshape(a.count, a.res, a.res, 3)
    data = torch.from_numpy(data).permute(0, 3, 1, 2).contiguous()
    if a.lockstep:
        return lockstep(a, data)
    G, D = build_dcgan(a.res, a.width, a.zdim, a.g_slope)
    if a.init == 'paper':
        dcgan_init(G)
        dcgan_init(D)
    oG = torch.optim.Adam(G.parameters(), a.lr, betas=(0.5, 0.999), eps=1e-8)
    oD = torch.optim.Adam(D.parameters(), a.lr, betas=(0.5, 0.999), eps=1e-8)
    B = a.batch
    checkpoints = sorted(int(s) for s in a.steps.split(','))
    fixed_z = torch.randn(a.samples, a.zdim, generator=torch.Generator().manual_seed(a.seed ^ 0xE7A1))
    trained = 0.0
    done = 0
    for target in checkpoints:
        t0 = time.perf_counter()
        while done < target:
            ld, lg = step(G, D, oG, oD, data[torch.randint(0, a.count, (B,))], torch.randn(B, a.zdim), torch.randn(B, a.zdim))
            done += 1
        trained += time.perf_counter() - t0
        with torch.no_grad():
            samples = G(fixed_z).permute(0, 2, 3, 1).contiguous().numpy()
        path = os.path.join(a.out, f'samples-{done}.f32')
        samples.astype(np.float32).tofile(path)
        print(json.dumps({'step': done, 'seconds': trained, 'dLoss': ld, 'gLoss': lg, 'file': path,
                          'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)


if __name__ == '__main__':
    sys.exit(main())
