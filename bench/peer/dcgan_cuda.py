"""The Ganvas DCGAN training step in PyTorch on CUDA, timed, for bench/bench-webgpu-node.ts.

    python3 bench/peer/dcgan_cuda.py RES WIDTH BATCH

The network is bench/peer/dcgan.py's build_dcgan (BN in G only, leaky ReLU
0.2 in G and D, tanh out), Adam(2e-4, (0.5, 0.999)), non-saturating loss, one D step (reals
and G(z) as one batch) and one G step, with a read of the losses each step as Ganvas does.
Prints "steps_per_sec torch_version device". Exits 3 when torch has no CUDA device.
"""
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dcgan import build_dcgan  # noqa: E402  (the peer's network, one definition)

if not torch.cuda.is_available():
    print("no CUDA device", file=sys.stderr)
    sys.exit(3)

res, width, batch = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
dev = torch.device("cuda")
torch.manual_seed(0)
G, D = (net.to(dev) for net in build_dcgan(res, width, 100))
oG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
real = torch.rand(batch, 3, res, res, device=dev) * 2 - 1
sp = nn.functional.softplus


def step():
    with torch.no_grad():
        fake = G(torch.randn(batch, 100, device=dev))
    logits = D(torch.cat([real, fake]))
    oD.zero_grad()
    ld = sp(-logits[:batch]).mean() + sp(logits[batch:]).mean()
    ld.backward()
    oD.step()
    oG.zero_grad()
    lg = sp(-D(G(torch.randn(batch, 100, device=dev)))).mean()
    lg.backward()
    oG.step()
    return ld.item() + lg.item()


for _ in range(5):
    step()
steps, t0 = 0, time.perf_counter()
while steps < 20 or time.perf_counter() - t0 < 2:
    step()
    steps += 1
print(steps / (time.perf_counter() - t0), torch.__version__, torch.cuda.get_device_name(0))
