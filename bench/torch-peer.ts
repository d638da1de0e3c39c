/**
 * The PyTorch peer of our DCGAN step, for benchmarks: the same layers as src/gan/nn/models/dcgan.ts
 * (n = log2(res/4) doublings, channels doubling from `width`, BN in G only, leaky ReLU 0.2 in G and
 * D), the same init (PyTorch's default, which Ganvas's DCGAN copies), Adam, batch and non-saturating
 * loss, timed on the CPU with Debian's
 * `python3-torch` at /usr/bin/python3. Used by bench/bench.ts and bench/bench-wasm-kernels.ts.
 */
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

const TORCH_STEP = `
import time, sys, torch, torch.nn as nn
threads, res, width, B, min_seconds, min_steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
torch.manual_seed(0)
torch.set_num_threads(threads)
n = {16: 2, 32: 3, 64: 4}[res]
c0 = width * 2 ** (n - 1)
g = [nn.Linear(100, 16 * c0), nn.Unflatten(1, (c0, 4, 4)), nn.BatchNorm2d(c0), nn.LeakyReLU(0.2)]
c = c0
for i in range(1, n + 1):
    out = 3 if i == n else c // 2
    g.append(nn.ConvTranspose2d(c, out, 4, 2, 1))
    g += [nn.Tanh()] if i == n else [nn.BatchNorm2d(out), nn.LeakyReLU(0.2)]
    c = out
d, c = [], 3
for i in range(1, n + 1):
    out = width * 2 ** (i - 1)
    d += [nn.Conv2d(c, out, 4, 2, 1), nn.LeakyReLU(0.2)]
    c = out
d += [nn.Flatten(), nn.Linear(16 * c, 1)]
G, D = nn.Sequential(*g), nn.Sequential(*d)
oG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
real = torch.rand(B, 3, res, res) * 2 - 1
sp = nn.functional.softplus
def step():
    with torch.no_grad():
        fake = G(torch.randn(B, 100))
    oD.zero_grad(); ld = sp(-D(real)).mean() + sp(D(fake)).mean(); ld.backward(); oD.step()
    oG.zero_grad(); lg = sp(-D(G(torch.randn(B, 100)))).mean(); lg.backward(); oG.step()
    return ld.item() + lg.item()
for _ in range(3): step()
n, t0 = 0, time.perf_counter()
while n < min_steps or time.perf_counter() - t0 < min_seconds: step(); n += 1
print(n / (time.perf_counter() - t0), torch.__version__, torch.get_num_threads())
`;

export interface TorchShape {
  res: number;
  width: number;
  batch: number;
}

export interface TorchResult {
  stepsPerSec: number;
  version: string;
  threads: number;
  label: string;
}

const DCGAN_SMALL: TorchShape = { res: 32, width: 32, batch: 32 };

export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/**
 * PyTorch present, or installed with apt-get when it is missing; never in CI, where a benchmark
 * has no business installing system packages. Says why when it cannot.
 */
export function ensureTorch(log: (line: string) => void): boolean {
  if (torchAvailable()) return true;
  if (process.env.CI) {
    log('PyTorch: not installed, and not installing it in CI');
    return false;
  }
  log('PyTorch: not installed; apt-get install -y python3-torch');
  const r = spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: 'inherit' });
  if (r.status !== 0 || !torchAvailable()) {
    log('PyTorch: apt-get could not install python3-torch (not root, or no package lists?)');
    return false;
  }
  return true;
}

/** Steps/s of one D + G step: 3 untimed steps, then at least `minSteps` steps and `minSeconds`. */
export function torchStepsPerSecond(threads: number, shape: TorchShape = DCGAN_SMALL, minSeconds = 5, minSteps = 5): TorchResult | null {
  const args = [String(threads), String(shape.res), String(shape.width), String(shape.batch), String(minSeconds), String(minSteps)];
  const r = spawnSync(PYTHON, ['-c', TORCH_STEP, ...args], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const [sps, version, used] = r.stdout.trim().split(/\s+/);
  const label = `PyTorch ${version} CPU, ${used} thread${used === '1' ? '' : 's'}`;
  return { stepsPerSec: Number(sps), version: version!, threads: Number(used), label };
}
