"""Ganvas's DCGAN (src/gan/nn/models/dcgan.ts) in PyTorch, its parameters kept in Ganvas's layouts.

The layers are those of the PyTorch peer (bench/peer/dcgan.py, equal to Ganvas in lockstep):
G: dense z -> 4x4xc0, BN, leaky ReLU (slope from the project, 0 = ReLU), n-1 x [4x4 stride-2
transposed conv, channels halve, BN, act], a last transposed conv to 3 channels, tanh; D: n x [4x4
stride-2 conv, leaky ReLU 0.2], flatten, dense to one logit. Activations run NCHW as PyTorch likes;
the parameters stay as Ganvas names and shapes them ("g.up1.w" is [kh, kw, out, in], dense
columns in NHWC order), so a project's weights and Adam moments load and save with no conversion,
and each forward views them in PyTorch's order:
    conv [kh, kw, in, out]          -> [out, in, kh, kw]   permute(3, 2, 0, 1)
    transposed [kh, kw, out, in]    -> [in, out, kh, kw]   permute(3, 2, 0, 1)
    dense columns (h, w, c) <-> NCHW by a reshape to NHWC and a permute.

Batch norm uses the statistics of the whole batch it is given. Under torch.distributed (one shard
of the global batch per rank) `GlobalBatchNorm` sums each channel's count, sum and squared deviation
over all ranks with a differentiable all-reduce, so 2 ranks x B/2 normalise with exactly the
statistics 1 rank x B does (SyncBatchNorm's idea; Debian's torch 1.13 SyncBatchNorm wants CUDA).
"""
from __future__ import annotations

import math

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

BN_EPS = 1e-5
D_SLOPE = 0.2


def doublings(res: int) -> int:
    n = math.log2(res / 4)
    if not n.is_integer() or n < 1:
        raise ValueError(f'DCGAN resolution must be 4·2^n (got {res})')
    return int(n)


def param_shapes(res: int, width: int, zdim: int) -> dict:
    """Every parameter's Ganvas name and shape, in Ganvas's order (buildDcgan)."""
    n = doublings(res)
    c0 = width * 2 ** (n - 1)
    shapes = {'g.fc.w': [zdim, 16 * c0], 'g.fc.b': [16 * c0], 'g.bn0.gamma': [c0], 'g.bn0.beta': [c0]}
    c = c0
    for i in range(1, n + 1):
        out = 3 if i == n else c // 2
        shapes[f'g.up{i}.w'] = [4, 4, out, c]
        shapes[f'g.up{i}.b'] = [out]
        if i < n:
            shapes[f'g.bn{i}.gamma'] = [out]
            shapes[f'g.bn{i}.beta'] = [out]
        c = out
    c = 3
    for i in range(1, n + 1):
        out = width * 2 ** (i - 1)
        shapes[f'd.down{i}.w'] = [4, 4, c, out]
        shapes[f'd.down{i}.b'] = [out]
        c = out
    shapes['d.fc.w'] = [16 * c, 1]
    shapes['d.fc.b'] = [1]
    return shapes


class GlobalBatchNorm(nn.Module):
    """Training-mode BN over the global batch: channel statistics summed across ranks when a group is set."""

    def __init__(self, group=None):
        super().__init__()
        self.group = group

    def _sum(self, t):
        if self.group is None:
            return t
        import torch.distributed.nn.functional as dnn
        return dnn.all_reduce(t, op=dist.ReduceOp.SUM, group=self.group)

    def forward(self, x, gamma, beta):
        if self.group is None:  # one process (and what ONNX export traces: no batch size baked in)
            mean = x.mean((0, 2, 3))
            centred = x - mean[None, :, None, None]
            var = (centred * centred).mean((0, 2, 3))
        else:
            count = self._sum(torch.tensor([x.shape[0] * x.shape[2] * x.shape[3]], dtype=x.dtype, device=x.device))
            mean = self._sum(x.sum((0, 2, 3))) / count
            centred = x - mean[None, :, None, None]
            var = self._sum((centred * centred).sum((0, 2, 3))) / count
        return centred * torch.rsqrt(var + BN_EPS)[None, :, None, None] * gamma[None, :, None, None] + beta[None, :, None, None]


class Net(nn.Module):
    """Parameters by Ganvas name (nn.Module names cannot hold dots, so they are kept in a dict)."""

    def __init__(self, shapes: dict):
        super().__init__()
        self.names = list(shapes)
        self.store = nn.ParameterList([nn.Parameter(torch.zeros(s)) for s in shapes.values()])

    def p(self, name: str) -> torch.Tensor:
        return self.store[self.names.index(name)]

    def named(self) -> dict:
        return dict(zip(self.names, self.store))


class Generator(Net):
    def __init__(self, res, width, zdim, slope, bn_group=None):
        shapes = {k: v for k, v in param_shapes(res, width, zdim).items() if k.startswith('g.')}
        super().__init__(shapes)
        self.n, self.c0, self.slope = doublings(res), width * 2 ** (doublings(res) - 1), slope
        self.bn = GlobalBatchNorm(bn_group)

    def act(self, x):
        return F.relu(x) if self.slope == 0 else F.leaky_relu(x, self.slope)

    def forward(self, z):
        p = self.p
        x = (z @ p('g.fc.w') + p('g.fc.b')).reshape(z.shape[0], 4, 4, self.c0).permute(0, 3, 1, 2)
        x = self.act(self.bn(x, p('g.bn0.gamma'), p('g.bn0.beta')))
        for i in range(1, self.n + 1):
            x = F.conv_transpose2d(x, p(f'g.up{i}.w').permute(3, 2, 0, 1), p(f'g.up{i}.b'), stride=2, padding=1)
            x = torch.tanh(x) if i == self.n else self.act(self.bn(x, p(f'g.bn{i}.gamma'), p(f'g.bn{i}.beta')))
        return x  # NCHW in [-1, 1]


class Discriminator(Net):
    def __init__(self, res, width, zdim):
        shapes = {k: v for k, v in param_shapes(res, width, zdim).items() if k.startswith('d.')}
        super().__init__(shapes)
        self.n = doublings(res)

    def forward(self, x):  # NCHW
        p = self.p
        for i in range(1, self.n + 1):
            x = F.leaky_relu(F.conv2d(x, p(f'd.down{i}.w').permute(3, 2, 0, 1), p(f'd.down{i}.b'), stride=2, padding=1), D_SLOPE)
        flat = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # Ganvas flattens NHWC
        return flat @ p('d.fc.w') + p('d.fc.b')
