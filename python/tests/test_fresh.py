"""A fresh run from images (--data): the same step 0 as the page's, on a folder or a StyleGAN2-ADA zip."""
import io
import json
import zipfile

import numpy as np
import pytest
from conftest import cli, torch_train

from ganvas_torch.project import read_project

Image = pytest.importorskip('PIL.Image')


def png(a, mode=None):
    out = io.BytesIO()
    img = Image.fromarray(a.astype(np.uint8), None if mode == 'P' else mode)
    (img.convert('P') if mode == 'P' else img).save(out, 'PNG')
    return out.getvalue()


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    """PNGs of every colour type and size class, a duplicate, junk, a non-image, and a dataset zip."""
    d = tmp_path_factory.mktemp('images')
    r = np.random.default_rng(7)
    (d / 'sub').mkdir()
    (d / 'wide.png').write_bytes(png(r.integers(0, 256, (50, 70, 3))))  # centre-cropped, shrunk
    (d / 'wide-again.png').write_bytes((d / 'wide.png').read_bytes())  # the same bytes: kept once
    (d / 'alpha.png').write_bytes(png(r.integers(0, 256, (90, 40, 4)), 'RGBA'))  # composited over white
    (d / 'sub' / 'tiny.png').write_bytes(png(r.integers(0, 256, (10, 12, 3))))  # enlarged (bilinear)
    (d / 'sub' / 'grey.png').write_bytes(png(r.integers(0, 256, (64, 64)), 'L'))
    (d / 'palette.png').write_bytes(png(r.integers(0, 256, (33, 33, 3)), 'P'))
    (d / '.hidden.png').write_bytes(b'not looked at')
    (d / 'notes.txt').write_text('not an image')
    with zipfile.ZipFile(d / 'set.zip', 'w') as z:  # the layout of StyleGAN2-ADA's dataset_tool
        z.writestr('00000/img00000000.png', png(r.integers(0, 256, (32, 32, 3))))
        z.writestr('00000/img00000001.png', png(r.integers(0, 256, (32, 32, 3))))
        z.writestr('dataset.json', json.dumps({'labels': None}))
    return d


def tensors_equal(a: dict, b: dict):
    assert list(a) == list(b)
    different = [k for k in a if not np.array_equal(a[k], b[k])]
    assert different == []


@pytest.mark.parametrize('model, settings', [('dcgan', ['--res', '32', '--width', '8']), ('stylegan', ['--res', '16', '--width', '8'])])
def test_a_fresh_run_starts_where_the_page_starts(images, tmp_path, model, settings):
    cli('--data', images, '--model', model, *settings, '--batch', '4', '--seed', '5', '--steps', '0', '--out', tmp_path / 'cli',
        '--save', tmp_path / 'page.ganvas')
    res, width = settings[1], settings[3]
    log = torch_train('--data', images, '--model', model, '--res', res, '--set', f'width={width}', '--batch', '4', '--set', 'seed=5',
                      '--set', 'gridSide=8', '--steps', '0', '--out', tmp_path / 'torch.ganvas').stdout
    assert 'skipped wide.png: the same bytes as an earlier file' in log and 'skipped notes.txt' in log
    page, ours = read_project(tmp_path / 'page.ganvas'), read_project(tmp_path / 'torch.ganvas')
    assert ours.dataset['names'] == page.dataset['names'] == [
        'alpha.png', 'palette.png', 'set.zip/00000/img00000000.png', 'set.zip/00000/img00000001.png', 'sub/grey.png', 'sub/tiny.png', 'wide-again.png']
    assert np.array_equal(ours.dataset['pixels'], page.dataset['pixels'])  # prepared to the same bytes
    assert ours.config == page.config
    tensors_equal(ours.params, page.params)  # the same draws from the same seeded stream
    for side in ('g', 'd'):
        tensors_equal(ours.optimizers[side]['weights'], page.optimizers[side]['weights'])
    assert set(ours.extras) == set(page.extras)
    tensors_equal({k: ours.extras[k] for k in page.extras}, page.extras)
    assert ours.rng == page.rng and ours.meta['name'] == page.meta['name'] == f'{images.name} · 7'


def test_a_fresh_run_continues_and_opens_in_the_page(images, tmp_path):
    out = tmp_path / 'run.ganvas'
    args = ['--data', images / 'set.zip', '--res', '16', '--set', 'width=4', '--batch', '2', '--set', 'reportEvery=1']
    torch_train(*args, '--steps', '3', '--out', out)
    log = torch_train(*args, '--steps', '5', '--out', out).stdout
    assert 'continuing from' in log and 'at step 3' in log
    run = read_project(out)
    assert run.step == 5 and [h['step'] for h in run.history] == [1, 2, 3, 4, 5]
    assert run.dataset['names'] == ['set.zip/00000/img00000000.png', 'set.zip/00000/img00000001.png']
    # Other settings are another run: refused, not silently mixed into this one.
    other = torch_train(*args, '--set', 'seed=2', '--steps', '5', '--out', out, check=False)
    assert other.returncode != 0 and 'holds another run' in other.stdout + other.stderr
    back = cli('--resume', out, '--steps', '2', '--every', 1000, '--out', tmp_path / 'cli')
    assert 'at step 5' in back or 'step 7' in back


@pytest.mark.parametrize('args, says', [
    (['--set', 'colour=red'], 'unknown setting(s) colour'),
    (['--res', '48'], 'res must be one of 16, 32, 64'),
    (['--set', 'ada=maybe'], 'ada takes 0 or 1'),
])
def test_bad_settings_are_refused_with_the_reason(images, tmp_path, args, says):
    r = torch_train('--data', images, *args, '--steps', '1', '--out', tmp_path / 'x.ganvas', check=False)
    assert r.returncode == 2 and says in r.stdout + r.stderr
    assert not (tmp_path / 'x.ganvas').exists()


def test_a_folder_without_images_is_refused(tmp_path):
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'empty' / 'readme.txt').write_text('no pictures here')
    r = torch_train('--data', tmp_path / 'empty', '--steps', '1', '--out', tmp_path / 'x.ganvas', check=False)
    assert r.returncode == 2 and 'holds no image that could be read (1 skipped)' in r.stdout
