"""Augmented runs across the border: DiffAugment on a DCGAN, and ADA (with DiffAugment's colour after
it) on a StyleGAN with lazy R1 through the augmentation, handed from Ganvas (Node CLI) to PyTorch and
back to Ganvas, each leg taking the steps the run straight through takes, ADA's p included."""
import json
from pathlib import Path

import pytest
from conftest import cli, losses, torch_train

from ganvas_torch.project import array_to_float64, encode_project, float64_to_array, read_project

N, M, K = 4, 4, 4  # Ganvas's steps, then PyTorch's, then Ganvas's again (StyleGAN: R1 at D steps 0, 4, 8)
TOLERANCE = 1e-5


def gap(a, b):
    assert [s for s, *_ in a] == [s for s, *_ in b]
    return max(max(abs(x[1] - y[1]), abs(x[2] - y[2])) for x, y in zip(a, b))


def augment_ps(path):
    return [m['augmentP'] for m in map(json.loads, Path(path).read_text().splitlines())]


def with_settings(project, tmp_path, config, ada_p=None):
    """The fixture's untrained run with augmentation switched on (and ADA's p where it starts)."""
    s = read_project(project)
    s.config = {**s.config, **config}
    if ada_p is not None:
        s.extras = {**(s.extras or {}), 'ada.p': float64_to_array(ada_p)}
    out = tmp_path / 'init.ganvas'
    out.write_bytes(encode_project(s))
    return out


def there_and_back(init, tmp_path):
    """Ganvas N steps → PyTorch M → Ganvas K, against PyTorch straight through N + M + K (which the first
    leg shows equal to Ganvas step by step); the metrics of the three legs, joined."""
    cli('--resume', init, '--steps', N, '--every', 1000, '--out', tmp_path / 'g', '--save', tmp_path / 'g.ganvas')
    torch_train('--project', tmp_path / 'g.ganvas', '--steps', M, '--out', tmp_path / 'gp.ganvas', '--metrics', tmp_path / 'gp.jsonl')
    cli('--resume', tmp_path / 'gp.ganvas', '--steps', K, '--every', 1000, '--out', tmp_path / 'gpg', '--save', tmp_path / 'gpg.ganvas')
    torch_train('--project', init, '--steps', N + M + K, '--out', tmp_path / 'straight.ganvas', '--metrics', tmp_path / 'straight.jsonl')
    straight = losses(tmp_path / 'straight.jsonl')
    legs = [tmp_path / 'g' / 'metrics.jsonl', tmp_path / 'gp.jsonl', tmp_path / 'gpg' / 'metrics.jsonl']
    assert gap(losses(legs[0]), straight[:N]) <= TOLERANCE
    assert gap(losses(legs[1]), straight[N:N + M]) <= TOLERANCE  # Ganvas → PyTorch
    assert gap(losses(legs[2]), straight[N + M:]) <= TOLERANCE  # PyTorch → Ganvas
    back = read_project(tmp_path / 'gpg.ganvas')
    assert back.step == N + M + K and [h['step'] for h in back.history] == list(range(1, N + M + K + 1))
    return [p for leg in legs for p in augment_ps(leg)], augment_ps(tmp_path / 'straight.jsonl')


def test_diffaugment_dcgan_hands_over_both_ways(start, tmp_path):
    init = with_settings(start, tmp_path, {'augColor': True, 'augTranslation': True, 'augCutout': True})
    handed, straight = there_and_back(init, tmp_path)
    assert handed == straight == [1] * (N + M + K)


def test_ada_stylegan_hands_over_both_ways_with_its_p(style_project, tmp_path):
    # Target 0 and 1,000 images for a full swing: p moves by ±0.008 a step from 0.5, both ways in 12
    # steps of these shapes, so the controller, the pipeline at p and the p in the file are all at work.
    init = with_settings(style_project, tmp_path, {'ada': True, 'adaTarget': 0, 'adaSpeedImages': 1000, 'augColor': True}, 0.5)
    handed, straight = there_and_back(init, tmp_path)
    assert handed == pytest.approx(straight, abs=1e-12) and len(set(handed)) > 1 and all(0 < p < 0.8 for p in handed)
    # The p each side wrote is the p it reached, and the other side went on from it.
    for name, at in (('g.ganvas', N), ('gp.ganvas', N + M), ('gpg.ganvas', N + M + K)):
        assert array_to_float64(read_project(tmp_path / name).extras['ada.p']) == pytest.approx(straight[at - 1], abs=1e-12)
