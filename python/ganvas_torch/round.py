"""One training round of Ganvas's DCGAN (GanTrainer.trainStep, src/gan/train/trainer.ts + steps.ts).

Per round, drawn from the run's stream in Ganvas's order (src/gan/train/gan-round.ts): for each
of the dSteps D steps its real batch's indices then its latents, then each G step's latents (a
frozen player, 0 steps, is evaluated once on its own draws); x-flip draws come from the separate
augmentation stream. D steps: G(z) without
gradients, reals and fakes through D as one batch, loss softplus(-real) + softplus(fake) (means).
G steps: softplus(-D(G(z))). Adam as src/gan/train/adam.ts: m, v, bias corrections, eps 1e-8.

Distributed: every rank draws the same global batch from the same stream and keeps its shard
(rank r of W takes rows [r·B/W, (r+1)·B/W)); DDP averages the gradients of the ranks' shard means,
which is the gradient of the global mean, and G's batch norm sees the global statistics (dcgan.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from .dcgan import Discriminator, Generator
from .project import Snapshot, array_to_float64, dequantise, float64_to_array
from .augment import Lens
from .rng import Rng

class NotYet(ValueError):
    """A setting this package does not train yet: said instead of training something else."""


def check_supported(config: dict):
    model = config.get('model')
    if model not in ('dcgan', 'stylegan'):
        raise NotYet(f'ganvas_torch trains DCGAN and StyleGAN projects; this one is {model}')


def dcgan_r1_gamma(config: dict) -> float:
    """r1.ts r1GammaOf for DCGAN: r1Gamma when r1GammaAuto is off; automatic means R1 off."""
    return 0.0 if config.get('r1GammaAuto', True) else float(config.get('r1Gamma', 0))


def check_trainable_dcgan(config: dict):
    """What DcganRun.round cannot train, refused before training (exporting such a G is fine)."""
    if dcgan_r1_gamma(config) > 0:
        raise NotYet(f"ganvas_torch does not train DCGAN with R1 yet (this project's r1Gamma is {config['r1Gamma']}); "
                     'continue it in the page or the CLI, or set r1Gamma to 0')


class Adam:
    """src/gan/train/adam.ts over named parameters: m, v and t exactly as a project stores them."""

    def __init__(self, params: dict, lr, beta1, beta2, eps=1e-8):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, beta1, beta2, eps
        self.m = {n: torch.zeros_like(p) for n, p in params.items()}
        self.v = {n: torch.zeros_like(p) for n, p in params.items()}
        self.t = 0

    @torch.no_grad()
    def step(self):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for name, p in self.params.items():
            if p.grad is None:
                continue
            g, m, v = p.grad, self.m[name], self.v[name]
            m.copy_(m * self.b1 + g * (1 - self.b1))
            v.copy_(v * self.b2 + g * g * (1 - self.b2))
            p.sub_(m * (self.lr / c1) / (torch.sqrt(v / c2) + self.eps))

    def zero_grad(self):
        for p in self.params.values():
            p.grad = None

    def state(self) -> dict:
        weights = {}
        for name in self.params:
            weights[f'{name}/m'] = self.m[name].detach().cpu().numpy().astype(np.float32)
            weights[f'{name}/v'] = self.v[name].detach().cpu().numpy().astype(np.float32)
        return {'iterations': self.t, 'weights': weights}

    def load(self, state: dict, device):
        for name in self.params:
            self.m[name] = torch.from_numpy(state['weights'][f'{name}/m'].copy()).to(device)
            self.v[name] = torch.from_numpy(state['weights'][f'{name}/v'].copy()).to(device)
        self.t = int(state['iterations'])


class ReportSums:
    """The numbers summed since the last report (src/gan/train/report.ts RunningMeans), kept in the
    file as 'report.sums' ([sums; counts] over gLoss, dLoss, dReal, dFake, realSigns, r1), so a
    run resumed between two reports makes the report the straight run makes. Each key has its
    own count: R1 is only summed in the rounds that ran it."""
    KEYS = ('gLoss', 'dLoss', 'dReal', 'dFake', 'realSigns', 'r1')

    def __init__(self):
        self.sums = torch.zeros(len(self.KEYS), dtype=torch.float64)
        self.counts = [0] * len(self.KEYS)

    @classmethod
    def load(cls, a):
        r = cls()
        n = len(cls.KEYS)
        if a is not None and a.size == 2 * n:
            rows = a.reshape(2, n)
            r.sums = torch.from_numpy(rows[0].astype(np.float64))
            r.counts = [int(c) for c in rows[1]]
        return r

    @property
    def count(self) -> int:
        return self.counts[0]

    def add(self, values: torch.Tensor, r1: float | None = None):
        """values: [gLoss, dLoss, dReal, dFake, realSigns] of one round; r1 when the round ran it."""
        self.sums[:5] += values[:5].to(torch.float64)
        for i in range(5):
            self.counts[i] += 1
        if r1 is not None:
            self.sums[5] += r1
            self.counts[5] += 1

    def take(self):
        """Means since the last report (r1: None when no round ran it) and how many rounds they cover; starts afresh."""
        means = [s / max(c, 1) for s, c in zip(self.sums.tolist(), self.counts)]
        r1, n = (means[5] if self.counts[5] else None), self.count
        self.__init__()
        return means[:5], r1, n

    def save(self) -> np.ndarray:
        return np.array([*self.sums.tolist(), *self.counts], np.float32).reshape(2, len(self.KEYS))


def take_report(pending: ReportSums, lens: Lens, batch: int):
    """The report's means (ReportSums.take) after ADA's p has moved on the reals they cover, as
    GanRound.report does: Σ sign D(real) over (rounds' D steps · batch) real images."""
    if lens.ada:
        i = ReportSums.KEYS.index('realSigns')
        lens.ada.update(float(pending.sums[i]), pending.counts[i] * batch, batch)
    return pending.take()


@dataclass
class Shard:
    rank: int = 0
    world: int = 1

    def rows(self, batch: int) -> slice:
        if batch % self.world:
            raise ValueError(f'the global batch {batch} does not split evenly over {self.world} ranks')
        per = batch // self.world
        return slice(self.rank * per, (self.rank + 1) * per)


def _mismatch(named: dict, stored: dict, what: str):
    for name, p in named.items():
        if name not in stored:
            return f'{what} has no {name}'
        if list(stored[name].shape) != list(p.shape):
            return f"{what}: {name} is {'×'.join(map(str, stored[name].shape))} but the model needs {'×'.join(map(str, p.shape))}"
    extra = [n for n in stored if n not in named]
    return f'{what} has {extra[0]}, which this model does not' if extra else None


class DcganRun:
    """A DCGAN run continued from a snapshot: models, optimizers, streams, dataset and counters."""

    def __init__(self, snapshot: Snapshot, device='cpu', shard: Shard = Shard(), bn_group=None):
        check_supported(snapshot.config)
        if snapshot.dataset is None:
            raise NotYet('this project carries no training images; export it from the page with its dataset')
        c = self.config = dict(snapshot.config)
        self.snapshot, self.device, self.shard = snapshot, torch.device(device), shard
        extras = snapshot.extras or {}
        slope = array_to_float64(extras.get('g.slope'))
        self.G = Generator(c['res'], c['width'], c['zDim'], 0.0 if slope is None else slope, bn_group).to(self.device)
        self.D = Discriminator(c['res'], c['width'], c['zDim']).to(self.device)
        for what, net in (('the saved weights', self.G), ('the saved weights', self.D)):
            named = net.named()
            stored = {k: v for k, v in snapshot.params.items() if k.split('.')[0] == next(iter(named)).split('.')[0]}
            problem = _mismatch(named, stored, what)
            if problem:
                raise ValueError(problem)
            with torch.no_grad():
                for name, p in named.items():
                    p.copy_(torch.from_numpy(stored[name].copy()))
        other = [k for k in snapshot.params if k.split('.')[0] not in ('g', 'd')]
        if other:
            raise ValueError(f'the saved weights have {other[0]}, which this model does not')
        self.optG = Adam(self.G.named(), c['lrG'], c['beta1'], c['beta2'])
        self.optD = Adam(self.D.named(), c['lrD'], c['beta1'], c['beta2'])
        load_optimizers(snapshot, self.optG, self.optD, self.device)
        self.rng, self.aug_rng = streams_of(snapshot)
        self.lens = Lens(c, self.aug_rng, array_to_float64(extras.get('ada.p')) or 0.0, shard.rows(c['batch']))
        self.step = int(snapshot.step)
        # Updates done so far (R1's and the EMA's clocks in Ganvas; files from before them: the step count).
        self.done_d = int(array_to_float64(extras.get('round.dSteps')) or self.step * c.get('dSteps', 1))
        self.done_g = int(array_to_float64(extras.get('round.gSteps')) or self.step * c.get('gSteps', 1))
        self.pending = ReportSums.load(extras.get('report.sums'))
        d = snapshot.dataset
        pixels = dequantise(d['pixels']).reshape(d['count'], d['res'], d['res'], 3)
        self.data = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous().to(self.device)
        self.count = d['count']

    # --- one round -------------------------------------------------------------------------

    def _latents(self):
        B, Z = self.config['batch'], self.config['zDim']
        z = torch.from_numpy(self.rng.normals(B * Z).reshape(B, Z))
        return z[self.shard.rows(B)].to(self.device)

    def _reals(self, idx: np.ndarray):
        rows = self.shard.rows(self.config['batch'])
        flips = self.aug_rng.uniforms(len(idx)) < 0.5 if self.config.get('xflip') else np.zeros(len(idx), bool)
        x = self.data[torch.from_numpy(idx[rows]).to(self.device)]
        f = torch.from_numpy(flips[rows]).to(self.device)
        return torch.where(f[:, None, None, None], x.flip(3), x) if f.any() else x

    def _d_step(self, reals, z, update=True):
        with torch.no_grad():
            fakes = self.G(z)
        self.optD.zero_grad()
        with torch.set_grad_enabled(update):
            logits = self.Dw(torch.cat([self.lens(reals), self.lens(fakes)]))
            real, fake = logits.split(reals.shape[0])
            loss = F.softplus(-real).mean() + F.softplus(fake).mean()
            if update:
                loss.backward()
                self.optD.step()
        return [loss.detach(), torch.sigmoid(real).mean().detach(), torch.sigmoid(fake).mean().detach(), torch.sign(real).sum().detach()]

    def _g_step(self, z, update=True):
        self.optG.zero_grad()
        with torch.set_grad_enabled(update):
            # D unwrapped: its gradients from this pass are never applied (zeroed before D's step).
            loss = F.softplus(-self.D(self.lens(self.Gw(z)))).mean()
            if update:
                loss.backward()
                self.optG.step()
        return loss.detach()

    def train_step(self) -> torch.Tensor:
        """One round; [gLoss, dLoss, dReal, dFake, Σsign D(real)] of this rank's shard (means over the round)."""
        c = self.config
        d_steps, g_steps = c.get('dSteps', 1), c.get('gSteps', 1)
        ds = []
        for _ in range(max(d_steps, 1)):
            reals = self._reals(self.rng.ints(c['batch'], self.count))
            ds.append(self._d_step(reals, self._latents(), update=d_steps > 0))
        gs = [self._g_step(self._latents(), update=g_steps > 0) for _ in range(max(g_steps, 1))]
        self.step += 1
        self.done_d += d_steps
        self.done_g += g_steps
        d = torch.stack([torch.stack(x) for x in ds]).mean(0)
        return torch.cat([torch.stack(gs).mean().reshape(1), d])

    def record(self, summed: torch.Tensor, world: int):
        """Adds the ranks' summed numbers of one round to the report sums (means over the ranks)."""
        self.pending.add(torch.cat([summed[:4] / world, summed[4:5]]))

    def take_report(self):
        return take_report(self.pending, self.lens, self.config['batch'])

    def distribute(self, ranks):
        from torch.nn.parallel import DistributedDataParallel as DDP
        ids = [ranks.device.index] if ranks.device.type == 'cuda' else None
        self.ddp_G = DDP(self.G, device_ids=ids, broadcast_buffers=False)
        self.ddp_D = DDP(self.D, device_ids=ids, broadcast_buffers=False)

    @property
    def Gw(self):
        return getattr(self, 'ddp_G', self.G)

    @property
    def Dw(self):
        return getattr(self, 'ddp_D', self.D)

    # --- out -------------------------------------------------------------------------------

    def to_snapshot(self, history: list, timeline: list | None, meta: dict) -> Snapshot:
        params = {n: p.detach().cpu().numpy().astype(np.float32) for n, p in {**self.G.named(), **self.D.named()}.items()}
        extras = round_extras(self)
        extras['g.slope'] = float64_to_array(self.G.slope)
        return Snapshot(config=self.config, step=self.step, rng=self.rng.save(), params=params,
                        optimizers={'g': self.optG.state(), 'd': self.optD.state()}, history=history, meta=meta,
                        extras=extras, timeline=timeline, dataset=self.snapshot.dataset)

    @torch.no_grad()
    def grid(self) -> np.ndarray:
        """The page's sample grid (fixed latents of seed ^ 0x5eed, one batch, 1-px transparent gaps) as RGBA."""
        side, Z, res = self.config['gridSide'], self.config['zDim'], self.config['res']
        z = torch.from_numpy(Rng(self.config['seed'] ^ 0x5EED).normals(side * side * Z).reshape(-1, Z)).to(self.device)
        if self.G.bn.group is not None:  # a forward alone, outside the ranks' lockstep
            group, self.G.bn.group = self.G.bn.group, None
            imgs = self.G(z)
            self.G.bn.group = group
        else:
            imgs = self.G(z)
        return grid_rgba(imgs, side, res)


def grid_rgba(imgs: torch.Tensor, side: int, res: int) -> np.ndarray:
    """NCHW images in [-1, 1] as the page's grid: side × side tiles, 1-px transparent gaps, RGBA."""
    rgb = np.clip((imgs.permute(0, 2, 3, 1).cpu().numpy() + 1) * 127.5, 0, 255)
    t = res + 1
    out = np.zeros((side * t - 1, side * t - 1, 4), np.uint8)
    for i in range(side * side):
        r, col = divmod(i, side)
        out[r * t:r * t + res, col * t:col * t + res, :3] = np.rint(rgb[i])
        out[r * t:r * t + res, col * t:col * t + res, 3] = 255
    return out


def round_extras(trainer) -> dict:
    """The trainer extras both rounds (this DCGAN one and style_round's) write back: the file's own
    extras, updated with the augmentation stream, ADA's p, the round's D/G step counters and the
    report sums not yet reported (trainer.ts keeps the same)."""
    extras = dict(trainer.snapshot.extras or {})
    aug = trainer.aug_rng.save()
    extras['rng.aug.state'] = float64_to_array(aug['state'])
    if aug['spare'] is not None:
        extras['rng.aug.spare'] = float64_to_array(aug['spare'])
    else:
        extras.pop('rng.aug.spare', None)
    extras['ada.p'] = float64_to_array(trainer.lens.ada.p if trainer.lens.ada else 0.0)
    extras['round.dSteps'] = float64_to_array(trainer.done_d)
    extras['round.gSteps'] = float64_to_array(trainer.done_g)
    extras['report.sums'] = trainer.pending.save()
    extras['report.rounds'] = float64_to_array(trainer.pending.count)  # rounds since the last report (trainer.ts pending)
    return extras


def load_optimizers(snapshot: Snapshot, opt_g: Adam, opt_d: Adam, device) -> None:
    """Both players' Adam moments from the file, each checked against the model's parameters first."""
    for what, opt, key in (("the generator's optimizer state", opt_g, 'g'), ("the discriminator's optimizer state", opt_d, 'd')):
        state = snapshot.optimizers.get(key)
        if state is None:
            raise ValueError(f'{what} is missing')
        problem = _mismatch({f'{n}/{s}': p for n, p in opt.params.items() for s in ('m', 'v')}, state['weights'], what)
        if problem:
            raise ValueError(problem)
        opt.load(state, device)


def streams_of(snapshot: Snapshot) -> tuple[Rng, Rng]:
    """The run's main random stream and its augmentation stream (seeded from the run's seed when
    a file saved before augmentation had one), where the file left them."""
    extras = snapshot.extras or {}
    main = Rng(state=snapshot.rng['state'], spare=snapshot.rng.get('spare'))
    aug_state = array_to_float64(extras.get('rng.aug.state'))
    if aug_state is None:
        return main, Rng(snapshot.config['seed'] ^ 0xA06)
    return main, Rng(state=int(aug_state), spare=array_to_float64(extras.get('rng.aug.spare')))
