"""Continue a Ganvas run in PyTorch, on one process or under torchrun with DDP, or start one.

    PYTHONPATH=python python3 -m ganvas_torch.train --project IN.ganvas --steps K --out OUT.ganvas
    PYTHONPATH=python torchrun --nproc_per_node N -m ganvas_torch.train --project IN.ganvas --steps K --out OUT.ganvas
    PYTHONPATH=python python3 -m ganvas_torch.train --data DIR|ZIP [--model stylegan] [--res 64] [--set KEY=VALUE …] --steps K --out OUT.ganvas

The run trains from IN's step to IN's step + K with IN's settings; `--batch` is the global batch
(each of the N ranks trains its shard; default: the project's). Rank 0 alone writes: OUT (every
`--checkpoint-every` steps, at the end, and when SIGTERM arrives) and one JSON line per report to
`--metrics` (default metrics.jsonl beside OUT), the CLI's format. Running the same command again
after a stop continues from OUT (same run, step between IN's and the target); `--fresh` starts
from IN regardless. OUT is a .ganvas the page opens: its history continues IN's.

`--data` starts a fresh run instead, on a folder of images or a zip (a StyleGAN2-ADA dataset zip
is one), prepared as the page prepares them and initialised as the page would initialise it with
the same settings (the page's defaults, `--model`'s optimizer defaults, then `--res` and `--set`).
OUT then holds the images too, so the page opens it with its dataset; running the command again
continues OUT while its images and settings are the ones given.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import zlib
import struct
from datetime import datetime, timezone

import numpy as np
import torch
import torch.distributed as dist

from . import dataset as images
from .fresh import PAGE, TRAINABLE, config_for, fresh_snapshot, parse_setting, run_name
from .project import ProjectError, check_config, read_project, write_project
from .round import DcganRun, NotYet, Shard, check_trainable_dcgan
from .style_round import NOISE_MODES, StyleganRun

MAX_FRAMES = 48
PAGE_PREPARE = PAGE['prepare']


def parse(argv):
    p = argparse.ArgumentParser(prog='python3 -m ganvas_torch.train', description=__doc__.split('\n\n')[0])
    start = p.add_mutually_exclusive_group(required=True)
    start.add_argument('--project', help='the .ganvas file to continue (from the page, the CLI or this program)')
    start.add_argument('--data', help='a folder of images or a zip of them (a StyleGAN2-ADA dataset zip, say): start a fresh run on them')
    fresh = p.add_argument_group('a fresh run (with --data)')
    fresh.add_argument('--model', choices=TRAINABLE, default='dcgan', help="the model (its optimizer settings are the page's for it)")
    fresh.add_argument('--res', type=int, default=None, help="image size: 16, 32 or 64 (default: the page's)")
    fresh.add_argument('--set', action='append', default=[], metavar='KEY=VALUE',
                       help="any other setting, as in the page's link (width=64, seed=3, ada=1, …); may repeat")
    fresh.add_argument('--fit', choices=('center', 'pad'), default=PAGE_PREPARE['fit'], help='centre crop, or the whole image padded (letterbox)')
    fresh.add_argument('--background', default=','.join(map(str, PAGE_PREPARE['background'])), metavar='R,G,B',
                       help='what transparent pixels and padding become (0–255 each)')
    p.add_argument('--steps', type=int, required=True, help='training rounds to add to the project\'s step count')
    p.add_argument('--out', required=True, help='the .ganvas file to write (and to continue from when it exists)')
    p.add_argument('--batch', type=int, default=None, help='global batch over all ranks (default: the project\'s)')
    p.add_argument('--checkpoint-every', type=int, default=0, help='write OUT every this many steps (0: only at the end and on SIGTERM)')
    p.add_argument('--metrics', default=None, help='JSON lines of the reports (default: metrics.jsonl beside OUT)')
    p.add_argument('--every', type=int, default=100, help='steps between progress lines')
    p.add_argument('--device', default='auto', help='auto (CUDA when present), cpu, cuda')
    p.add_argument('--threads', type=int, default=0, help='CPU threads per process (0: PyTorch\'s default)')
    p.add_argument('--fresh', action='store_true', help='start from --project even when OUT holds a later state of the run')
    p.add_argument('--noise', choices=NOISE_MODES, default='ganvas',
                   help="StyleGAN's per-pixel noise: ganvas (the page's draws, about 1 µs a value on the CPU) or torch (PyTorch's, on the device)")
    a = p.parse_args(argv)
    if a.steps < 0:
        p.error('--steps must be ≥ 0')
    if a.project and (a.set or a.res is not None or a.model != 'dcgan'):
        p.error('--model, --res and --set start a fresh run with --data; a project keeps its own settings')
    try:
        a.background = tuple(int(v) for v in a.background.split(','))
        assert len(a.background) == 3 and all(0 <= v <= 255 for v in a.background)
    except (ValueError, AssertionError):
        p.error(f'--background wants R,G,B with each 0–255 (got {a.background!r})')
    return a


def fresh_start(a, log):
    """Step 0 of a run on --data's images with the settings given (the page's way)."""
    settings = dict(parse_setting(s) for s in a.set)
    settings.update({k: v for k, v in (('res', a.res), ('batch', a.batch)) if v is not None})
    try:
        config = config_for(a.model, settings)
    except ProjectError as e:
        raise ValueError(str(e).replace('the saved config is invalid', 'the settings are invalid')) from None
    try:
        prepared = images.load(a.data, config['res'], a.background, a.fit, log)
    except images.DatasetError as e:
        raise ValueError(str(e)) from None
    return fresh_snapshot(config, prepared.as_project_dataset(), run_name(a.data, len(prepared.names)))


def same_run(later, given, fresh: bool) -> bool:
    """Whether OUT is a later state of what this command starts from."""
    if not fresh:
        return later.meta['created'] == given.meta['created'] and later.meta['name'] == given.meta['name']
    a, b = later.dataset, given.dataset
    same_images = a is not None and a['names'] == b['names'] and np.array_equal(a['pixels'], b['pixels'])
    return same_images and later.config == given.config


class Ranks:
    """This process's place among the ranks torchrun started (or alone)."""

    def __init__(self, device_arg):
        self.world = int(os.environ.get('WORLD_SIZE', '1'))
        self.rank = int(os.environ.get('RANK', '0'))
        local = int(os.environ.get('LOCAL_RANK', '0'))
        cuda = torch.cuda.is_available() and device_arg in ('auto', 'cuda')
        if device_arg == 'cuda' and not torch.cuda.is_available():
            raise SystemExit('--device cuda: no CUDA device here')
        self.device = torch.device(f'cuda:{local}' if cuda else 'cpu')
        if cuda:
            torch.cuda.set_device(self.device)
        self.bn_group = self.grad_group = None
        if self.world > 1:
            dist.init_process_group('nccl' if cuda else 'gloo')
            # Batch-norm statistics travel on a group of their own, apart from DDP's gradient buckets.
            self.bn_group = dist.new_group(list(range(self.world)))
            # StyleGAN's gradient all-reduces likewise (the per-step report sum uses the default group).
            self.grad_group = dist.new_group(list(range(self.world)))

    @property
    def writer(self) -> bool:
        return self.rank == 0

    def sum(self, t: torch.Tensor) -> torch.Tensor:
        if self.world > 1:
            dist.all_reduce(t)
        return t

    def close(self):
        if self.world > 1:
            dist.destroy_process_group()


def png(rgba: np.ndarray) -> bytes:
    """An RGBA image as PNG (filter 0 rows, zlib): enough for a timeline thumbnail."""
    h, w, _ = rgba.shape
    raw = b''.join(b'\x00' + rgba[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 6)) + chunk(b'IEND', b'')


def thin(frames: list) -> list:
    """At most MAX_FRAMES, dropping every other middle frame (as the page's timeline does)."""
    while len(frames) > MAX_FRAMES:
        frames = [frames[0], *frames[1:-1][1::2], frames[-1]]
    return frames


def starting_point(a, log):
    """IN, or OUT when OUT holds a later state of the same run (a stopped run continued)."""
    given = read_project(a.project) if a.project else fresh_start(a, log)
    target = given.step + a.steps
    if a.fresh or not os.path.exists(a.out):
        return given, target
    try:
        later = read_project(a.out)
    except ProjectError as e:
        raise SystemExit(f'{a.out} exists but cannot be continued ({e}); use --fresh to start again from {a.project}')
    if not same_run(later, given, a.data is not None) or not given.step <= later.step <= target:
        start = a.project or f'the images in {a.data} with these settings'
        raise SystemExit(f'{a.out} holds another run (or a step outside {given.step}–{target}); use --fresh to start again from {start}')
    log(f'continuing from {a.out} at step {later.step}')
    return later, target


def main(argv=None):
    a = parse(sys.argv[1:] if argv is None else argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    ranks = Ranks(a.device)
    log = (lambda s: print(s, flush=True)) if ranks.writer else (lambda s: None)
    stop = {'signal': False}
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.update(signal=True))
    try:
        try:
            snapshot, target = starting_point(a, log)
            if a.batch:
                # The page's limits hold for the file this run writes: a batch it could not open is refused now.
                snapshot.config = {**snapshot.config, 'batch': a.batch}
                try:
                    check_config(snapshot.config)
                except ProjectError as e:
                    raise ValueError(f'--batch {a.batch}: {str(e).removeprefix("the saved config is invalid: ")}') from None
            if snapshot.config['batch'] % ranks.world:
                raise ValueError(f'the global batch {snapshot.config["batch"]} does not split evenly over {ranks.world} ranks; give --batch a multiple of {ranks.world}')
            shard = Shard(ranks.rank, ranks.world)
            if snapshot.config.get('model') == 'stylegan':
                run = StyleganRun(snapshot, ranks.device, shard, a.noise)
            else:
                check_trainable_dcgan(snapshot.config)
                run = DcganRun(snapshot, ranks.device, shard, ranks.bn_group)
        except (ProjectError, NotYet, ValueError) as e:
            log(f'{a.project or a.data}: {e}')
            return 2
        if ranks.world > 1:
            run.distribute(ranks)
        return train(a, run, snapshot, target, ranks, log, stop)
    finally:
        signal.signal(signal.SIGTERM, previous)
        ranks.close()


def train(a, run: DcganRun | StyleganRun, snapshot, target, ranks: Ranks, log, stop) -> int:
    c = run.config
    metrics_path = a.metrics or os.path.join(os.path.dirname(os.path.abspath(a.out)), 'metrics.jsonl')
    history = list(snapshot.history)
    timeline = list(snapshot.timeline or [])
    log(f'{run.count} images at {c["res"]}px · {c["model"]} · global batch {c["batch"]} over {ranks.world} rank(s) · {ranks.device} · '
        f'step {run.step} → {target} · torch {torch.__version__}')

    def save(reason):
        if not ranks.writer:
            return
        frames = thin([f for f in timeline if f['step'] < run.step] + [frame(run)])
        timeline[:] = frames
        meta = {**snapshot.meta, 'updated': datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z'),
                'app': f'ganvas_torch 0.1 (PyTorch {torch.__version__})'}
        write_project(a.out, run.to_snapshot(history, frames, meta))
        log(f'wrote {a.out} at step {run.step} ({reason})')

    t_report, t0, start = time.perf_counter(), time.perf_counter(), run.step
    metrics = open(metrics_path, 'a') if ranks.writer else None
    try:
        while run.step < target:
            local = run.train_step()
            # One all-reduce a step carries the shard numbers and whether any rank was told to stop,
            # so all ranks stop after the same step.
            # (On the run's device: NCCL reduces CUDA tensors only.)
            flag = torch.tensor([1.0 if stop['signal'] else 0.0], dtype=torch.float64, device=local.device)
            both = ranks.sum(torch.cat([local.double(), flag])).cpu()
            run.record(both[:-1], ranks.world)
            # Reports fall on the run's own steps, as in the page; a stop between two keeps the sums in the file.
            if run.step % c['reportEvery'] == 0 or run.step == target:
                now = time.perf_counter()
                (g, d, r, f, _), r1, pending = run.take_report()
                point = {'step': run.step, 'gLoss': g, 'dLoss': d, 'dReal': r, 'dFake': f, 'imagesPerSec': pending * c['batch'] / max(now - t_report, 1e-9)}
                history.append(point)
                if metrics:
                    line = {'step': run.step, 'steps': pending, 'gLoss': g, 'dLoss': d, 'dReal': r, 'dFake': f, 'augmentP': run.lens.augment_p,
                            **({'r1': r1} if r1 is not None else {}), 'imagesPerSec': point['imagesPerSec']}
                    metrics.write(json.dumps(line) + '\n')
                    metrics.flush()
                t_report = now
            if (run.step % a.every == 0 or run.step == target) and history:
                secs = time.perf_counter() - t0
                h = history[-1]
                log(f'step {run.step}/{target} · {(run.step - start) * c["batch"] / secs:.1f} img/s · G {h["gLoss"]:.3f} D {h["dLoss"]:.3f} '
                    f'D(real) {h["dReal"]:.2f} D(fake) {h["dFake"]:.2f}')
            if both[-1] > 0:
                save('SIGTERM')
                log(f'stopped at step {run.step} of {target}; the same command continues from {a.out}')
                return 143
            if a.checkpoint_every and run.step % a.checkpoint_every == 0 and run.step < target:
                save('checkpoint')
        save('done')
        return 0
    finally:
        if metrics:
            metrics.close()


def frame(run: DcganRun | StyleganRun) -> dict:
    rgba = run.grid()
    return {'step': run.step, 'width': rgba.shape[1], 'height': rgba.shape[0], 'png': png(rgba)}


if __name__ == '__main__':
    sys.exit(main())
