"""The .ganvas format from Python: the page's files read, ours written so the page reads them, and
damaged, foreign or unsupported files refused with the reason."""
import io
import zipfile

import numpy as np
import pytest
from conftest import TINY, cli, losses, torch_train

from ganvas_torch.project import ProjectError, decode_project, encode_project, read_project


def test_a_file_round_trips_bit_for_bit_in_its_contents(start):
    s = read_project(start)
    again = decode_project(encode_project(s))
    assert again.step == s.step and again.rng == s.rng and again.config == s.config and again.meta == s.meta
    for k, a in s.params.items():
        assert again.params[k].tobytes() == a.tobytes()
    for name, o in s.optimizers.items():
        assert {k: v.tobytes() for k, v in again.optimizers[name]['weights'].items()} == {k: v.tobytes() for k, v in o['weights'].items()}
    assert again.dataset['pixels'].tobytes() == s.dataset['pixels'].tobytes()
    assert [f['png'] for f in again.timeline] == [f['png'] for f in s.timeline]


def refusal(data: bytes) -> str:
    with pytest.raises(ProjectError) as e:
        decode_project(data)
    return str(e.value)


def zip_of(entries: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_damaged_and_foreign_files_are_refused_with_the_reason(start):
    good = start.read_bytes()
    assert refusal(b'') == 'the file is empty'
    assert refusal(b'GIF89a not a project') == 'this is not a Ganvas project file (it is not a zip archive)'
    assert refusal(zip_of({'weights.bin': b''})) == 'manifest.json is missing: this zip is not a Ganvas project'
    assert refusal(zip_of({'photo.jpg': b'x'})) == 'the project file holds an unexpected entry "photo.jpg"'
    assert 'this is not a Ganvas project' in refusal(zip_of({'manifest.json': b'{"format":"keras","version":1}'}))
    assert 'made by a newer Ganvas' in refusal(zip_of({'manifest.json': b'{"format":"ganvas","version":9}'}))
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x01  # one bit inside weights.bin or dataset.bin
    assert 'damaged' in refusal(bytes(flipped))
    assert refusal(good[: len(good) // 2])


def test_a_diverged_state_is_not_written(start):
    s = read_project(start)
    s.params['g.fc.w'] = s.params['g.fc.w'].copy()
    s.params['g.fc.w'][0, 3] = np.nan
    with pytest.raises(ProjectError, match='tensor g.fc.w contains nan .*the run had diverged'):
        encode_project(s)


def test_what_is_not_trained_here_is_refused_by_name(start, tmp_path, capsys):
    s = read_project(start)
    s.config = {**s.config, 'model': 'vae'}
    (tmp_path / 'vae.ganvas').write_bytes(encode_project(s))
    s.config = {**s.config, 'model': 'stylegan'}
    (tmp_path / 'style.ganvas').write_bytes(encode_project(s))
    from ganvas_torch.train import main  # in this process: the refusal comes before any training
    assert main(['--project', str(tmp_path / 'vae.ganvas'), '--steps', '1', '--out', str(tmp_path / 'o.ganvas')]) == 2
    assert 'trains DCGAN and StyleGAN projects; this one is vae' in capsys.readouterr().out
    # A DCGAN's weights under a StyleGAN config: refused by the first parameter that does not fit.
    assert main(['--project', str(tmp_path / 'style.ganvas'), '--steps', '1', '--out', str(tmp_path / 'o.ganvas')]) == 2
    assert 'the saved weights has no g.map0.w' in capsys.readouterr().out
    assert not (tmp_path / 'o.ganvas').exists()


def test_a_dcgan_with_r1_is_refused_by_name(start, tmp_path, capsys):
    s = read_project(start)
    s.config = {**s.config, 'r1GammaAuto': False, 'r1Gamma': 1.0}
    (tmp_path / 'r1.ganvas').write_bytes(encode_project(s))
    from ganvas_torch.train import main
    assert main(['--project', str(tmp_path / 'r1.ganvas'), '--steps', '1', '--out', str(tmp_path / 'o.ganvas')]) == 2
    assert "does not train DCGAN with R1 yet (this project's r1Gamma is 1.0)" in capsys.readouterr().out
    assert not (tmp_path / 'o.ganvas').exists()


def test_mirrored_reals_draw_as_ganvas_draws_them(tmp_path):
    # Faces, not shapes: a drawn shape can be its own mirror image, and then a flip changes nothing.
    cli('--data', 'faces', *TINY[2:], '--xflip', '1', '--steps', '0', '--out', tmp_path, '--save', tmp_path / 'init.ganvas')
    cli('--resume', tmp_path / 'init.ganvas', '--steps', 4, '--every', 1000, '--out', tmp_path / 'cli')
    torch_train('--project', tmp_path / 'init.ganvas', '--steps', 4, '--out', tmp_path / 'py.ganvas', '--metrics', tmp_path / 'py.jsonl')
    a, b = losses(tmp_path / 'cli' / 'metrics.jsonl'), losses(tmp_path / 'py.jsonl')
    assert max(max(abs(x[1] - y[1]), abs(x[2] - y[2])) for x, y in zip(a, b)) <= 1e-5


def test_a_global_batch_the_page_could_not_open_is_refused_before_training(start, tmp_path, capsys):
    from ganvas_torch.train import main
    assert main(['--project', str(start), '--steps', '1', '--out', str(tmp_path / 'o.ganvas'), '--batch', '300']) == 2
    assert '--batch 300: batch must be an integer from 1 to 256 (got 300)' in capsys.readouterr().out
    assert not (tmp_path / 'o.ganvas').exists()
