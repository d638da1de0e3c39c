"""A project's generator as ONNX, to run anywhere ONNX runs (onnxruntime, onnxruntime-web, …).

    PYTHONPATH=python python3 -m ganvas_torch.export_onnx --project IN.ganvas --out G.onnx [--batch N]

Inputs: `z` float32 [N, zDim] and `psi` float32 [1], the truncation; output `images` float32
[N, res, res, 3] (NHWC, values in [-1, 1]), the layout Ganvas's generator returns.

StyleGAN: the EMA generator the page displays, w = w̄ + ψ·(mapping(z) − w̄) for every style
input, and the page's fixed display noise (seed 0, noise.py) baked in for N images.

DCGAN: ψ works as in Ganvas's DCGAN (src/gan/train/truncation.ts, BigGAN's trick): entries of z beyond ±ψ/(1−ψ) are
replaced by the first of 16 seeded redraws that falls inside (then clamped), and batch norm takes
its statistics over the truncated latents together with 64 fixed untruncated ones; ψ ≥ 1 is G(z)
as it is. The redraws are a seeded stream laid over the whole batch, so they depend on N, as in
Ganvas: the model is exported for batches of N latents (default: the page's grid).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import torch
from torch import nn

from .project import ProjectError, read_project
from .rng import Rng
from .round import DcganRun, NotYet
from .style_round import StyleganRun

OPSET = 13
# src/gan/train/truncation.ts and gan-round.ts: redraw candidates, reference rows and their seeds.
REDRAWS = 16
REFERENCE_LATENTS = 64
TRUNCATION_SEED = 0x7C0


class Sampler(nn.Module):
    """G(z) at ψ = 1; below, Ganvas's truncated latents beside its reference batch."""

    def __init__(self, generator, batch: int, zdim: int):
        super().__init__()
        self.g = generator
        stream = Rng(TRUNCATION_SEED)
        candidates = [stream.normals(batch * zdim).reshape(batch, zdim) for _ in range(REDRAWS)]
        self.register_buffer('candidates', torch.from_numpy(np.stack(candidates)))
        self.register_buffer('reference', torch.from_numpy(Rng(TRUNCATION_SEED + 1).normals(REFERENCE_LATENTS * zdim).reshape(REFERENCE_LATENTS, zdim)))

    def forward(self, z, psi):
        t = torch.clamp(psi, min=0) / (1 - psi)  # ψ = 1: +inf, nothing redrawn
        out = z
        for k in range(REDRAWS):
            out = torch.where(torch.abs(out) > t, self.candidates[k], out)
        out = torch.minimum(torch.maximum(out, -t), t)
        truncated = self.g(torch.cat([out, self.reference]))[: z.shape[0]]
        images = torch.where(psi >= 1, self.g(z), truncated)
        return images.permute(0, 2, 3, 1)


class StyleSampler(nn.Module):
    """StyleTraining.sample: G_ema with w pulled toward w̄ by ψ and the fixed display noise."""

    def __init__(self, run: StyleganRun, batch: int):
        super().__init__()
        self.g = run.G
        with torch.no_grad():
            for name, p in run.G.named().items():
                p.copy_(run.ema[name])
        for i, n in enumerate(run._display_noise(batch)):
            self.register_buffer(f'noise{i}', n)
        self.layers = len(run.G.noise_shapes(batch))

    def forward(self, z, psi):
        w = self.g.mapping(z)
        w = self.g.w_avg + (w - self.g.w_avg) * psi
        noise = [getattr(self, f'noise{i}') for i in range(self.layers)]
        return self.g.synthesis([w] * self.g.num_ws, noise).permute(0, 2, 3, 1)


def export(project_path: str, out: str, batch: int | None = None) -> dict:
    snapshot = read_project(project_path)
    stylegan = snapshot.config.get('model') == 'stylegan'
    run = StyleganRun(snapshot) if stylegan else DcganRun(snapshot)
    n = batch or run.config['gridSide'] ** 2
    sampler = (StyleSampler(run, n) if stylegan else Sampler(run.G, n, run.config['zDim'])).eval()
    z = torch.zeros(n, run.config['zDim'])
    psi = torch.ones(1)
    with torch.no_grad():
        torch.onnx.export(sampler, (z, psi), out, input_names=['z', 'psi'], output_names=['images'], opset_version=OPSET)
    return {'zDim': run.config['zDim'], 'res': run.config['res'], 'step': run.step, 'batch': n}


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m ganvas_torch.export_onnx', description=__doc__.split('\n\n')[0])
    p.add_argument('--project', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--batch', type=int, default=None, help="latents per call (default: the page's grid, gridSide²)")
    a = p.parse_args(argv)
    try:
        info = export(a.project, a.out, a.batch)
    except (ProjectError, NotYet, ValueError) as e:
        print(f'{a.project}: {e}', file=sys.stderr)
        return 2
    n, res = info['batch'], info['res']
    print(f'wrote {a.out}: the generator at step {info["step"]}, z [{n}, {info["zDim"]}] and psi [1] in, images [{n}, {res}, {res}, 3] out')
    return 0


if __name__ == '__main__':
    sys.exit(main())
