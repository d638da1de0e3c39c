"""The generator as ONNX: written for DCGAN and StyleGAN projects, refused for what is not trained here,
and run by ONNX Runtime (cli/node-onnx-check.ts, onnxruntime-web in Node) it draws Ganvas's images."""
import json
import subprocess
import sys

import pytest
from conftest import ENV, REPO, torch_train

from ganvas_torch.project import encode_project, read_project


def export(project, out):
    return subprocess.run([sys.executable, '-m', 'ganvas_torch.export_onnx', '--project', str(project), '--out', str(out)], cwd=REPO, env=ENV,
                          capture_output=True, text=True, timeout=120)


def test_writes_the_generator_with_latents_and_truncation_as_inputs(start, tmp_path):
    r = export(start, tmp_path / 'G.onnx')
    assert r.returncode == 0, r.stderr
    assert 'z [64, 100] and psi [1] in, images [64, 16, 16, 3] out' in r.stdout  # the CLI's 8×8 grid
    model = (tmp_path / 'G.onnx').read_bytes()
    for name in (b'z', b'psi', b'images', b'ConvTranspose', b'Tanh'):
        assert name in model


def test_writes_the_stylegan_ema_generator(style_project, tmp_path):
    r = export(style_project, tmp_path / 'G.onnx')
    assert r.returncode == 0, r.stderr
    assert 'z [64, 8] and psi [1] in, images [64, 16, 16, 3] out' in r.stdout
    model = (tmp_path / 'G.onnx').read_bytes()
    for name in (b'z', b'psi', b'images', b'ConvTranspose', b'LeakyRelu'):
        assert name in model
    assert b'Tanh' not in model  # StyleGAN's skip generator sums RGB images, no tanh


def test_writes_an_augmented_run_and_refuses_what_is_not_trained_here(start, tmp_path):
    s = read_project(start)
    s.config = {**s.config, 'ada': True, 'augCutout': True}  # augmentation is D's: G exports as before
    (tmp_path / 'ada.ganvas').write_bytes(encode_project(s))
    assert export(tmp_path / 'ada.ganvas', tmp_path / 'ada.onnx').returncode == 0
    s.config = {**s.config, 'model': 'vae'}
    (tmp_path / 'vae.ganvas').write_bytes(encode_project(s))
    r = export(tmp_path / 'vae.ganvas', tmp_path / 'G.onnx')
    assert r.returncode == 2 and 'trains DCGAN and StyleGAN projects; this one is vae' in r.stderr
    assert not (tmp_path / 'G.onnx').exists()


@pytest.mark.parametrize('kind', ['dcgan', 'stylegan'])
def test_onnx_runtime_draws_the_images_ganvas_draws(kind, start, style_project, tmp_path):
    """Trained a few steps first, so the EMA generator and w̄ are not their initial values."""
    torch_train('--project', start if kind == 'dcgan' else style_project, '--steps', '5', '--out', tmp_path / 'run.ganvas')
    assert export(tmp_path / 'run.ganvas', tmp_path / 'G.onnx').returncode == 0
    r = subprocess.run(['npx', 'tsx', 'cli/node-onnx-check.ts', '--project', str(tmp_path / 'run.ganvas'), '--onnx', str(tmp_path / 'G.onnx'),
                        '--psi', '1,0.7,0'], cwd=REPO, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith('{')]
    assert [row['psi'] for row in rows] == [1, 0.7, 0] and all(row['images'] == 64 for row in rows)
    assert max(row['maxAbsDifference'] for row in rows) <= 1e-4, rows
