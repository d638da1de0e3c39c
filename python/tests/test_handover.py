"""Same maths across the border: a run handed between Ganvas (Node CLI) and PyTorch either way
continues as the receiving side would have trained it from the start."""
from conftest import cli, losses, torch_train

from ganvas_torch.project import read_project

N, M = 5, 20  # steps before the hand-over, steps after it
TOLERANCE = 1e-5


def gap(a, b):
    assert [s for s, *_ in a] == [s for s, *_ in b]
    return max(max(abs(x[1] - y[1]), abs(x[2] - y[2])) for x, y in zip(a, b))


def test_ganvas_to_pytorch_equals_pytorch_straight(start, tmp_path):
    cli('--resume', start, '--steps', N, '--every', 1000, '--out', tmp_path / 'cli', '--save', tmp_path / 'a.ganvas')
    torch_train('--project', tmp_path / 'a.ganvas', '--steps', M, '--out', tmp_path / 'b.ganvas', '--metrics', tmp_path / 'b.jsonl')
    torch_train('--project', start, '--steps', N + M, '--out', tmp_path / 'straight.ganvas', '--metrics', tmp_path / 'straight.jsonl')
    straight = losses(tmp_path / 'straight.jsonl')
    # Before the hand-over the two engines already agree (the lockstep of bench/parity-lockstep.ts)...
    assert gap(losses(tmp_path / 'cli' / 'metrics.jsonl'), straight[:N]) <= TOLERANCE
    # ...and after it, PyTorch continuing Ganvas's state takes the steps PyTorch would have taken.
    assert gap(losses(tmp_path / 'b.jsonl'), straight[N:]) <= TOLERANCE
    out = read_project(tmp_path / 'b.ganvas')
    assert out.step == N + M
    assert [h['step'] for h in out.history] == list(range(1, N + M + 1))  # the page's chart continues
    assert [f['step'] for f in out.timeline] == [0, N, N + M]
    assert out.optimizers['g']['iterations'] == N + M and out.dataset['count'] == read_project(start).dataset['count']


def test_pytorch_to_ganvas_equals_ganvas_straight(start, tmp_path):
    torch_train('--project', start, '--steps', N, '--out', tmp_path / 'a.ganvas', '--metrics', tmp_path / 'a.jsonl')
    log = cli('--resume', tmp_path / 'a.ganvas', '--steps', M, '--every', 1000, '--out', tmp_path / 'b', '--save', tmp_path / 'b.ganvas')
    assert f'at step {N}' in log
    cli('--resume', start, '--steps', N + M, '--every', 1000, '--out', tmp_path / 'straight')
    straight = losses(tmp_path / 'straight' / 'metrics.jsonl')
    assert gap(losses(tmp_path / 'a.jsonl'), straight[:N]) <= TOLERANCE
    assert gap(losses(tmp_path / 'b' / 'metrics.jsonl'), straight[N:]) <= TOLERANCE
    back = read_project(tmp_path / 'b.ganvas')
    assert back.step == N + M and [h['step'] for h in back.history] == list(range(1, N + M + 1))
