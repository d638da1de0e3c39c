"""Images for a fresh run: a folder or a zip (a StyleGAN2-ADA dataset zip is one), prepared as the
page prepares them (src/data/prepare.ts, src/data/load.ts).

The page's rules, kept here: files in a stable sorted order named by their path (inside a zip:
"archive.zip/path/inside.png"); junk (hidden files, __MACOSX, .DS_Store, Thumbs.db, …) skipped;
byte-identical files kept once; alpha composited over the background; a centre crop (or, with
`fit='pad'`, the whole image letterboxed); shrinking by area averaging and enlarging by bilinear
interpolation, rows then columns, in sRGB values; [-1, 1] floats, then 8 bits a channel as the
project file stores them. The arithmetic follows the page's step for step (float64 sums, the row
pass kept in float32), so the same PNG gives the same bytes on both sides (tests/test_fresh.py).

Decoding needs Pillow (Debian: python3-pil); continuing a .ganvas run does not.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from .project import MAX_DATASET_IMAGES, quantise

JUNK_NAMES = {'.ds_store', 'thumbs.db', 'desktop.ini', 'ehthumbs.db'}
ARCHIVE = ('.zip', '.7z', '.rar', '.tar', '.gz', '.tgz')
MAX_IMAGE_PIXELS = 50_000_000  # src/data/sniff.ts MAX_IMAGE_PIXELS


class DatasetError(ValueError):
    """Images that cannot make a dataset, with the reason."""


@dataclass
class Prepared:
    res: int
    pixels: np.ndarray  # uint8, count × res × res × 3
    names: list
    skipped: list  # [(name, reason)]

    def as_project_dataset(self) -> dict:
        return {'res': self.res, 'count': len(self.names), 'pixels': self.pixels.reshape(-1), 'names': self.names}


def is_junk(name: str) -> bool:
    """isJunkPath (src/data/zip.ts)."""
    if name == '' or name.endswith(('/', '\\')):
        return True
    parts = name.replace('\\', '/').split('/')
    hidden = any(p == '__MACOSX' or (p.startswith('.') and p not in ('.', '..')) for p in parts)
    return hidden or parts[-1].lower() in JUNK_NAMES


def folder_files(root: str) -> list:
    """Every file under `root`, recursively, sorted by name at each level, named by its relative path."""
    out = []

    def visit(rel):
        for entry in sorted(os.scandir(os.path.join(root, rel) if rel else root), key=lambda e: e.name):
            name = f'{rel}/{entry.name}' if rel else entry.name
            if entry.is_dir():
                if not is_junk(f'{name}/x'):
                    visit(name)
            elif not is_junk(name):
                with open(entry.path, 'rb') as f:
                    out.append((name, f.read()))
    visit('')
    return out


def zip_files(data: bytes, label: str) -> list:
    """The files of a zip, named "label/path", in the archive's order (junk and folders skipped)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(f'{label}/{i.filename}', z.read(i)) for i in z.infolist() if not i.is_dir() and not is_junk(i.filename)]
    except zipfile.BadZipFile as e:
        raise DatasetError(f'{label} is not a readable zip archive ({e})') from None


def is_zip(name: str, data: bytes) -> bool:
    return data[:4] in (b'PK\x03\x04', b'PK\x05\x06') or name.lower().endswith('.zip')


def decode(name: str, data: bytes) -> np.ndarray:
    """RGBA uint8 (h × w × 4), EXIF orientation applied, as the page's decoders give it."""
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise DatasetError('decoding images needs Pillow: install python3-pil (Debian) or pip install Pillow') from None
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise DatasetError(f'{img.width}×{img.height} is over {MAX_IMAGE_PIXELS // 1_000_000} megapixels')
            return np.asarray(ImageOps.exif_transpose(img).convert('RGBA'), dtype=np.uint8)
    except DatasetError:
        raise
    except Exception as e:  # Pillow raises many kinds for a damaged or foreign file
        raise DatasetError(f'not an image Pillow can read ({type(e).__name__})') from None


def layout(width: int, height: int, res: int, fit: str):
    """Which source rectangle is used and where it lands: ((x, y, w, h), (x, y, w, h))."""
    if fit == 'center':
        side = min(width, height)
        return ((width - side) // 2, (height - side) // 2, side, side), (0, 0, res, res)
    scale = res / max(width, height)
    w, h = max(1, _round(width * scale)), max(1, _round(height * scale))
    return (0, 0, width, height), ((res - w) // 2, (res - h) // 2, w, h)


def _round(v: float) -> int:
    return math.floor(v + 0.5)  # Math.round


def axis_taps(src_start: int, src_len: int, dst_len: int) -> list:
    """[(first source index, weights)] for each output along one axis."""
    f = src_len / dst_len
    taps = []
    for i in range(dst_len):
        if f > 1:  # box filter: each source pixel weighted by how much of it the footprint [a, b) covers
            a, b = i * f, min(src_len, (i + 1) * f)
            first = math.floor(a)
            weights, j = [], first
            while j < b:
                weights.append((min(b, j + 1) - max(a, j)) / f)
                j += 1
            taps.append((src_start + first, weights))
        else:  # bilinear, pixel centres aligned, edges clamped
            c = min(src_len - 1, max(0, (i + 0.5) * f - 0.5))
            j = math.floor(c)
            t = c - j
            taps.append((src_start + j, [1 - t, t] if t > 0 and j + 1 < src_len else [1]))
    return taps


def to_unit(v):
    return np.minimum(1, np.maximum(-1, v / 127.5 - 1))


def prepare(rgba: np.ndarray, res: int, background=(255, 255, 255), fit: str = 'center') -> np.ndarray:
    """prepareImage: res × res × 3 float32 in [-1, 1]."""
    height, width = rgba.shape[:2]
    (sx, sy, sw, sh), (dx, dy, dw, dh) = layout(width, height, res, fit)
    bg = np.asarray(background, np.float64)
    out = np.empty((res, res, 3), np.float32)
    if dw < res or dh < res:
        out[:] = to_unit(bg)
    rows = rgba[sy:sy + sh].astype(np.float64)
    tmp = np.empty((sh, dw, 3), np.float32)
    for ox, (start, weights) in enumerate(axis_taps(sx, sw, dw)):
        acc = np.zeros((sh, 3))
        for k, w in enumerate(weights):
            px = rows[:, start + k]
            a = px[:, 3:4] / 255
            acc += w * (px[:, :3] * a + bg * (1 - a))
        tmp[:, ox] = acc
    for oy, (start, weights) in enumerate(axis_taps(sy, sh, dh)):
        acc = np.zeros((dw, 3))
        for k, w in enumerate(weights):
            acc += w * tmp[start - sy + k].astype(np.float64)
        out[dy + oy, dx:dx + dw] = to_unit(acc)
    return out


def load(source: str, res: int, background=(255, 255, 255), fit: str = 'center', log=print) -> Prepared:
    """A folder or a zip of images as the project file's 8-bit dataset; refuses an empty result."""
    if os.path.isdir(source):
        files = folder_files(source)
    elif os.path.isfile(source):
        with open(source, 'rb') as f:
            files = [(os.path.basename(source), f.read())]
    else:
        raise DatasetError(f'{source}: no such folder or zip file')
    expanded, skipped = [], []
    for name, data in files:  # zips are opened (as the page opens a dropped one); archives inside them are not
        if not is_zip(name, data):
            expanded.append((name, data))
            continue
        for inner, inner_data in zip_files(data, name):
            if inner.lower().endswith(ARCHIVE):
                skipped.append((inner, 'an archive inside an archive is not opened'))
            else:
                expanded.append((inner, inner_data))
    images, names, seen = [], [], set()
    for name, data in expanded:
        if name.endswith('dataset.json'):
            continue  # StyleGAN2-ADA's class labels: Ganvas trains without them
        digest = hashlib.sha256(data).digest()
        if digest in seen:
            skipped.append((name, 'the same bytes as an earlier file'))
            continue
        try:
            rgba = decode(name, data)
        except DatasetError as e:
            skipped.append((name, str(e)))
            continue
        if len(names) >= MAX_DATASET_IMAGES:
            skipped.append((name, f'the dataset is full ({MAX_DATASET_IMAGES} images)'))
            continue
        seen.add(digest)
        images.append(quantise(prepare(rgba, res, background, fit)))
        names.append(name)
    for name, reason in skipped:
        log(f'skipped {name}: {reason}')
    if not names:
        raise DatasetError(f'{source} holds no image that could be read ({len(skipped)} skipped)')
    return Prepared(res, np.stack(images), names, skipped)
