"""A project's generator as ONNX, to run anywhere ONNX runs (onnxruntime, onnxruntime-web, …).

    PYTHONPATH=python python3 -m ganvas_torch.export_onnx --project IN.ganvas --out G.onnx

Inputs: `z` float32 [N, zDim] and `psi` float32 [1], the truncation; output `images` float32
[N, res, res, 3] (NHWC, values in [-1, 1]), the layout Ganvas's generator returns. As in Ganvas's
DCGAN, truncation scales the latent toward the origin (z·ψ), and batch norm uses the statistics
of the batch it is given (Ganvas samples that way too), so N images come out as Ganvas draws them
for the same N latents.
"""
from __future__ import annotations

import argparse
import sys

import torch
from torch import nn

from .project import ProjectError, read_project
from .round import DcganRun, NotYet

OPSET = 13


class Sampler(nn.Module):
    def __init__(self, generator):
        super().__init__()
        self.g = generator

    def forward(self, z, psi):
        return self.g(z * psi).permute(0, 2, 3, 1)


def export(project_path: str, out: str, batch: int = 4) -> dict:
    run = DcganRun(read_project(project_path))
    sampler = Sampler(run.G).eval()
    z = torch.zeros(batch, run.config['zDim'])
    psi = torch.ones(1)
    with torch.no_grad():
        torch.onnx.export(sampler, (z, psi), out, input_names=['z', 'psi'], output_names=['images'], opset_version=OPSET,
                          dynamic_axes={'z': {0: 'n'}, 'images': {0: 'n'}})
    return {'zDim': run.config['zDim'], 'res': run.config['res'], 'step': run.step}


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m ganvas_torch.export_onnx', description=__doc__.split('\n\n')[0])
    p.add_argument('--project', required=True)
    p.add_argument('--out', required=True)
    a = p.parse_args(argv)
    try:
        info = export(a.project, a.out)
    except (ProjectError, NotYet, ValueError) as e:
        print(f'{a.project}: {e}', file=sys.stderr)
        return 2
    print(f'wrote {a.out}: the generator at step {info["step"]}, z [N, {info["zDim"]}] and psi [1] in, images [N, {info["res"]}, {info["res"]}, 3] out')
    return 0


if __name__ == '__main__':
    sys.exit(main())
