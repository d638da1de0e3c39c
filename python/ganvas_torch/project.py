"""The .ganvas project file, read and written with the page's rules (src/gan/project/checkpoint*.ts).

A zip holding
    manifest.json      sealed with its own FNV-1a checksum (first field), format "ganvas" v1, the
                       config, step, RNG position, history, meta and a table of every tensor
    weights.bin        float32 little-endian arrays back to back: params, optimizer slots, extras
    timeline/NNNN.png  optional grid thumbnails
    dataset.bin        optional prepared dataset, 8 bits per channel

Reading checks every byte and field the page checks and refuses a damaged or foreign file with a
`ProjectError` whose text says why, in the words the page uses. Writing produces the bytes the
page's reader accepts (stored entries, the manifest deflated, the seal computed the same way).
"""
from __future__ import annotations

import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

FORMAT = 'ganvas'
VERSION = 1
MANIFEST = 'manifest.json'
WEIGHTS = 'weights.bin'
DATASET = 'dataset.bin'
MiB = 1024 * 1024
MAX_PROJECT_BYTES = 512 * MiB
MAX_MANIFEST_BYTES = 64 * MiB
MAX_PNG_BYTES = 16 * MiB
MAX_TIMELINE_FRAMES = 4096
MAX_TENSORS = 10_000
MAX_TENSOR_RANK = 8
MAX_DATASET_IMAGES = 100_000
MAX_META_CHARS = 500
MAX_IMAGE_NAME_CHARS = 1000
MAX_FRAME_SIDE = 16384
TIMELINE = re.compile(r'^timeline/\d{4,6}\.png$')
NAME = re.compile(r'^[A-Za-z0-9_.:/-]{1,200}$')
HEX8 = re.compile(r'^[0-9a-f]{8}$')
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
DEFLATE_MAX_RATIO = 1032

# src/contract/config.ts NUMERIC_LIMITS: (min, max, integer). Fields not listed travel unchecked.
CONFIG_LIMITS = {
    'res': (16, 64, True), 'width': (4, 256, True), 'zDim': (2, 512, True), 'batch': (1, 256, True),
    'lrG': (1e-6, 10, False), 'lrD': (1e-6, 10, False), 'beta1': (0, 0.9999, False),
    'beta2': (0, 0.99999, False), 'seed': (0, 2 ** 31 - 1, True), 'reportEvery': (1, 1000, True),
    'sampleEveryMs': (0, 60_000, True), 'gridSide': (1, 12, True), 'qualityEveryMs': (500, 3_600_000, True),
    'autosaveMs': (1000, 3_600_000, True), 'adaTarget': (0, 0.99, False), 'wDim': (4, 512, True),
    'mappingLayers': (1, 8, True), 'r1Gamma': (0, 100, False), 'r1Every': (1, 64, True),
    'emaHalfLife': (1, 1e7, False), 'dSteps': (0, 5, True), 'gSteps': (0, 5, True),
}
RESOLUTIONS = (16, 32, 64)
MODEL_KINDS = ('dcgan', 'stylegan', 'autoencoder', 'vae')


class ProjectError(ValueError):
    """A file (or state) that cannot be used, with the reason as the page would say it."""


@dataclass
class Snapshot:
    """A run's whole state, as TrainerSnapshot (src/gan/project/checkpoint-types.ts)."""
    config: dict
    step: int
    rng: dict  # {'state': int, 'spare': float | None}
    params: dict  # name -> float32 ndarray (Ganvas layouts)
    optimizers: dict  # name -> {'iterations': int, 'weights': {name: ndarray}}
    history: list  # [{'step', 'gLoss', 'dLoss', 'dReal', 'dFake', 'imagesPerSec'}]
    meta: dict
    extras: dict | None = None
    timeline: list | None = None  # [{'step', 'width', 'height', 'png': bytes}]
    dataset: dict | None = None  # {'res', 'count', 'pixels': uint8 ndarray, 'names': [str]}
    notes: list = field(default_factory=list)


def fnv1a(data) -> str:
    """FNV-1a 32 as 8 hex digits (checkpoint-bytes.ts fnv1a)."""
    h = 0x811C9DC5
    for b in bytes(data):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return f'{h:08x}'


def float64_to_array(x: float) -> np.ndarray:
    """A float64 as four exact 16-bit pieces in float32s (trainer-state.ts float64ToArray)."""
    return np.frombuffer(np.array([x], '<f8').tobytes(), '<u2').astype(np.float32)


def array_to_float64(a) -> float | None:
    if a is None or a.size != 4:
        return None
    x = float(np.frombuffer(np.asarray(a, np.float32).astype('<u2').tobytes(), '<f8')[0])
    return x if math.isfinite(x) else None


def refuse(text: str):
    raise ProjectError(text)


def _show(v) -> str:
    return json.dumps(v)[:60]


def _bad(where, what, v):
    refuse(f'manifest.json: {where} must be {what} (got {_show(v)})')


def _is_count(v, hi=2 ** 53 - 1, lo=0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


# --- reading ---------------------------------------------------------------------------------

def _entry_limit(name: str):
    if name == MANIFEST:
        return MAX_MANIFEST_BYTES
    if name in (WEIGHTS, DATASET):
        return MAX_PROJECT_BYTES
    if TIMELINE.match(name):
        return MAX_PNG_BYTES
    return None


def _read_entries(data: bytes) -> dict:
    """checkpoint-zip.ts readEntries: the directory screened before anything is inflated."""
    if len(data) < 4 or data[:2] != b'PK' or data[2] not in (3, 5):
        refuse('this is not a Ganvas project file (it is not a zip archive)')
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        refuse('the project file is truncated or damaged: its zip directory cannot be read')
    declared, total = {}, 0
    for info in infos:
        name = info.filename
        if len(declared) >= MAX_TIMELINE_FRAMES + 3:
            refuse('the project file has too many entries')
        limit = _entry_limit(name)
        if limit is None:
            refuse(f'the project file holds an unexpected entry {json.dumps(name[:80])}')
        if name in declared:
            refuse(f'the project file holds two entries named {json.dumps(name[:80])}')
        if info.compress_type not in (0, 8):
            refuse(f'{name} uses zip compression method {info.compress_type}, which Ganvas does not read')
        if info.file_size > limit:
            refuse(f'{name} declares {info.file_size} bytes uncompressed, over the limit of {limit}')
        stored = info.compress_type == 0
        if (info.file_size != info.compress_size) if stored else info.file_size > info.compress_size * DEFLATE_MAX_RATIO + 1024:
            refuse(f'{name} declares {info.file_size} bytes from {info.compress_size} stored: the file is damaged or forged')
        total += info.file_size
        if total > MAX_PROJECT_BYTES:
            refuse(f'the project is over {MAX_PROJECT_BYTES} bytes uncompressed')
        declared[name] = info
    entries = {}
    for name, info in declared.items():
        try:
            got = archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            refuse(f'the project file is damaged: unpacking failed at or after {name}')
        if len(got) != info.file_size:
            refuse(f'{name} is truncated or damaged: it should hold {info.file_size} bytes but {len(got)} could be read')
        entries[name] = got
    return entries


SEAL_PREFIX = b'{"fnv1a":"'


def _check_seal(raw: bytes):
    end = len(SEAL_PREFIX) + 8
    if len(raw) < end or not raw.startswith(SEAL_PREFIX):
        refuse('manifest.json does not start with its checksum: it was not written by Ganvas, or was edited')
    stated = raw[len(SEAL_PREFIX):end].decode('latin-1')
    actual = fnv1a(raw[:len(SEAL_PREFIX)] + b'00000000' + raw[end:])
    if actual != stated:
        refuse(f'manifest.json is damaged: its checksum is {actual} but it says {stated}')


SPECIAL = {'NaN': math.nan, 'Infinity': math.inf, '-Infinity': -math.inf, '-0': -0.0}


def _json_number(v, where):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str) and v in SPECIAL:
        return SPECIAL[v]
    _bad(where, 'a number', v)


def _record(v, where) -> dict:
    return v if isinstance(v, dict) else _bad(where, 'an object', v)


def _list(v, where, most) -> list:
    if not isinstance(v, list):
        _bad(where, 'a list', v)
    if len(v) > most:
        refuse(f'manifest.json: {where} has {len(v)} items (at most {most})')
    return v


def _count(v, where):
    return v if _is_count(v) else _bad(where, f'a whole number from 0 to {2 ** 53 - 1}', v)


def _text(v, where):
    return v if isinstance(v, str) else _bad(where, 'text', v)


def _checksum(v, where):
    return v if isinstance(v, str) and HEX8.match(v) else _bad(where, 'an 8-digit hex checksum', v)


def _check_name(name, what):
    if not NAME.match(name) or name == '__proto__':
        refuse(f'{what} name {json.dumps(name[:80])} is not allowed (letters, digits and _ . : / - only, at most 200)')


def _shape_size(shape, most):
    if not isinstance(shape, list):
        return 'shape is not a list of sizes'
    if len(shape) > MAX_TENSOR_RANK:
        return f'shape has {len(shape)} dimensions (at most {MAX_TENSOR_RANK})'
    size = 1
    for d in shape:
        if not _is_count(d, most, 1):
            return f'shape [{", ".join(json.dumps(x) for x in shape)}] must hold positive integers'
        size *= d
        if size > most:
            return f'shape [{", ".join(map(str, shape))}] is larger than a project can hold'
    return size


def _tensor_record(v, where):
    o = _record(v, where)
    name = _text(o.get('name'), f'{where}.name')
    _check_name(name, 'tensor')
    if o.get('dtype') != 'float32':
        refuse(f'manifest.json: tensor {name} has dtype {_show(o.get("dtype"))}; only "float32" is stored')
    size = _shape_size(o.get('shape'), MAX_PROJECT_BYTES // 4)
    if isinstance(size, str):
        refuse(f'manifest.json: tensor {name}: {size}')
    offset = _count(o.get('byteOffset'), f"tensor {name}'s byteOffset")
    length = _count(o.get('byteLength'), f"tensor {name}'s byteLength")
    if length != size * 4:
        shape = ', '.join(map(str, o['shape']))
        refuse(f'manifest.json: tensor {name} has shape [{shape}], which needs {size * 4} bytes, but its byteLength is {length}')
    return {'name': name, 'shape': list(o['shape']), 'byteOffset': offset, 'byteLength': length,
            'fnv1a': _checksum(o.get('fnv1a'), f"tensor {name}'s fnv1a")}


def _tensor_records(v, where):
    return [_tensor_record(t, f'{where}[{i}]') for i, t in enumerate(_list(v, where, MAX_TENSORS))]


class _WeightReader:
    """Tensors in table order; each must start where the one before it ended."""

    def __init__(self, data: bytes):
        self.data, self.end = data, 0

    def group(self, records, label):
        out = {}
        for r in records:
            if r['name'] in out:
                refuse(f"weights.bin's table lists {label(r['name'])} twice")
            out[r['name']] = self.tensor(r, label(r['name']))
        return out

    def tensor(self, r, label):
        start, stop = r['byteOffset'], r['byteOffset'] + r['byteLength']
        if stop > len(self.data):
            refuse(f'weights.bin is truncated: {label} needs bytes {start}–{stop} but the file has {len(self.data)}')
        if start != self.end:
            refuse(f"weights.bin's table is inconsistent: {label} starts at byte {start} but the tensor before it ends at {self.end}")
        chunk = self.data[start:stop]
        if fnv1a(chunk) != r['fnv1a']:
            refuse(f"weights.bin is damaged: {label} has checksum {fnv1a(chunk)} but the manifest says {r['fnv1a']}")
        self.end = stop
        return np.frombuffer(chunk, '<f4').astype(np.float32).reshape(r['shape'])

    def finish(self, declared):
        if self.end != len(self.data):
            refuse(f'weights.bin has {len(self.data) - self.end} bytes after its last tensor')
        if declared != len(self.data):
            refuse(f'weights.bin is {len(self.data)} bytes but the manifest says {declared}')


def _check_blob(name, data, want):
    if len(data) != want['byteLength']:
        refuse(f"{name} is {len(data)} bytes but the manifest says {want['byteLength']}")
    if fnv1a(data) != want['fnv1a']:
        refuse(f"{name} is damaged: its checksum is {fnv1a(data)} but the manifest says {want['fnv1a']}")


def _blob(o, where, expected):
    if o.get('file') != expected:
        _bad(f'{where}.file', json.dumps(expected), o.get('file'))
    return {'file': expected, 'byteLength': _count(o.get('byteLength'), f'{where}.byteLength'),
            'fnv1a': _checksum(o.get('fnv1a'), f'{where}.fnv1a')}


def timeline_file(i: int) -> str:
    return f'timeline/{i:04d}.png'


def check_config(config: dict):
    """validateConfig (src/contract/config.ts) for the fields this package knows."""
    issues = []
    for key, (lo, hi, integer) in CONFIG_LIMITS.items():
        v = config.get(key)
        if v is None:
            continue
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and lo <= v <= hi
        if not ok or (integer and float(v) != int(v)):
            kind = 'an integer' if integer else 'a number'
            issues.append(f'{key} must be {kind} from {lo} to {hi} (got {v})')
    if config.get('res') not in RESOLUTIONS:
        issues.append(f'res must be one of {", ".join(map(str, RESOLUTIONS))} (got {config.get("res")})')
    if config.get('model') not in MODEL_KINDS:
        issues.append(f'model must be one of {", ".join(MODEL_KINDS)} (got {config.get("model")})')
    if config.get('dSteps') == 0 and config.get('gSteps') == 0:
        issues.append('dSteps and gSteps cannot both be 0: nobody would learn')
    if issues:
        refuse(f'the saved config is invalid: {"; ".join(issues)}')


def check_snapshot(s: Snapshot):
    """checkpoint-check.ts checkSnapshot: what makes a state sound, on the way in and out."""
    for key in ('name', 'created', 'updated', 'app'):
        v = s.meta.get(key)
        if not isinstance(v, str) or len(v) > MAX_META_CHARS:
            refuse(f"the project's {key} must be text of at most {MAX_META_CHARS} characters")
    check_config(s.config)
    if not _is_count(s.step):
        refuse(f'step must be a whole number ≥ 0 (got {s.step})')
    if not _is_count(s.rng.get('state'), 0xFFFFFFFF):
        refuse(f"the random generator's state must be a 32-bit unsigned integer (got {s.rng.get('state')})")
    spare = s.rng.get('spare')
    if spare is not None and not math.isfinite(spare):
        refuse(f"the random generator's spare value is not a finite number (got {spare})")
    count = 0

    def group(arrays, label):
        nonlocal count
        for name, a in arrays.items():
            _check_name(name, 'tensor')
            if a.dtype != np.float32:
                refuse(f'{label(name)}: values are not a Float32Array')
            bad = np.flatnonzero(~np.isfinite(a.reshape(-1)))
            if bad.size:
                value = a.reshape(-1)[bad[0]]
                refuse(f'{label(name)} contains {value} (first at index {bad[0]}): the run had diverged, so these weights cannot be used')
            count += 1

    group(s.params, lambda n: f'tensor {n}')
    for opt, state in s.optimizers.items():
        _check_name(opt, 'optimizer')
        if not _is_count(state['iterations']):
            refuse(f"optimizer {opt}: iterations must be a whole number ≥ 0 (got {state['iterations']})")
        group(state['weights'], lambda n, o=opt: f'optimizer {o} slot {n}')
    group(s.extras or {}, lambda n: f'extra tensor {n}')
    if count > MAX_TENSORS:
        refuse(f'the project has {count} tensors (at most {MAX_TENSORS})')
    frames = s.timeline or []
    if len(frames) > MAX_TIMELINE_FRAMES:
        refuse(f'the timeline has {len(frames)} frames (at most {MAX_TIMELINE_FRAMES})')
    for i, f in enumerate(frames):
        png = f['png']
        if len(png) < 24 or not png.startswith(PNG_SIGNATURE) or png[12:16] != b'IHDR':
            refuse(f"timeline frame {i} (step {f['step']}) is not a PNG image")
        w, h = int.from_bytes(png[16:20], 'big'), int.from_bytes(png[20:24], 'big')
        if (w, h) != (f['width'], f['height']) or not (1 <= w <= MAX_FRAME_SIDE and 1 <= h <= MAX_FRAME_SIDE):
            refuse(f"timeline frame {i} (step {f['step']}) is said to be {f['width']}×{f['height']} but its PNG is {w}×{h}")
    d = s.dataset
    if d:
        if not _is_count(d['res'], 1024, 1):
            refuse(f"the stored dataset's resolution must be 1 to 1024 pixels (got {d['res']})")
        if not _is_count(d['count'], MAX_DATASET_IMAGES, 1):
            refuse(f"the stored dataset must hold 1 to {MAX_DATASET_IMAGES} images (got {d['count']})")
        want = d['res'] * d['res'] * 3 * d['count']
        if d['pixels'].size != want:
            refuse(f"the stored dataset should have {want} bytes of pixels ({d['count']} images of {d['res']}×{d['res']} RGB) but has {d['pixels'].size}")
        if len(d['names']) != d['count']:
            refuse(f"the stored dataset has {d['count']} images but {len(d['names'])} names")


def _parse_manifest(raw: bytes, notes: list) -> dict:
    try:
        o = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        refuse(f'manifest.json is not valid JSON ({e})')
    o = _record(o, 'the manifest')
    if o.get('format') != FORMAT:
        refuse(f'manifest.json says its format is {_show(o.get("format"))}, not "{FORMAT}": this is not a Ganvas project')
    if not _is_count(o.get('version'), lo=1):
        refuse(f'manifest.json has no valid format version (got {_show(o.get("version"))})')
    if o['version'] > VERSION:
        refuse(f'made by a newer Ganvas (format v{o["version"]}); this version reads v{VERSION}')
    _check_seal(raw)
    return o


def decode_project(data: bytes) -> Snapshot:
    """Reads a .ganvas file's bytes, or raises ProjectError saying why it is refused."""
    if not isinstance(data, (bytes, bytearray)):
        refuse('no file was given')
    if len(data) == 0:
        refuse('the file is empty')
    if len(data) > MAX_PROJECT_BYTES:
        refuse(f'the file is {len(data)} bytes, over the limit of {MAX_PROJECT_BYTES}')
    entries = _read_entries(bytes(data))
    if MANIFEST not in entries:
        refuse('manifest.json is missing: this zip is not a Ganvas project')
    notes = []
    m = _parse_manifest(entries[MANIFEST], notes)
    meta = _record(m.get('meta'), 'meta')
    meta = {k: _text(meta.get(k), f'meta.{k}') for k in ('name', 'created', 'updated', 'app')}
    config = _record(m.get('config'), 'config')
    rng = _record(m.get('rng'), 'rng')
    rng_state = rng.get('state')
    if not isinstance(rng_state, (int, float)) or isinstance(rng_state, bool):
        _bad('rng.state', 'a number', rng_state)
    spare = rng.get('spare')
    if spare is not None and (not isinstance(spare, (int, float)) or isinstance(spare, bool)):
        _bad('rng.spare', 'a number', spare)
    history = []
    for i, h in enumerate(_list(m.get('history'), 'history', 10 ** 7)):
        h = _record(h, f'history[{i}]')
        history.append({k: _json_number(h.get(k), f'history[{i}].{k}') for k in ('step', 'gLoss', 'dLoss', 'dReal', 'dFake', 'imagesPerSec')})
    for h in history:
        h['step'] = int(h['step']) if float(h['step']).is_integer() else h['step']
    w = _record(m.get('weights'), 'weights')
    if w.get('file') != WEIGHTS:
        _bad('weights.file', json.dumps(WEIGHTS), w.get('file'))
    opt_records = []
    for i, x in enumerate(_list(w.get('optimizers'), 'weights.optimizers', 100)):
        x = _record(x, f'weights.optimizers[{i}]')
        name = _text(x.get('name'), f'weights.optimizers[{i}].name')
        opt_records.append((name, _count(x.get('iterations'), f"optimizer {name}'s iterations"),
                            _tensor_records(x.get('weights'), f"optimizer {name}'s weights")))
    params_records = _tensor_records(w.get('params'), 'weights.params')
    extras_records = _tensor_records(w['extras'], 'weights.extras') if 'extras' in w else None
    frames = None
    if 'timeline' in m:
        frames = []
        for i, x in enumerate(_list(m['timeline'], 'timeline', MAX_TIMELINE_FRAMES)):
            x = _record(x, f'timeline[{i}]')
            frames.append({**_blob(x, f'timeline[{i}]', timeline_file(i)), 'step': _count(x.get('step'), f'timeline[{i}].step'),
                           'width': _count(x.get('width'), f'timeline[{i}].width'), 'height': _count(x.get('height'), f'timeline[{i}].height')})
    dataset = None
    if 'dataset' in m:
        d = _record(m['dataset'], 'dataset')
        names = [_text(n, f'dataset.names[{i}]') for i, n in enumerate(_list(d.get('names'), 'dataset.names', 10 ** 6))]
        dataset = {**_blob(d, 'dataset', DATASET), 'res': _count(d.get('res'), 'dataset.res'),
                   'count': _count(d.get('count'), 'dataset.count'), 'names': names}
    listed = {MANIFEST, WEIGHTS, *(f['file'] for f in frames or []), *([DATASET] if dataset else [])}
    for name in sorted(listed):
        if name not in entries:
            refuse(f'{name} is missing from the project file (the manifest lists it)')
    for name in entries:
        if name not in listed:
            refuse(f'the project file holds {name}, which its manifest does not list')
    reader = _WeightReader(entries[WEIGHTS])
    params = reader.group(params_records, lambda n: f'tensor {n}')
    optimizers = {}
    for name, iterations, records in opt_records:
        if name in optimizers:
            refuse('manifest.json lists one optimizer twice')
        optimizers[name] = {'iterations': iterations, 'weights': reader.group(records, lambda n, o=name: f'optimizer {o} slot {n}')}
    extras = reader.group(extras_records, lambda n: f'extra tensor {n}') if extras_records is not None else None
    reader.finish(_count(w.get('byteLength'), 'weights.byteLength'))
    timeline = None
    if frames is not None:
        timeline = []
        for f in frames:
            _check_blob(f['file'], entries[f['file']], f)
            timeline.append({'step': f['step'], 'width': f['width'], 'height': f['height'], 'png': entries[f['file']]})
    stored = None
    if dataset:
        _check_blob(DATASET, entries[DATASET], dataset)
        stored = {'res': dataset['res'], 'count': dataset['count'], 'names': dataset['names'],
                  'pixels': np.frombuffer(entries[DATASET], np.uint8).copy()}
    s = Snapshot(config=dict(config), step=m.get('step'), rng={'state': rng_state, 'spare': spare}, params=params,
                 optimizers=optimizers, history=history, meta=meta, extras=extras, timeline=timeline, dataset=stored, notes=notes)
    check_snapshot(s)
    return s


def read_project(path: str) -> Snapshot:
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        refuse(f'cannot read {path} ({e.strerror})')
    return decode_project(data)


# --- writing ---------------------------------------------------------------------------------

def _json_history_number(v: float):
    if v == 0 and math.copysign(1, v) < 0:
        return '-0'
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return int(v) if float(v).is_integer() and abs(v) < 2 ** 53 else v


def _pack(arrays: dict, out: bytearray) -> list:
    table = []
    for name, a in arrays.items():
        b = np.ascontiguousarray(a, '<f4').tobytes()
        table.append({'name': name, 'shape': [int(d) for d in np.shape(a)], 'dtype': 'float32', 'byteOffset': len(out),
                      'byteLength': len(b), 'fnv1a': fnv1a(b)})
        out += b
    return table


def encode_project(s: Snapshot) -> bytes:
    """A snapshot as .ganvas bytes the page opens; refuses (ProjectError) a state that could not be restored."""
    check_snapshot(s)
    weights = bytearray()
    table = {'file': WEIGHTS, 'byteLength': 0, 'params': _pack(s.params, weights),
             'optimizers': [{'name': n, 'iterations': int(o['iterations']), 'weights': _pack(o['weights'], weights)} for n, o in s.optimizers.items()]}
    if s.extras is not None:
        table['extras'] = _pack(s.extras, weights)
    table['byteLength'] = len(weights)
    manifest = {'fnv1a': '00000000', 'format': FORMAT, 'version': VERSION, 'meta': dict(s.meta), 'config': dict(s.config),
                'step': int(s.step), 'rng': {'state': int(s.rng['state']), 'spare': s.rng.get('spare')},
                'history': [{k: _json_history_number(float(h[k])) for k in ('step', 'gLoss', 'dLoss', 'dReal', 'dFake', 'imagesPerSec')} for h in s.history],
                'weights': table}
    files = []
    if s.timeline:
        manifest['timeline'] = [{'step': int(f['step']), 'width': int(f['width']), 'height': int(f['height']), 'file': timeline_file(i),
                                 'byteLength': len(f['png']), 'fnv1a': fnv1a(f['png'])} for i, f in enumerate(s.timeline)]
        files += [(timeline_file(i), bytes(f['png'])) for i, f in enumerate(s.timeline)]
    if s.dataset:
        d = s.dataset
        pixels = np.ascontiguousarray(d['pixels'], np.uint8).tobytes()
        manifest['dataset'] = {'res': int(d['res']), 'count': int(d['count']), 'names': list(d['names']), 'file': DATASET,
                               'byteLength': len(pixels), 'fnv1a': fnv1a(pixels)}
        files.append((DATASET, pixels))
    raw = json.dumps(manifest, separators=(',', ':'), ensure_ascii=False, allow_nan=False).encode('utf-8')
    raw = SEAL_PREFIX + fnv1a(raw).encode() + raw[len(SEAL_PREFIX) + 8:]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        def put(name, data, deflate=False):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            z.writestr(info, data)
        put(MANIFEST, raw, deflate=True)
        put(WEIGHTS, bytes(weights))
        for name, data in files:
            put(name, data)
    return buf.getvalue()


def write_project(path: str, s: Snapshot):
    """Writes atomically: a reader (or a kill) never sees half a file."""
    import os
    data = encode_project(s)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def quantise(pixels: np.ndarray) -> np.ndarray:
    """[-1, 1] floats to 0..255 (checkpoint-bytes.ts quantiseDataset): round half up, as Math.round."""
    q = np.floor((pixels.astype(np.float64) + 1) * 127.5 + 0.5)
    return np.clip(np.nan_to_num(q, nan=0), 0, 255).astype(np.uint8)


def dequantise(pixels: np.ndarray) -> np.ndarray:
    """0..255 to [-1, 1] with the page's arithmetic (v / 127.5 - 1 in float64, then float32)."""
    return (pixels.astype(np.float64) / 127.5 - 1).astype(np.float32)
