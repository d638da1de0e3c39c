"""One training round of Ganvas's StyleGAN (src/gan/train/gan-round.ts with style-training.ts, r1.ts).

Per round, in Ganvas's draw order from the run's stream: for each of the dSteps D steps its real
batch's indices, its latents, then the mixing draws of G's forward (a uniform; below 0.9 a cutoff
uniform and a second latent block); then each G step's latents and mixing draws. x-flip draws
come from the augmentation stream. Every synthesis call takes the next noise seed s of the run's
counter and adds tfjs's `randomNormal(seed = s·64 + layer + 1)` noise (noise.py), so the noise is
the page's too (or, with noise='torch', PyTorch's own draws: faster, not the page's).

- D main: G(z) without gradients, [reals; fakes] through D in one pass (minibatch-stddev groups
  are consecutive and divide the batch, so none straddles the halves), softplus(−real) + softplus(fake).
- Lazy R1 after the D steps k with k % r1Every == 0 (k counted over the run, from 0), when γ > 0:
  γ/2 · r1Every · mean ‖∇ₓD(x)‖² on that step's un-augmented reals, every D parameter updated
  (the last bias, which ∇ₓD never reaches, with a zero gradient, as NVlabs's D(x)·0 gives it).
  D's Adam carries NVlabs's correction for it: lr·c, β^c, c = r1Every/(r1Every + 1).
- G main: w̄ ← lerp toward the batch mean of mapping(z) (β 0.995, G's weights before the step),
  softplus(−D(G(z))) with style mixing, then G_ema ← β·G_ema + (1 − β)·G with StyleGAN2-ADA's
  β = 0.5^(batch / half-life), the half-life ramped up as emaRampup × images seen before the step.

Distributed: every rank draws the whole global batch (indices, latents, mixing, noise) and keeps
its shard; gradients are averaged over the ranks by one all-reduce per update (as NVlabs's
training loop does, rather than DDP, whose hooks do not cover R1's double backward). The shard
must hold whole minibatch-stddev groups, so each group sees the images it sees on one process.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from .noise import tfjs_normals
from .project import Snapshot, array_to_float64, dequantise, float64_to_array
from .rng import Rng
from .augment import Lens
from .round import Adam, NotYet, ReportSums, Shard, _mismatch, check_supported, grid_rgba, load_optimizers, round_extras, streams_of, take_report
from .stylegan import FIR_TAPS, StyleDiscriminator, StyleGenerator, mbstd_group_size

STYLE_MIX_PROB = 0.9
W_AVG_BETA = 0.995
NOISE_MODES = ('ganvas', 'torch')


def r1_gamma(c: dict) -> float:
    """r1.ts r1GammaOf: 0.0002·res²/batch when automatic, else the config's γ."""
    return 0.0002 * c['res'] ** 2 / c['batch'] if c.get('r1GammaAuto') else c.get('r1Gamma', 0)


def ema_beta(c: dict, images_seen: int) -> float:
    """ema.ts emaBeta with emaHalfLifeImages: β = 0.5^(batch / half-life)."""
    batch = c['batch']
    half = c['emaHalfLife'] * batch / 32
    if c.get('emaRampup', 0) > 0:
        half = min(half, c['emaRampup'] * images_seen)
    return 0.5 ** (batch / half) if half > 0 else 0.0


def f32(x: float, like: torch.Tensor) -> torch.Tensor:
    """A JS number as tfjs multiplies by it: a float32 scalar."""
    return torch.tensor(x, dtype=torch.float32, device=like.device)


class StyleganRun:
    """A StyleGAN run continued from a snapshot: G, D, G_ema, w̄, optimizers, streams, counters."""

    def __init__(self, snapshot: Snapshot, device='cpu', shard: Shard = Shard(), noise='ganvas'):
        check_supported(snapshot.config)
        if snapshot.dataset is None:
            raise NotYet('this project carries no training images; export it from the page with its dataset')
        if noise not in NOISE_MODES:
            raise ValueError(f'--noise must be one of {", ".join(NOISE_MODES)}')
        c = self.config = dict(snapshot.config)
        self.snapshot, self.device, self.shard, self.noise_mode = snapshot, torch.device(device), shard, noise
        group = mbstd_group_size(c['batch'])
        if (c['batch'] // shard.world) % group:
            raise ValueError(f'each rank\'s share of the batch ({c["batch"] // shard.world}) must hold whole minibatch-stddev groups of {group}; '
                             f'give --batch a multiple of {group * shard.world}')
        self.G = StyleGenerator(c).to(self.device)
        self.D = StyleDiscriminator(c).to(self.device)
        self._load_weights(snapshot.params)
        self.gamma = r1_gamma(c)
        k = c['r1Every']
        lazy = k / (k + 1) if self.gamma > 0 else 1.0
        self.optG = Adam(self.G.named(), c['lrG'], c['beta1'], c['beta2'])
        self.optD = Adam(self.D.named(), c['lrD'] * lazy, c['beta1'] ** lazy, c['beta2'] ** lazy)
        load_optimizers(snapshot, self.optG, self.optD, self.device)
        extras = snapshot.extras or {}
        self.rng, self.aug_rng = streams_of(snapshot)
        self.lens = Lens(c, self.aug_rng, array_to_float64(extras.get('ada.p')) or 0.0, shard.rows(c['batch']))
        self.step = int(snapshot.step)
        self.done_d = int(array_to_float64(extras.get('round.dSteps')) or self.step * c.get('dSteps', 1))
        self.done_g = int(array_to_float64(extras.get('round.gSteps')) or self.step * c.get('gSteps', 1))
        counter = array_to_float64(extras.get('noise.counter'))
        if counter is None:
            raise ValueError('the project has no noise counter (noise.counter); export it again from the page')
        self.noise_counter = int(counter)
        self.pending = ReportSums.load(extras.get('report.sums'))
        d = snapshot.dataset
        pixels = dequantise(d['pixels']).reshape(d['count'], d['res'], d['res'], 3)
        self.data = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous().to(self.device)
        self.count = d['count']
        self.group = None  # the ranks' process group, when there are several
        self.torch_noise = torch.Generator(device=self.device)

    def _load_weights(self, stored: dict):
        g, d = self.G.named(), self.D.named()
        ema = {f'ema.{n}': p for n, p in g.items()}
        buffers = {'g.wAvg': self.G.w_avg, 'g.resample': torch.zeros(4)}
        problem = _mismatch({**g, **d, **buffers, **ema}, stored, 'the saved weights')
        if problem:
            raise ValueError(problem)
        if not np.allclose(stored['g.resample'], FIR_TAPS, rtol=0, atol=1e-7):
            raise ValueError('g.resample is not the [1, 3, 3, 1] filter this model resamples with')
        with torch.no_grad():
            for name, p in {**g, **d}.items():
                p.copy_(torch.from_numpy(stored[name].copy()))
            self.G.w_avg.copy_(torch.from_numpy(stored['g.wAvg'].copy()))
        self.ema = {n: torch.from_numpy(stored[f'ema.{n}'].copy()).to(self.device) for n in g}

    def distribute(self, ranks):
        self.group = ranks.grad_group

    # --- draws -------------------------------------------------------------------------------

    def _rows(self, t):
        return t[self.shard.rows(self.config['batch'])]

    def _latents(self):
        B, Z = self.config['batch'], self.config['zDim']
        return torch.from_numpy(self.rng.normals(B * Z).reshape(B, Z)).to(self.device)

    def _reals(self):
        c = self.config
        idx = self.rng.ints(c['batch'], self.count)
        flips = self.aug_rng.uniforms(len(idx)) < 0.5 if c.get('xflip') else np.zeros(len(idx), bool)
        rows = self.shard.rows(c['batch'])
        x = self.data[torch.from_numpy(idx[rows]).to(self.device)]
        f = torch.from_numpy(flips[rows]).to(self.device)
        return torch.where(f[:, None, None, None], x.flip(3), x) if f.any() else x

    def _noise(self, seed: int | None):
        """One synthesis call's noise, this rank's rows: the page's draws for that seed (or PyTorch's)."""
        B = self.config['batch']
        if self.noise_mode == 'torch':
            # Seeded by the call's noise seed, so a run stopped and continued draws what it would have drawn.
            self.torch_noise.manual_seed(seed)
        out = []
        for layer, shape in enumerate(self.G.noise_shapes(B)):
            n = int(np.prod(shape))
            if self.noise_mode == 'ganvas':
                values = torch.from_numpy(tfjs_normals(seed * 64 + layer + 1, n)).to(self.device)
            else:
                values = torch.randn(n, generator=self.torch_noise, device=self.device)
            out.append(self._rows(values.reshape(shape)))
        return out

    def _generate(self, z_full):
        """StyleTraining.mixingGenerator: the mixing draws, then one synthesis call with the next noise seed."""
        mix = None
        if self.rng.next() < STYLE_MIX_PROB:
            cutoff = 1 + math.floor(self.rng.next() * (self.G.num_ws - 1))
            mix = (cutoff, self._rows(self._latents()))
        seed = self.noise_counter
        self.noise_counter += 1
        return self.G(self._rows(z_full), self._noise(seed), mix)

    # --- updates -----------------------------------------------------------------------------

    def _all_reduce_grads(self, named: dict):
        """Gradients averaged over the ranks (one flat all-reduce), missing ones as zeros."""
        for p in named.values():
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        if self.group is None:
            return
        flat = torch.cat([p.grad.reshape(-1) for p in named.values()])
        dist.all_reduce(flat, group=self.group)
        flat /= self.shard.world
        at = 0
        for p in named.values():
            p.grad.copy_(flat[at:at + p.numel()].reshape(p.shape))
            at += p.numel()

    def _d_main(self, reals, update):
        z = self._latents()
        with torch.no_grad():
            fakes = self._generate(z)
        self.optD.zero_grad()
        with torch.set_grad_enabled(update):
            real, fake = self.D(torch.cat([self.lens(reals), self.lens(fakes)])).split(reals.shape[0])
            loss = F.softplus(-real).mean() + F.softplus(fake).mean()
            if update:
                loss.backward()
                self._all_reduce_grads(self.D.named())
                self.optD.step()
        return [loss.detach(), torch.sigmoid(real).mean().detach(), torch.sigmoid(fake).mean().detach(), torch.sign(real).sum().detach()]

    def _d_reg(self, reals):
        """Lazy R1 when this D step is due; the penalty (unscaled) or None."""
        k = self.config['r1Every']
        if not self.gamma > 0 or self.done_d % k:
            return None
        self.optD.zero_grad()
        x = reals.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(self.D(self.lens(x)).sum(), x, create_graph=True)
        penalty = g.square().sum((1, 2, 3)).mean()
        (penalty * f32(self.gamma / 2 * k, penalty)).backward()
        self._all_reduce_grads(self.D.named())
        self.optD.step()
        return penalty.detach()

    def _g_main(self, update):
        z = self._latents()
        if update:
            self._track_w(z)
        self.optG.zero_grad()
        with torch.set_grad_enabled(update):
            loss = F.softplus(-self.D(self.lens(self._generate(z)))).mean()
            if update:
                loss.backward()
                for p in self.D.named().values():  # D's gradients from this pass are never applied
                    p.grad = None
                self._all_reduce_grads(self.G.named())
                self.optG.step()
                self._update_ema(self.done_g * self.config['batch'])
        return loss.detach()

    @torch.no_grad()
    def _track_w(self, z_full):
        mean = self.G.mapping(z_full).mean(0)
        self.G.w_avg.copy_(mean + (self.G.w_avg - mean) * f32(W_AVG_BETA, mean))

    @torch.no_grad()
    def _update_ema(self, images_seen):
        beta = ema_beta(self.config, images_seen)
        b, rest = f32(beta, self.G.w_avg), f32(1 - beta, self.G.w_avg)
        for name, p in self.G.named().items():
            self.ema[name] = self.ema[name] * b + p * rest

    def train_step(self) -> torch.Tensor:
        """One round; [gLoss, dLoss, dReal, dFake, Σsign D(real), R1, 1 if R1 ran] of this rank's shard."""
        c = self.config
        d_steps, g_steps = c.get('dSteps', 1), c.get('gSteps', 1)
        ds, r1 = [], []
        for _ in range(max(d_steps, 1)):
            reals = self._reals()
            ds.append(self._d_main(reals, update=d_steps > 0))
            if d_steps > 0:
                penalty = self._d_reg(reals)
                if penalty is not None:
                    r1.append(penalty)
                self.done_d += 1
        gs = []
        for _ in range(max(g_steps, 1)):
            gs.append(self._g_main(update=g_steps > 0))
            if g_steps > 0:
                self.done_g += 1
        self.step += 1
        d = torch.stack([torch.stack(x) for x in ds]).mean(0)
        r1_part = torch.stack([torch.stack(r1).mean(), torch.ones((), device=d.device)]) if r1 else torch.zeros(2, device=d.device)
        return torch.cat([torch.stack(gs).mean().reshape(1), d, r1_part])

    def record(self, summed: torch.Tensor, world: int):
        """Adds the ranks' summed numbers of one round to the report sums (means over the ranks)."""
        self.pending.add(torch.cat([summed[:4] / world, summed[4:5]]), float(summed[5] / world) if summed[6] > 0 else None)

    def take_report(self):
        return take_report(self.pending, self.lens, self.config['batch'])

    # --- out ---------------------------------------------------------------------------------

    def to_snapshot(self, history: list, timeline: list | None, meta: dict) -> Snapshot:
        live = {n: p.detach().cpu().numpy().astype(np.float32) for n, p in {**self.G.named(), **self.D.named()}.items()}
        live['g.wAvg'] = self.G.w_avg.detach().cpu().numpy().astype(np.float32)
        live['g.resample'] = np.array(FIR_TAPS, np.float32)
        live.update({f'ema.{n}': t.detach().cpu().numpy().astype(np.float32) for n, t in self.ema.items()})
        params = {n: live[n] for n in self.snapshot.params}  # the file's own order
        extras = round_extras(self)
        extras['noise.counter'] = float64_to_array(self.noise_counter)
        return Snapshot(config=self.config, step=self.step, rng=self.rng.save(), params=params,
                        optimizers={'g': self.optG.state(), 'd': self.optD.state()}, history=history, meta=meta,
                        extras=extras, timeline=timeline, dataset=self.snapshot.dataset)

    @torch.no_grad()
    def sample(self, z, psi=1.0, noise_seed=0):
        """StyleTraining.sample: G_ema, w pulled toward w̄ by ψ (Ganvas applies the pull even at ψ = 1), fixed noise."""
        live = {n: p.detach().clone() for n, p in self.G.named().items()}
        try:
            for n, p in self.G.named().items():
                p.copy_(self.ema[n])
            noise = self._display_noise(z.shape[0], noise_seed)
            w = self.G.mapping(z)
            w = self.G.w_avg + (w - self.G.w_avg) * f32(psi, w)
            return self.G.synthesis([w] * self.G.num_ws, noise)
        finally:
            for n, p in self.G.named().items():
                p.copy_(live[n])

    def _display_noise(self, batch, seed=0):
        """The noise of a display call with a fixed seed (the page's grid and explorer: seed 0)."""
        return [torch.from_numpy(tfjs_normals(seed * 64 + layer + 1, int(np.prod(shape)))).reshape(shape).to(self.device)
                for layer, shape in enumerate(self.G.noise_shapes(batch))]

    def grid(self) -> np.ndarray:
        side, Z = self.config['gridSide'], self.config['zDim']
        z = torch.from_numpy(Rng(self.config['seed'] ^ 0x5EED).normals(side * side * Z).reshape(-1, Z)).to(self.device)
        return grid_rgba(self.sample(z), side, self.config['res'])
