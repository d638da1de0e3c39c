"""The Ganvas DCGAN (src/gan/models/dcgan.ts) in PyTorch, for the parity and speed benchmarks.

    python3 cli/peer/dcgan.py --data faces.f32 --count N --res 16 --width 16 --zdim 100 --batch 16 \
        --steps 500,1000,2000 --samples 512 --seed 1 --threads 1 --out DIR

Trains exactly what GanTrainer.trainStep does: one D step on a real batch (indices drawn with
replacement) and G(z) made without gradients, reals and fakes through D as one batch (D has no
batch norm, so this is exact), then one G step on fresh latents; non-saturating logistic loss;
Adam(lr, betas=(0.5, 0.999), eps=1e-8) for both. Weights N(0, 0.02), biases 0, BN scales
N(1, 0.02), BN eps 1e-5, as in Ganvas. At each step count it writes `samples-<step>.f32`: `samples`
images, NHWC float32 in [-1, 1], drawn in one batch with G in training mode, i.e. batch-statistics
BN, which is how Ganvas samples too. One JSON line per step count on stdout.
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


def build_dcgan(res, width, zdim):
    """G and D with Ganvas's layer list; see src/gan/models/dcgan.ts for shapes and why."""
    n = int(math.log2(res / 4))
    c0 = width * 2 ** (n - 1)
    g = [nn.Linear(zdim, 16 * c0), nn.Unflatten(1, (c0, 4, 4)), nn.BatchNorm2d(c0, eps=1e-5), nn.ReLU()]
    c = c0
    for i in range(1, n + 1):
        out = 3 if i == n else c // 2
        g.append(nn.ConvTranspose2d(c, out, 4, 2, 1))
        g += [nn.Tanh()] if i == n else [nn.BatchNorm2d(out, eps=1e-5), nn.ReLU()]
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
    """DCGAN paper init, as Ganvas's ParamBuilder does it."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


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
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    data = np.fromfile(a.data, dtype=np.float32).reshape(a.count, a.res, a.res, 3)
    data = torch.from_numpy(data).permute(0, 3, 1, 2).contiguous()
    G, D = build_dcgan(a.res, a.width, a.zdim)
    dcgan_init(G)
    dcgan_init(D)
    oG = torch.optim.Adam(G.parameters(), a.lr, betas=(0.5, 0.999), eps=1e-8)
    oD = torch.optim.Adam(D.parameters(), a.lr, betas=(0.5, 0.999), eps=1e-8)
    B = a.batch
    checkpoints = sorted(int(s) for s in a.steps.split(','))
    fixed_z = torch.randn(a.samples, a.zdim, generator=torch.Generator().manual_seed(a.seed ^ 0xE7A1))
    trained = 0.0
    step = 0
    for target in checkpoints:
        t0 = time.perf_counter()
        while step < target:
            reals = data[torch.randint(0, a.count, (B,))]
            with torch.no_grad():
                fakes = G(torch.randn(B, a.zdim))
            oD.zero_grad()
            real_logits, fake_logits = D(torch.cat([reals, fakes])).split(B)
            ld = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
            ld.backward()
            oD.step()
            oG.zero_grad()
            lg = F.softplus(-D(G(torch.randn(B, a.zdim)))).mean()
            lg.backward()
            oG.step()
            step += 1
        trained += time.perf_counter() - t0
        with torch.no_grad():
            samples = G(fixed_z).permute(0, 2, 3, 1).contiguous().numpy()
        path = os.path.join(a.out, f'samples-{step}.f32')
        samples.astype(np.float32).tofile(path)
        print(json.dumps({'step': step, 'seconds': trained, 'dLoss': ld.item(), 'gLoss': lg.item(), 'file': path,
                          'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)


if __name__ == '__main__':
    sys.exit(main())
