"""StyleGAN across the border: a run handed between Ganvas (Node CLI) and PyTorch either way
continues as the receiving side would have trained it from the start, with lazy R1, style mixing,
the page's noise, w̄ and the EMA generator; and 2 Gloo ranks train the update 1 rank trains."""
import json
import os
import struct
import subprocess
import zlib

import numpy as np
import pytest
from conftest import ENV, REPO, cli, torch_train, torchrun_command

from ganvas_torch.project import read_project
from ganvas_torch.style_round import StyleganRun

N, M = 5, 20
TOLERANCE = 1e-5


def reports(path):
    return [json.loads(line) for line in open(path)]


def gap(a, b):
    """Largest |Δ| over D's, G's and (where both ran it) R1's losses, step by step."""
    assert [x['step'] for x in a] == [y['step'] for y in b]
    assert [('r1' in x) for x in a] == [('r1' in y) for y in b]  # R1 on the same rounds
    return max(max(abs(x[k] - y[k]) for k in ('dLoss', 'gLoss', 'r1') if k in x) for x, y in zip(a, b))


def ema_gap(a, b):
    return max(float(np.abs(a.params[k] - b.params[k]).max()) for k in a.params if k.startswith('ema.') or k == 'g.wAvg')


def unfiltered_png(png: bytes) -> np.ndarray:
    """The RGBA pixels of a PNG as Ganvas writes them (src/data/png.ts: 8-bit RGBA, filter 0 on every row)."""
    at, idat = 8, b''
    while at < len(png):
        n, kind = struct.unpack('>I', png[at:at + 4])[0], png[at + 4:at + 8]
        if kind == b'IHDR':
            w, h = struct.unpack('>II', png[at + 8:at + 16])
        idat += png[at + 8:at + 8 + n] if kind == b'IDAT' else b''
        at += 12 + n
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 4 * w + 1)
    assert not rows[:, 0].any()
    return rows[:, 1:].reshape(h, w, 4)


@pytest.fixture(scope='module')
def torch_straight(style_project, tmp_path_factory):
    """N + M steps of PyTorch from the start: (its reports, its file), shared by the tests below."""
    d = tmp_path_factory.mktemp('straight')
    torch_train('--project', style_project, '--steps', N + M, '--out', d / 'straight.ganvas', '--metrics', d / 'straight.jsonl')
    return reports(d / 'straight.jsonl'), read_project(d / 'straight.ganvas')


def test_ganvas_to_pytorch_equals_pytorch_straight(style_project, torch_straight, tmp_path):
    cli('--resume', style_project, '--steps', N, '--every', 1000, '--out', tmp_path / 'cli', '--save', tmp_path / 'a.ganvas')
    torch_train('--project', tmp_path / 'a.ganvas', '--steps', M, '--out', tmp_path / 'b.ganvas', '--metrics', tmp_path / 'b.jsonl')
    straight, alone = torch_straight
    assert sum('r1' in r for r in straight) == 7  # rounds 1, 5, …, 25: lazy R1 every 4 D steps
    assert gap(reports(tmp_path / 'cli' / 'metrics.jsonl'), straight[:N]) <= TOLERANCE  # the engines in lockstep
    assert gap(reports(tmp_path / 'b.jsonl'), straight[N:]) <= TOLERANCE  # PyTorch continuing Ganvas's state
    out = read_project(tmp_path / 'b.ganvas')
    assert out.step == N + M and [h['step'] for h in out.history] == list(range(1, N + M + 1))
    assert [f['step'] for f in out.timeline] == [0, N, N + M]
    assert out.optimizers['d']['iterations'] == N + M + 7  # D main steps and R1 steps share D's Adam
    assert ema_gap(out, alone) <= 1e-4  # G_ema and w̄ carried and averaged alike
    assert not np.array_equal(out.params['ema.g.const'], read_project(tmp_path / 'a.ganvas').params['ema.g.const'])


def test_pytorch_to_ganvas_equals_ganvas_straight(style_project, tmp_path):
    torch_train('--project', style_project, '--steps', N, '--out', tmp_path / 'a.ganvas', '--metrics', tmp_path / 'a.jsonl')
    log = cli('--resume', tmp_path / 'a.ganvas', '--steps', M, '--every', 1000, '--out', tmp_path / 'b', '--save', tmp_path / 'b.ganvas')
    assert f'at step {N}' in log
    cli('--resume', style_project, '--steps', N + M, '--every', 1000, '--out', tmp_path / 'straight', '--save', tmp_path / 'straight.ganvas')
    straight = reports(tmp_path / 'straight' / 'metrics.jsonl')
    assert gap(reports(tmp_path / 'a.jsonl'), straight[:N]) <= TOLERANCE
    assert gap(reports(tmp_path / 'b' / 'metrics.jsonl'), straight[N:]) <= TOLERANCE
    back, alone = read_project(tmp_path / 'b.ganvas'), read_project(tmp_path / 'straight.ganvas')
    assert back.step == N + M and [h['step'] for h in back.history] == list(range(1, N + M + 1))
    assert ema_gap(back, alone) <= 1e-4
    # The page's grid from G_ema, w̄ (ψ = 1) and its fixed noise: PyTorch draws the CLI's last frame.
    theirs = unfiltered_png(back.timeline[-1]['png']).astype(int)
    assert np.abs(StyleganRun(back).grid().astype(int) - theirs).max() <= 1


def test_two_ranks_equal_one_rank(style_project, tmp_path):
    steps = 5
    one, two = tmp_path / 'one', tmp_path / 'two'
    one.mkdir()
    two.mkdir()
    torch_train('--project', style_project, '--steps', steps, '--out', one / 'out.ganvas')
    r = subprocess.run(torchrun_command(2, '--project', style_project, '--steps', steps, '--out', two / 'out.ganvas'), cwd=REPO, env=ENV,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'stylegan · global batch 8 over 2 rank(s)' in r.stdout
    assert sorted(os.listdir(two)) == ['metrics.jsonl', 'out.ganvas']  # nothing from rank 1
    assert gap(reports(one / 'metrics.jsonl'), reports(two / 'metrics.jsonl')) <= 1e-6
    s1, s2 = read_project(one / 'out.ganvas'), read_project(two / 'out.ganvas')
    # Weights: Adam (β₁ = 0) scales each gradient by its own history, so components whose gradient is
    # near zero (demodulated convs are blind to their weight's scale) turn summation-order rounding into
    # visible steps; 1e-4 is 4% of one Adam step (lr 2.5e-3), while the losses agree to float32 rounding.
    worst = max(float(np.abs(s1.params[k] - s2.params[k]).max()) for k in s1.params)
    assert worst <= 1e-4, worst
    assert s1.rng == s2.rng and s1.extras['noise.counter'].tolist() == s2.extras['noise.counter'].tolist()


def test_a_batch_that_splits_minibatch_stddev_groups_is_refused(style_project, tmp_path):
    r = subprocess.run(torchrun_command(2, '--project', style_project, '--steps', 1, '--batch', 12, '--out', tmp_path / 'x.ganvas'), cwd=REPO,
                       env=ENV, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and 'whole minibatch-stddev groups of 4' in r.stdout + r.stderr
    assert not (tmp_path / 'x.ganvas').exists()


def test_torch_noise_is_seeded_by_the_counter_so_a_continued_run_equals_a_straight_one(style_project, torch_straight, tmp_path):
    def leg(project, steps, name):
        torch_train('--project', project, '--steps', steps, '--noise', 'torch', '--out', tmp_path / f'{name}.ganvas', '--metrics', tmp_path / f'{name}.jsonl')
        return reports(tmp_path / f'{name}.jsonl')
    straight = leg(style_project, 4, 'straight')
    halves = leg(style_project, 2, 'first') + leg(tmp_path / 'first.ganvas', 2, 'second')
    assert gap(halves, straight) == 0
    assert gap(torch_straight[0][:4], straight) > 1e-4  # the page's noise is other noise (once the strengths have left 0)
