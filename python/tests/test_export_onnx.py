"""The generator as ONNX: written for DCGAN and StyleGAN projects, refused for what is not trained here.
(Its images are compared with Ganvas's by cli/node-onnx-check.ts, which needs onnxruntime-node:
not a dependency, see docs/graduate.md.)"""
import subprocess
import sys

from conftest import ENV, REPO

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
