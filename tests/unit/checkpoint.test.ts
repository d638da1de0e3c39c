import { inEnglish } from '../helpers/english.ts';
import { describe, expect, it } from 'vitest';
import { english } from '../../src/contract/messages.ts';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { DEFAULT_CONFIG } from '../../src/contract/config.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { pngOf } from '../../src/data/png.ts';
import {
  decodeProject,
  dequantiseDataset,
  encodeProject,
  quantiseDataset,
  snapshotDifference,
  type NamedArray,
  type TrainerSnapshot,
} from '../../src/gan/project/checkpoint.ts';
import { fnv1a, readFloat32LE, writeFloat32LE } from '../../src/gan/project/checkpoint-bytes.ts';
import { sealManifest } from '../../src/gan/project/checkpoint-manifest.ts';

/** Float32 values that a careless encoder loses: signed zero, subnormals, the extremes. */
const TRICKY = [
  -0,
  0,
  1.401298464324817e-45,
  -1.401298464324817e-45,
  1e-40,
  1.1754943508222875e-38,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  1e-30,
  1 / 3,
  -2.5,
  65504,
];

function array(rng: Rng, shape: number[], tricky = false): NamedArray {
  const data = rng.normals(
    shape.reduce((a, b) => a * b, 1),
    0.02,
  );
  if (tricky) data.set(TRICKY.slice(0, data.length));
  return { shape, data };
}

/** Parameter shapes of the DCGAN (src/gan/nn/models/dcgan.ts) at res 32, width 32, zDim 100. */
const DCGAN_SMALL: Record<string, number[]> = {
  'g.fc.w': [100, 2048],
  'g.fc.b': [2048],
  'g.bn0.gamma': [128],
  'g.bn0.beta': [128],
  'g.up1.w': [4, 4, 64, 128],
  'g.up1.b': [64],
  'g.bn1.gamma': [64],
  'g.bn1.beta': [64],
  'g.up2.w': [4, 4, 32, 64],
  'g.up2.b': [32],
  'g.bn2.gamma': [32],
  'g.bn2.beta': [32],
  'g.up3.w': [4, 4, 3, 32],
  'g.up3.b': [3],
  'd.down1.w': [4, 4, 3, 32],
  'd.down1.b': [32],
  'd.down2.w': [4, 4, 32, 64],
  'd.down2.b': [64],
  'd.down3.w': [4, 4, 64, 128],
  'd.down3.b': [128],
  'd.fc.w': [2048, 1],
  'd.fc.b': [1],
};
const TINY: Record<string, number[]> = { 'g.fc.w': [4, 6], 'g.fc.b': [6], 'd.fc.w': [6, 1], 'd.fc.b': [1] };

function snapshot(shapes: Record<string, number[]>, full = true): TrainerSnapshot {
  const rng = new Rng(7);
  const params = Object.fromEntries(Object.entries(shapes).map(([n, s], i) => [n, array(rng, s, i === 0)]));
  const slots = (net: string) =>
    Object.fromEntries(
      Object.entries(shapes)
        .filter(([n]) => n.startsWith(`${net}.`))
        .flatMap(([n, s]) => [
          [`${n}/m`, array(rng, s)],
          [`${n}/v`, array(rng, s)],
        ]),
    );
  const s: TrainerSnapshot = {
    config: { ...DEFAULT_CONFIG, batch: 8, lrD: 1e-4 },
    step: 1234,
    rng: { state: 0xdeadbeef, spare: full ? -0.123456789012345 : undefined },
    params,
    optimizers: { g: { iterations: 1234, weights: slots('g') }, d: { iterations: 1233, weights: slots('d') } },
    history: [
      { step: 4, gLoss: 0.7, dLoss: 1.3, dReal: 0.5, dFake: -0, imagesPerSec: 120.5 },
      { step: 8, gLoss: NaN, dLoss: Infinity, dReal: -Infinity, dFake: 1e-300, imagesPerSec: 0 },
    ],
    meta: { name: 'faces «run» 1', created: '2026-01-01T00:00:00.000Z', updated: '2026-01-02T00:00:00.000Z', app: 'Ganvas 0.1.0' },
  };
  if (!full) return s;
  s.extras = { fixedZ: array(rng, [4, 16], true) };
  const thumb = (shade: number) => pngOf({ width: 8, height: 6, data: new Uint8Array(8 * 6 * 4).fill(shade) });
  s.timeline = [
    { step: 0, width: 8, height: 6, png: thumb(10) },
    { step: 100, width: 8, height: 6, png: thumb(200) },
  ];
  const pixels = quantiseDataset(rng.normals(2 * 4 * 4 * 3, 0.5));
  s.dataset = { res: 4, count: 2, pixels, names: ['a.png', 'b/c.png'] };
  return s;
}

const valid = encodeProject(snapshot(TINY));

/** A parsed manifest as a forger edits it: raw JSON, any field, any type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests write what no type allows
type RawManifest = any;

/** Re-packs a project after `edit` changes its entries and/or its parsed manifest (resealed, as a forger would). */
function rezip(bytes: Uint8Array, edit: (files: Record<string, Uint8Array>, manifest: RawManifest) => void): Uint8Array {
  const files: Record<string, Uint8Array> = unzipSync(bytes);
  const manifest = JSON.parse(strFromU8(files['manifest.json']!));
  edit(files, manifest);
  if (files['manifest.json']) files['manifest.json'] = sealManifest(manifest);
  return zipSync(files, { level: 0 });
}

/** Overwrites one tensor's stored values with `values` and fixes its checksum, so only the values are wrong. */
function withValues(name: string, values: number[]) {
  return (files: Record<string, Uint8Array>, manifest: RawManifest) => {
    const t = manifest.weights.params.find((x: { name: string }) => x.name === name);
    writeFloat32LE(new Float32Array(values), files['weights.bin']!, t.byteOffset);
    t.fnv1a = fnv1a(files['weights.bin']!, t.byteOffset, t.byteOffset + t.byteLength);
  };
}

function reason(bytes: Uint8Array, limits = {}): string {
  const r = decodeProject(bytes, limits);
  return r.ok ? 'accepted' : english(r.reason);
}

/** Offset of the nth central-directory header ("PK\1\2"), where declared sizes live. */
function centralHeader(zip: Uint8Array, name: string): number {
  for (let i = 0; i + 46 <= zip.length; i++) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2) {
      const len = zip[i + 28]! | (zip[i + 29]! << 8);
      if (strFromU8(zip.subarray(i + 46, i + 46 + len)) === name) return i;
    }
  }
  throw new Error(`no central header for ${name}`);
}

describe('project round trip', () => {
  it('restores every field and every float bit for bit (-0, subnormals, extremes)', () => {
    const s = snapshot(TINY);
    const r = decodeProject(encodeProject(s));
    if (!r.ok) throw new Error(english(r.reason));
    expect(snapshotDifference(r.snapshot, s)).toBeUndefined();
    expect(r.snapshot).toEqual(s);
    expect(r.notes).toEqual([]);
    const first = r.snapshot.params['g.fc.w']!.data;
    expect(Object.is(first[0], -0)).toBe(true);
    expect(Array.from(first.subarray(0, TRICKY.length))).toEqual(TRICKY.map((v) => Math.fround(v)));
    expect(Object.is(r.snapshot.history[0]!.dFake, -0)).toBe(true);
    expect(r.snapshot.history[1]!.gLoss).toBeNaN();
  });

  it('leaves optional parts absent when they were absent, and writes the same bytes twice', () => {
    const s = snapshot(TINY, false);
    const r = decodeProject(encodeProject(s));
    if (!r.ok) throw new Error(english(r.reason));
    expect(snapshotDifference(r.snapshot, s)).toBeUndefined();
    for (const key of ['extras', 'timeline', 'dataset'] as const) expect(key in r.snapshot).toBe(false);
    expect(r.snapshot.rng.spare).toBeUndefined();
    expect(encodeProject(s)).toEqual(encodeProject(s));
  });

  it('round-trips a DCGAN-small-sized run (G 373k + D 168k params, two Adam states)', () => {
    const s = snapshot(DCGAN_SMALL);
    const count = Object.values(s.params).reduce((n, a) => n + a.data.length, 0);
    expect(count).toBe(372771 + 167649);
    const bytes = encodeProject(s);
    expect(bytes.length).toBeGreaterThan(count * 3 * 4);
    expect(bytes.length).toBeLessThan(count * 3 * 4 + 100_000);
    const r = decodeProject(bytes);
    if (!r.ok) throw new Error(english(r.reason));
    expect(snapshotDifference(r.snapshot, s)).toBeUndefined();
  });

  it('snapshotDifference notices a one-bit change and a -0', () => {
    const a = snapshot(TINY, false);
    const b = snapshot(TINY, false);
    b.params['d.fc.b']!.data[0] = Math.fround(b.params['d.fc.b']!.data[0]! * (1 + 2 ** -22));
    expect(snapshotDifference(a, b)).toMatch(/^snapshot\.params\.d\.fc\.b\.data: byte \d differs/);
    b.params['d.fc.b'] = a.params['d.fc.b']!;
    b.history[0]!.gLoss = 0;
    a.history[0]!.gLoss = -0;
    expect(snapshotDifference(a, b)).toBe('snapshot.history.0.gLoss: 0 vs 0');
  });
});

describe('decodeProject refuses damaged or hostile files with a specific reason', () => {
  const cases: [string, () => Uint8Array, string | RegExp][] = [
    ['random bytes', () => new Uint8Array(new Rng(3).ints(5000, 256)), 'this is not a Ganvas project file (it is not a zip archive)'],
    ['an empty file', () => new Uint8Array(0), 'the file is empty'],
    ['a truncated zip', () => valid.slice(0, valid.length >> 1), 'the project file is truncated or damaged: its zip directory cannot be read'],
    ['a zip without a manifest', () => rezip(valid, (f) => delete f['manifest.json']), 'manifest.json is missing: this zip is not a Ganvas project'],
    [
      'bad JSON',
      () => {
        const b = rezip(valid, () => {});
        return rezipRaw(b, '{"format": "ganvas",');
      },
      /^manifest\.json is not valid JSON \(/,
    ],
    [
      'a manifest edited without resealing',
      () => rezipRaw(valid, strFromU8(unzipSync(valid)['manifest.json']!).replace('"batch":8', '"batch":9')),
      /^manifest\.json is damaged: its checksum is [0-9a-f]{8} but it says [0-9a-f]{8}$/,
    ],
    [
      'a manifest without a seal',
      () => rezipRaw(valid, strFromU8(unzipSync(valid)['manifest.json']!).replace(/^\{"fnv1a":"[0-9a-f]{8}",/, '{')),
      'manifest.json does not start with its checksum: it was not written by Ganvas, or was edited',
    ],
    [
      'another format',
      () =>
        rezip(valid, (_, m) => {
          m.format = 'keras';
        }),
      'manifest.json says its format is "keras", not "ganvas": this is not a Ganvas project',
    ],
    [
      'a newer version',
      () =>
        rezip(valid, (_, m) => {
          m.version = 2;
        }),
      'made by a newer Ganvas (format v2); this version reads v1',
    ],
    [
      'a shape that does not match byteLength',
      () =>
        rezip(valid, (_, m) => {
          m.weights.params[1].shape = [7];
        }),
      'manifest.json: tensor g.fc.b has shape [7], which needs 28 bytes, but its byteLength is 24',
    ],
    [
      'a non-integer shape',
      () =>
        rezip(valid, (_, m) => {
          m.weights.params[1].shape = [2.5, 2];
        }),
      'manifest.json: tensor g.fc.b: shape [2.5, 2] must hold positive integers',
    ],
    [
      'a flipped byte in weights.bin',
      () =>
        rezip(valid, (f) => {
          f['weights.bin']![30]! ^= 1;
        }),
      /^weights\.bin is damaged: tensor g\.fc\.w has checksum [0-9a-f]{8} but the manifest says [0-9a-f]{8}$/,
    ],
    [
      'NaN in weights',
      () => rezip(valid, withValues('g.fc.b', [0, 1, NaN])),
      'tensor g.fc.b contains NaN (first at index 2): the run had diverged, so these weights cannot be used',
    ],
    [
      'a config out of range',
      () =>
        rezip(valid, (_, m) => {
          m.config.batch = 0;
        }),
      'the saved config is invalid: batch must be an integer from 1 to 256 (got 0)',
    ],
    [
      'a config field of the wrong type',
      () =>
        rezip(valid, (_, m) => {
          m.config.lrG = '0.1';
        }),
      'manifest.json: config.lrG must be a number (got "0.1")',
    ],
    [
      'truncated weights.bin',
      () =>
        rezip(valid, (f) => {
          f['weights.bin'] = f['weights.bin']!.slice(0, 100);
        }),
      'weights.bin is truncated: tensor g.fc.b needs bytes 96–120 but the file has 100',
    ],
    [
      'trailing bytes in weights.bin',
      () =>
        rezip(valid, (f) => {
          f['weights.bin'] = new Uint8Array([...f['weights.bin']!, 0, 0, 0, 0]);
        }),
      'weights.bin has 4 bytes after its last tensor',
    ],
    [
      'an entry the manifest does not list',
      () =>
        rezip(valid, (f) => {
          f['timeline/0007.png'] = f['timeline/0000.png']!;
        }),
      'the project file holds timeline/0007.png, which its manifest does not list',
    ],
    [
      'an entry that is not ours',
      () =>
        rezip(valid, (f) => {
          f['run.sh'] = strToU8('rm -rf /');
        }),
      'the project file holds an unexpected entry "run.sh"',
    ],
    [
      'a missing thumbnail',
      () => rezip(valid, (f) => delete f['timeline/0001.png']),
      'timeline/0001.png is missing from the project file (the manifest lists it)',
    ],
    [
      'a damaged dataset',
      () =>
        rezip(valid, (f) => {
          f['dataset.bin']![0]! ^= 0x80;
        }),
      /^dataset\.bin is damaged: its checksum is/,
    ],
    [
      'a thumbnail that is not a PNG',
      () =>
        rezip(valid, (f, m) => {
          f['timeline/0000.png'] = strToU8('GIF89a, not a PNG at all.');
          m.timeline[0].byteLength = 25;
          m.timeline[0].fnv1a = fnv1a(f['timeline/0000.png']!);
        }),
      'timeline frame 0 (step 0) is not a PNG image',
    ],
    [
      'an ill-typed history point',
      () =>
        rezip(valid, (_, m) => {
          m.history[1].gLoss = 'lots';
        }),
      'manifest.json: history[1].gLoss must be a number (got "lots")',
    ],
    [
      'a tensor listed twice',
      () =>
        rezip(valid, (_, m) => {
          m.weights.params[1].name = 'g.fc.w';
        }),
      "weights.bin's table lists tensor g.fc.w twice",
    ],
    [
      'a prototype-polluting name',
      () =>
        rezip(valid, (_, m) => {
          m.weights.params[0].name = '__proto__';
        }),
      /^tensor name "__proto__" is not allowed/,
    ],
    [
      'a blob under another name',
      () =>
        rezip(valid, (_, m) => {
          m.weights.file = 'dataset.bin';
        }),
      'manifest.json: weights.file must be "weights.bin" (got "dataset.bin")',
    ],
    [
      'a negative step',
      () =>
        rezip(valid, (_, m) => {
          m.step = -1;
        }),
      'step must be a whole number ≥ 0 (got -1)',
    ],
  ];
  it.each(cases)('%s', (_, make, expected) => {
    const r = reason(make());
    if (typeof expected === 'string') expect(r).toBe(expected);
    else expect(r).toMatch(expected);
  });

  it('refuses an entry whose declared size is over the limit, before inflating it', () => {
    const forged = valid.slice();
    new DataView(forged.buffer).setUint32(centralHeader(forged, 'weights.bin') + 24, 0x7ffffff0, true);
    expect(reason(forged)).toBe('weights.bin declares 2048 MB uncompressed, over the limit of 512 MB');
    // A deflated manifest claiming more than deflate can produce is a lie whatever the limits.
    const lie = valid.slice();
    new DataView(lie.buffer).setUint32(centralHeader(lie, 'manifest.json') + 24, 50_000_000, true);
    expect(reason(lie)).toMatch(/^manifest\.json declares 50000000 bytes from \d+ stored: the file is damaged or forged$/);
    expect(reason(forged, { maxProjectBytes: undefined })).toBe('weights.bin declares 2048 MB uncompressed, over the limit of 512 MB');
    expect(reason(valid, { maxManifestBytes: 100 })).toMatch(/^manifest\.json declares [\d.]+ KB uncompressed, over the limit of 100 bytes$/);
    // The manifest is deflated, so the file is smaller than what it unpacks to.
    expect(reason(valid, { maxProjectBytes: valid.length })).toMatch(/^the project is over [\d.]+ KB uncompressed$/);
    expect(reason(valid, { maxProjectBytes: valid.length - 1 })).toMatch(/^the file is [\d.]+ KB, over the limit of [\d.]+ KB$/);
  });

  it('fills config fields an older file lacks, and says so', () => {
    const r = decodeProject(
      rezip(valid, (_, m) => {
        delete m.config.gridSide;
        m.config.future = 1;
      }),
    );
    if (!r.ok) throw new Error(english(r.reason));
    expect(r.snapshot.config.gridSide).toBe(DEFAULT_CONFIG.gridSide);
    expect(inEnglish(r.notes)).toEqual([
      `the saved config has no gridSide; using the default ${DEFAULT_CONFIG.gridSide}`,
      'ignored the unknown config field "future"',
    ]);
  });

  it('never throws on mutated files, and any file it accepts holds exactly the saved run', () => {
    const rng = new Rng(99);
    const original = snapshot(TINY);
    const pick = (n: number) => Math.floor(rng.next() * n);
    let accepted = 0;
    const started = Date.now();
    for (let i = 0; i < 400; i++) {
      const bytes = mutate(valid, rng, pick);
      const r = decodeProject(bytes);
      if (r.ok) {
        accepted++;
        expect(snapshotDifference(r.snapshot, original)).toBeUndefined();
      } else {
        expect(english(r.reason).length).toBeGreaterThan(10);
      }
    }
    // Zip fields nobody reads (dates, CRCs) can change harmlessly; most mutations must be refused.
    expect(accepted).toBeLessThan(100);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

/** One random mutation: flipped bytes, a size field set to all ones, truncation, inserted or repeated bytes. */
function mutate(src: Uint8Array, rng: Rng, pick: (n: number) => number): Uint8Array {
  const b = src.slice();
  switch (pick(5)) {
    case 0:
      for (let k = 1 + pick(8); k > 0; k--) b[pick(b.length)] ^= 1 << pick(8);
      return b;
    case 1: {
      const at = pick(b.length - 4);
      b.set([0xff, 0xff, 0xff, 0xff], at);
      return b;
    }
    case 2:
      return b.slice(0, pick(b.length));
    case 3: {
      const at = pick(b.length);
      return new Uint8Array([...b.subarray(0, at), ...rng.ints(1 + pick(16), 256), ...b.subarray(at)]);
    }
    default: {
      const at = pick(b.length - 64);
      return new Uint8Array([...b.subarray(0, at + 64), ...b.subarray(at)]);
    }
  }
}

/** A project whose manifest.json holds `text` verbatim. */
function rezipRaw(bytes: Uint8Array, text: string): Uint8Array {
  const files = unzipSync(bytes);
  files['manifest.json'] = strToU8(text);
  return zipSync(files, { level: 0 });
}

describe('encodeProject', () => {
  it('refuses a state that could not be restored, so it never overwrites a good file', () => {
    const s = snapshot(TINY, false);
    s.params['d.fc.w']!.data[3] = NaN;
    expect(() => encodeProject(s)).toThrow('cannot save the project: tensor d.fc.w contains NaN (first at index 3)');
    const t = snapshot(TINY, false);
    t.params['d.fc.w']!.shape = [5, 1];
    expect(() => encodeProject(t)).toThrow('cannot save the project: tensor d.fc.w: shape [5, 1] needs 5 values but it has 6');
  });
});

describe('bytes', () => {
  it('the portable (big-endian-safe) float path agrees with the fast one', () => {
    const src = new Float32Array([...TRICKY, NaN, -Infinity]);
    const fast = new Uint8Array(src.length * 4 + 3);
    const slow = new Uint8Array(src.length * 4 + 3);
    writeFloat32LE(src, fast, 3, true);
    writeFloat32LE(src, slow, 3, false);
    expect(slow).toEqual(fast);
    expect(fast[3 + 8]).toBe(0x01); // 1.4e-45 is 0x00000001, stored low byte first
    expect(readFloat32LE(fast, 3, src.length, false)).toEqual(readFloat32LE(fast, 3, src.length, true));
    expect(readFloat32LE(fast, 3, src.length, true)).toEqual(src);
  });

  it('quantises prepared pixels back to the 8-bit values they came from', () => {
    const levels = Uint8Array.from({ length: 256 }, (_, i) => i);
    const unit = dequantiseDataset(levels);
    // The same arithmetic as data/prepare's v / 127.5 - 1.
    expect(Array.from(unit)).toEqual(Array.from(levels, (v) => Math.fround(v / 127.5 - 1)));
    expect(quantiseDataset(unit)).toEqual(levels);
    expect(Array.from(quantiseDataset(new Float32Array([-3, 3, NaN, 0.0039, -0.0039])))).toEqual([0, 255, 0, 128, 127]);
  });
});
