"""PyTorch peer for the projection's noise maps (src/gan/explore/projection-noise.ts).

Written from NVlabs's stylegan2-ada-pytorch projector.py (the noise regulariser and the
renormalisation after each step), in float64. Reads {"maps": [[[...], ...], ...]} (square maps,
row-major nested lists) on stdin; writes {"penalty", "grads", "normalised"} on stdout: the
regulariser's value, its gradient with respect to every map, and every map renormalised.
"""
import json
import sys

import torch
import torch.nn.functional as F


def regulariser(maps):
    loss = torch.zeros((), dtype=torch.float64)
    for v in maps:
        x = v[None, None, :, :]  # [1, 1, H, W] for avg_pool2d
        while True:
            loss = loss + (x * torch.roll(x, shifts=1, dims=3)).mean() ** 2
            loss = loss + (x * torch.roll(x, shifts=1, dims=2)).mean() ** 2
            if x.shape[2] <= 8:
                break
            x = F.avg_pool2d(x, kernel_size=2)
    return loss


def main():
    given = json.load(sys.stdin)
    maps = [torch.tensor(m, dtype=torch.float64, requires_grad=True) for m in given["maps"]]
    loss = regulariser(maps)
    loss.backward()
    normalised = []
    with torch.no_grad():
        for m in maps:
            n = m.detach().clone()
            n -= n.mean()
            n *= n.square().mean().rsqrt()
            normalised.append(n.tolist())
    json.dump({"penalty": loss.item(), "grads": [m.grad.tolist() for m in maps], "normalised": normalised}, sys.stdout)


if __name__ == "__main__":
    main()
