"""The numbers behind docs/graduate.md: hand-over gaps both ways, 2 ranks against 1, and timings.

    PYTHONPATH=python /usr/bin/python3 python/tools/graduate_numbers.py [--steps-before 5 --steps-after 20] [--table docs/graduate.md]

Runs from the repository root. Each measurement is a fresh process (the Node CLI on WASM, ganvas_torch
on the CPU, torchrun with Gloo), on the tiny shape of the tests (16 px, width 8, batch 8) and, for
the timings, also the page's small preset (32 px, width 32, batch 32). Prints one JSON line per
measurement and, with --table FILE, writes the table between <!-- graduate:begin --> and
<!-- graduate:end --> in FILE.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, 'PYTHONPATH': str(ROOT / 'python'), 'PYTHONDONTWRITEBYTECODE': '1'}


def sh(*args, timeout=1800):
    t0 = time.perf_counter()
    r = subprocess.run([str(a) for a in args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)
    if r.returncode:
        raise SystemExit(f'{" ".join(map(str, args))} failed:\n{r.stdout}\n{r.stderr}')
    return r.stdout, time.perf_counter() - t0


def cli(*args):
    return sh('npx', 'tsx', 'cli/train.ts', *args)


def torch_train(*args, ranks=1, threads=1):
    if ranks == 1:
        return sh(sys.executable, '-m', 'ganvas_torch.train', '--threads', threads, *args)
    return sh(sys.executable, '-m', 'ganvas_torch.torchrun', '--nproc_per_node', ranks, '-m', 'ganvas_torch.train', '--threads', threads, *args)


def losses(path):
    """[(step, dLoss, gLoss, r1 or None)] of a metrics.jsonl."""
    return [(m['step'], m['dLoss'], m['gLoss'], m.get('r1')) for m in map(json.loads, Path(path).read_text().splitlines())]


def gap(a, b):
    """Largest |Δ| of D's, G's and (StyleGAN) R1's losses over the steps."""
    assert [s for s, *_ in a] == [s for s, *_ in b], (a, b)
    assert [x[3] is None for x in a] == [y[3] is None for y in b], 'R1 on different rounds'
    return max(max(abs(x[1] - y[1]), abs(x[2] - y[2]), abs((x[3] or 0) - (y[3] or 0))) for x, y in zip(a, b))


TINY = ['--data', 'shapes', '--res', '16', '--width', '8', '--batch', '8', '--reportEvery', '1', '--every', '100000']
# python/tests/conftest.py STYLE: a small mapping and R1 every 4 D steps (7 R1 steps in 25 rounds).
STYLE = ['--model', 'stylegan', '--zDim', '8', '--wDim', '16', '--mappingLayers', '2', '--r1Every', '4']
SHAPES = {
    'DCGAN': TINY,
    'StyleGAN, seed 2': [*TINY, *STYLE, '--seed', '2'],
    'StyleGAN, seed 1': [*TINY, *STYLE, '--seed', '1'],
}


def handover_rows(d, label, shape, N, M):
    """Both directions and 2 ranks against 1, for one model shape."""
    rows = []
    cli(*shape, '--steps', 0, '--out', d / 'i', '--save', d / 'init.ganvas')
    # Ganvas -> PyTorch
    cli('--resume', d / 'init.ganvas', '--steps', N, '--every', 100000, '--out', d / 'g', '--save', d / 'g.ganvas')
    torch_train('--project', d / 'g.ganvas', '--steps', M, '--out', d / 'gt.ganvas', '--metrics', d / 'gt.jsonl')
    torch_train('--project', d / 'init.ganvas', '--steps', N + M, '--out', d / 'ts.ganvas', '--metrics', d / 'ts.jsonl')
    ts = losses(d / 'ts.jsonl')
    rows.append({'measure': f'{label}: Ganvas {N} steps → PyTorch {M} vs PyTorch {N + M} straight', 'before': gap(losses(d / 'g' / 'metrics.jsonl'), ts[:N]),
                 'after': gap(losses(d / 'gt.jsonl'), ts[N:])})
    # PyTorch -> Ganvas
    torch_train('--project', d / 'init.ganvas', '--steps', N, '--out', d / 't.ganvas', '--metrics', d / 't.jsonl')
    cli('--resume', d / 't.ganvas', '--steps', M, '--every', 100000, '--out', d / 'tg')
    cli('--resume', d / 'init.ganvas', '--steps', N + M, '--every', 100000, '--out', d / 'gs')
    gs = losses(d / 'gs' / 'metrics.jsonl')
    rows.append({'measure': f'{label}: PyTorch {N} steps → Ganvas {M} vs Ganvas {N + M} straight', 'before': gap(losses(d / 't.jsonl'), gs[:N]),
                 'after': gap(losses(d / 'tg' / 'metrics.jsonl'), gs[N:])})
    # 2 ranks vs 1
    torch_train('--project', d / 'init.ganvas', '--steps', N + M, '--out', d / 'r2.ganvas', '--metrics', d / 'r2.jsonl', ranks=2)
    rows.append({'measure': f'{label}: torchrun 2 CPU ranks × batch 4 vs 1 process × batch 8, {N + M} steps', 'before': None,
                 'after': gap(losses(d / 'r2.jsonl'), ts)})
    for r in rows:
        print(json.dumps(r), flush=True)
    return rows


def rate(log):
    """img/s from a progress line's own clock (training only, no start-up)."""
    found = re.findall(r'· ([\d.]+) img/s', log)
    return float(found[-1]) if found else float('nan')


def measure_timings(d, steps, cuda):
    """images/s of the page's small preset (32 px, width 32, batch 32) in each engine."""
    timings = []
    small = ['--data', 'faces', '--res', '32', '--width', '32', '--batch', '32', '--reportEvery', '4']
    cli(*small, '--steps', 0, '--out', d / 's', '--save', d / 'small.ganvas')
    log, _ = cli('--resume', d / 'small.ganvas', '--steps', steps, '--every', steps, '--out', d / 'sc')
    timings.append({'what': 'Ganvas CLI, WASM backend (1 thread)', 'imgs': rate(log)})
    for threads in (1, 2):
        log, _ = torch_train('--project', d / 'small.ganvas', '--steps', steps, '--every', steps, '--out', d / f'st{threads}.ganvas', threads=threads)
        timings.append({'what': f'ganvas_torch, 1 process, {threads} thread(s)', 'imgs': rate(log)})
    log, _ = torch_train('--project', d / 'small.ganvas', '--steps', steps, '--every', steps, '--out', d / 'st2r.ganvas', ranks=2)
    timings.append({'what': 'ganvas_torch, torchrun 2 ranks × 1 thread (Gloo)', 'imgs': rate(log)})
    if cuda:
        log, _ = torch_train('--project', d / 'small.ganvas', '--steps', steps, '--every', steps, '--out', d / 'cuda.ganvas', '--device', 'cuda')
        timings.append({'what': 'ganvas_torch, 1 process, CUDA', 'imgs': rate(log)})
    return timings


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--steps-before', type=int, default=5)
    p.add_argument('--steps-after', type=int, default=20)
    p.add_argument('--timing-steps', type=int, default=60)
    p.add_argument('--table', default=None)
    p.add_argument('--models', nargs='*', default=list(SHAPES), help=f'which shapes: {", ".join(repr(k) for k in SHAPES)}')
    p.add_argument('--cuda', action='store_true', help='also time ganvas_torch on CUDA (a GPU machine)')
    p.add_argument('--no-timings', action='store_true', help='the equality rows only (timings on a loaded machine mean nothing)')
    a = p.parse_args()
    N, M = a.steps_before, a.steps_after
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for i, (label, shape) in enumerate(SHAPES.items()):
            if label in a.models:
                (d / str(i)).mkdir()
                rows += handover_rows(d / str(i), label, shape, N, M)
        timings = [] if a.no_timings else measure_timings(d, a.timing_steps, a.cuda)
        for t in timings:
            print(json.dumps(t), flush=True)
    load = os.getloadavg()[0]
    stamp = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    machine = f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores, no GPU, load average {load:.1f} at the end'
    lines = ['| hand-over | largest loss gap before | largest loss gap after |', '|---|---|---|']
    fmt = lambda v: '—' if v is None else f'{v:.1e}'
    lines += [f'| {r["measure"]} | {fmt(r["before"])} | {fmt(r["after"])} |' for r in rows]
    if timings:
        lines += ['', f'| DCGAN 32 px, width 32, batch 32, {a.timing_steps} steps | images/s |', '|---|---|']
        lines += [f'| {t["what"]} | {t["imgs"]:.0f} |' for t in timings]
    lines += ['', f'Measured {stamp} by python/tools/graduate_numbers.py on {machine}; torch {torch_version()}, Node {node_version()}.']
    text = '\n'.join(lines)
    print(text)
    if a.table:
        doc = Path(a.table).read_text()
        begin, end = '<!-- graduate:begin -->', '<!-- graduate:end -->'
        i, j = doc.index(begin), doc.index(end)
        Path(a.table).write_text(doc[:i + len(begin)] + '\n' + text + '\n' + doc[j:])


def torch_version():
    import torch
    return torch.__version__


def node_version():
    return subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()


if __name__ == '__main__':
    main()
