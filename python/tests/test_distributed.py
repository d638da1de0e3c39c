"""Distributed is real: torchrun with 2 CPU ranks (Gloo) trains the update 1 rank trains, only rank 0
writes, and a stopped or killed run continues from its last checkpoint."""
import os
import signal
import subprocess
import time

import numpy as np
from conftest import ENV, REPO, losses, torch_train, torchrun_command

from ganvas_torch.dcgan import doublings
from ganvas_torch.project import read_project

STEPS = 6


def pre_bn_biases(res):
    """Biases that feed a batch norm: their true gradient is 0 (the norm subtracts them out), so Adam
    turns rounding noise into ±lr steps and they are not expected to agree across ways of summing."""
    n = doublings(res)
    return {'g.fc.b', *(f'g.up{i}.b' for i in range(1, n))}


def run_torchrun(n, *args, timeout=180):
    r = subprocess.run(torchrun_command(n, *args), cwd=REPO, env=ENV, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_two_ranks_equal_one_rank_and_only_rank_0_writes(start, tmp_path):
    one, two = tmp_path / 'one', tmp_path / 'two'
    one.mkdir()
    two.mkdir()
    torch_train('--project', start, '--steps', STEPS, '--out', one / 'out.ganvas')
    log = run_torchrun(2, '--project', start, '--steps', STEPS, '--out', two / 'out.ganvas')
    assert 'global batch 8 over 2 rank(s)' in log
    assert sorted(os.listdir(two)) == ['metrics.jsonl', 'out.ganvas']  # nothing from rank 1
    a, b = losses(one / 'metrics.jsonl'), losses(two / 'metrics.jsonl')
    assert [s for s, *_ in b] == list(range(1, STEPS + 1))  # one line a step: one writer
    assert max(max(abs(x[1] - y[1]), abs(x[2] - y[2])) for x, y in zip(a, b)) <= 1e-6
    s1, s2 = read_project(one / 'out.ganvas'), read_project(two / 'out.ganvas')
    skip = pre_bn_biases(s1.config['res'])
    worst = max(float(np.abs(s1.params[k] - s2.params[k]).max()) for k in s1.params if k not in skip)
    assert worst <= 1e-6, worst
    assert s1.rng == s2.rng and s2.optimizers['d']['iterations'] == STEPS


def wait_for(predicate, timeout=120):
    t0 = time.time()
    while not predicate():
        assert time.time() - t0 < timeout, 'timed out'
        time.sleep(0.05)


def test_killed_run_resumes_from_its_last_checkpoint(start, tmp_path):
    out, total, every = tmp_path / 'out.ganvas', 40, 4
    args = ('--project', start, '--steps', total, '--out', out, '--checkpoint-every', every)
    p = subprocess.Popen(torchrun_command(2, *args), cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(out.exists)
        os.killpg(p.pid, signal.SIGKILL)  # no warning: the launcher and both ranks die mid-step
    finally:
        p.wait()
    saved = read_project(out).step
    assert 0 < saved < total and saved % every == 0
    log = run_torchrun(2, *args)
    assert f'continuing from {out} at step {saved}' in log
    resumed = read_project(out)
    torch_train('--project', start, '--steps', total, '--out', tmp_path / 'straight.ganvas', '--metrics', tmp_path / 'straight.jsonl')
    straight = read_project(tmp_path / 'straight.ganvas')
    assert [h['step'] for h in resumed.history] == list(range(1, total + 1))
    worst = max(max(abs(h['gLoss'] - k['gLoss']), abs(h['dLoss'] - k['dLoss'])) for h, k in zip(resumed.history, straight.history))
    assert worst <= 1e-5


def test_sigterm_writes_a_checkpoint_at_the_step_reached(start, tmp_path):
    out, metrics = tmp_path / 'out.ganvas', tmp_path / 'metrics.jsonl'
    args = ('--project', start, '--steps', 400, '--out', out, '--metrics', metrics)
    p = subprocess.Popen(torchrun_command(2, *args), cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        wait_for(lambda: metrics.exists() and len(metrics.read_text().splitlines()) >= 3)
        p.send_signal(signal.SIGTERM)  # to torchrun, which passes it to its ranks
        log, _ = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    saved = read_project(out)
    assert 'SIGTERM' in log and saved.step < 400
    assert saved.history[-1]['step'] == saved.step == losses(metrics)[-1][0]  # no step lost
