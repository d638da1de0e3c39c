/**
 * Property-based fuzzing of everything that reads a person's files: the sniffer, the zip reader,
 * the Node decoder and the whole loading pipeline. Random and mutated bytes must come back as
 * `ok` or a rejection with a reason — never an exception past the boundary, a hang, or an
 * allocation beyond the declared limits. Fixed seed, bounded runs (the file takes a few seconds).
 * Checkpoint files are fuzzed in checkpoint.test.ts.
 */
import { inEnglish } from '../helpers/english.ts';
import { english } from '../../src/contract/messages.ts';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { zipSync, type Zippable } from 'fflate';
import jpeg from 'jpeg-js';
import { checkFile, detectFormat, readDimensions, walkJpeg, type FileLimits } from '../../src/data/sniff.ts';
import { expandArchive, isZip, type ArchiveLimits } from '../../src/data/zip.ts';
import { nodeDecoder, readJpegOrientation } from '../../src/data/node/decode.ts';
import { pngOf } from '../../src/data/png.ts';
import { loadImages, type Decoder } from '../../src/data/load.ts';
import type { NamedBytes, RgbaImage } from '../../src/data/types.ts';
import { concat, FUZZ_SEED, mutantOf, pngWithExtraChunk } from '../helpers/fuzz.ts';

const RUNS = { seed: FUZZ_SEED, numRuns: 300 };
const FEW = { seed: FUZZ_SEED, numRuns: 120 };

const image = (w: number, h: number): RgbaImage => {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 255;
  return { width: w, height: h, data };
};
const PNG = pngOf(image(12, 10));
const JPEG = new Uint8Array(jpeg.encode({ ...image(12, 10), data: Buffer.from(image(12, 10).data) }, 80).data);
/** The JPEG with an EXIF APP1 segment (big-endian TIFF, orientation 6) after SOI. */
const JPEG_EXIF = (() => {
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  return concat(JPEG.subarray(0, 2), new Uint8Array([0xff, 0xe1, 0, body.length + 2, ...body]), JPEG.subarray(2));
})();
const LIMITS: FileLimits = { maxPixels: 64 * 64, maxBytes: 1 << 16 };
const MAGIC = [
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [0xff, 0xd8, 0xff],
  [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
  [0x42, 0x4d],
  [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
  [0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70],
];

/** Random bytes, often behind an image format's magic number so the header walkers run. */
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.tuple(fc.constantFrom(...MAGIC), fc.uint8Array({ maxLength: 600 })).map(([m, rest]) => concat(new Uint8Array(m), rest)),
);
const anyImageFile = fc.oneof(hostileBytes, mutantOf(PNG), mutantOf(JPEG), mutantOf(JPEG_EXIF), pngWithExtraChunk(PNG));

/** The contract of checkFile: ok with a decodable format and dimensions within the limits, or a reason. */
function expectCheckContract(bytes: Uint8Array): void {
  const r = checkFile({ name: 'f', bytes }, LIMITS);
  if (!r.ok) {
    expect(english(r.reason).length).toBeGreaterThan(0);
    return;
  }
  expect(['png', 'jpeg', 'gif', 'webp', 'bmp']).toContain(r.format);
  if (r.width !== undefined && r.height !== undefined) {
    expect(r.width * r.height).toBeGreaterThan(0);
    expect(r.width * r.height).toBeLessThanOrEqual(LIMITS.maxPixels);
  }
}

describe('fuzz: sniff', () => {
  it('classifies any bytes without throwing, and accepts only what fits the limits', () => {
    fc.assert(
      fc.property(anyImageFile, (bytes) => {
        const format = detectFormat(bytes);
        readDimensions(bytes, format);
        walkJpeg(bytes, () => false);
        expectCheckContract(bytes);
      }),
      RUNS,
    );
  });

  it('refuses a PNG or JPEG cut anywhere before its end marker', () => {
    fc.assert(
      fc.property(fc.constantFrom(PNG, JPEG, JPEG_EXIF), fc.nat(), (file, n) => {
        const cut = file.subarray(0, n % (file.length - 1));
        expect(checkFile({ name: 'cut', bytes: cut }, LIMITS).ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('an accepted PNG decodes to the size its header declares, or is refused by the decoder', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(pngWithExtraChunk(PNG), mutantOf(PNG)), async (bytes) => {
        const r = checkFile({ name: 'p.png', bytes }, LIMITS);
        if (!r.ok || r.format !== 'png') return;
        const decoded = await nodeDecoder({ name: 'p.png', bytes }, 'png').catch(() => undefined);
        if (decoded) expect([decoded.width, decoded.height]).toEqual([r.width, r.height]);
      }),
      FEW,
    );
  });
});

// ---- zip ------------------------------------------------------------------------------------

const ZIP_LIMITS: ArchiveLimits = { maxEntryBytes: 300, maxArchiveBytes: 700, maxEntries: 6 };
const entryName = fc.constantFrom('a.png', 'dir/b.jpg', 'dir/deep/c.png', '__MACOSX/._a.png', '.DS_Store', 'inner.zip', 'notes.txt', 'dir/', 'ü/名前.png');
const entryBytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2000 })).map(([v, n]) => new Uint8Array(n).fill(v)),
);
/** A valid archive of random entries, stored or deflated. */
const validZip = fc
  .tuple(fc.dictionary(entryName, entryBytes, { maxKeys: 8 }), fc.constantFrom(0, 6))
  .map(([files, level]) => zipSync(files as Zippable, { level: level as 0 | 6 }));

/** Offsets of the central-directory headers ("PK\1\2") and of the end record ("PK\5\6"). */
function directory(zip: Uint8Array): { central: number[]; end: number } {
  const central: number[] = [];
  let end = -1;
  for (let i = 0; i + 4 <= zip.length; i++) {
    if (zip[i] !== 0x50 || zip[i + 1] !== 0x4b) continue;
    if (zip[i + 2] === 1 && zip[i + 3] === 2) central.push(i);
    if (zip[i + 2] === 5 && zip[i + 3] === 6) end = i;
  }
  return { central, end };
}

/** One field of the directory (method, sizes, name/extra lengths, offsets, counts) set to a hostile value. */
const zipWithBadField = fc
  .tuple(
    validZip,
    fc.nat(),
    fc.constantFrom(10, 20, 24, 28, 30, 42),
    fc.constantFrom(8, 10, 12, 16),
    fc.boolean(),
    fc.constantFrom(0, 1, 3, 12, 99, 0xffff, 0x7fffffff, 0xffffffff),
  )
  .map(([zip, k, centralField, endField, inEnd, value]) => {
    const { central, end } = directory(zip);
    const b = zip.slice();
    const view = new DataView(b.buffer);
    const at = inEnd || central.length === 0 ? end + endField : central[k % central.length] + centralField;
    const two = inEnd ? endField === 8 || endField === 10 : centralField === 10 || centralField === 28 || centralField === 30;
    if (two) view.setUint16(at, value & 0xffff, true);
    else view.setUint32(at, value >>> 0, true);
    return b;
  });

describe('fuzz: zip', () => {
  const hostileZip = fc.oneof(
    hostileBytes,
    fc.uint8Array({ maxLength: 300 }).map((b) => concat(new Uint8Array([0x50, 0x4b, 3, 4]), b)),
    validZip.chain(mutantOf),
    zipWithBadField,
  );

  it.each([
    ['random and mutated archives', hostileZip],
    ['archives with one hostile directory field', zipWithBadField],
  ])('%s: never throws, and never hands back more than the limits allow', (_, arbitrary) => {
    fc.assert(
      fc.property(arbitrary, (bytes) => {
        const { files, rejections } = expandArchive({ name: 'x.zip', bytes }, ZIP_LIMITS);
        expect(files.length).toBeLessThanOrEqual(ZIP_LIMITS.maxEntries);
        let total = 0;
        for (const f of files) {
          expect(f.name.startsWith('x.zip/')).toBe(true);
          expect(f.bytes.length).toBeLessThanOrEqual(ZIP_LIMITS.maxEntryBytes);
          total += f.bytes.length;
        }
        expect(total).toBeLessThanOrEqual(ZIP_LIMITS.maxArchiveBytes);
        for (const r of rejections) expect(english(r.reason).length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('refuses at once an archive whose zip64 directory claims billions of entries (fflate would walk them all)', () => {
    const b = new Uint8Array(56 + 20 + 22);
    const view = new DataView(b.buffer);
    view.setUint32(0, 0x06064b50, true); // zip64 end record, claiming 2^32-1 entries
    view.setUint32(32, 0xffffffff, true);
    view.setUint32(56, 0x07064b50, true); // its locator, pointing at offset 0
    view.setUint32(76, 0x06054b50, true); // the classic end record, one entry
    view.setUint16(84, 1, true);
    const started = performance.now();
    const { files, rejections } = expandArchive({ name: 'z.zip', bytes: b });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(files).toEqual([]);
    expect(inEnglish(rejections)).toEqual([
      { name: 'z.zip', reason: 'corrupt zip archive (its directory claims 4294967295 entries, more than the file can hold)' },
    ]);
  });

  it('a valid archive comes back entry for entry: each usable file, or a rejection naming it', () => {
    fc.assert(
      fc.property(fc.dictionary(entryName, entryBytes, { maxKeys: 5 }), (entries) => {
        const { files, rejections } = expandArchive({ name: 'ok.zip', bytes: zipSync(entries as Zippable) }, ZIP_LIMITS);
        const rejected = new Set(rejections.map((r) => r.name));
        for (const f of files) expect(f.bytes).toEqual(entries[f.name.slice('ok.zip/'.length)]);
        const seen = new Set(files.map((f) => f.name));
        const usable = Object.keys(entries).filter((n) => !/(^|\/)(__MACOSX|\.)|\/$/.test(n));
        for (const n of usable) expect(seen.has(`ok.zip/${n}`) || rejected.has(`ok.zip/${n}`) || rejected.has('ok.zip')).toBe(true);
      }),
      FEW,
    );
  });
});

// ---- decoding and the whole pipeline ------------------------------------------------------------

/** The Node decoder, recording the size of everything it returns. */
function spyDecoder(seen: RgbaImage[]): Decoder {
  return async (nb, format) => {
    const img = await nodeDecoder(nb, format);
    seen.push(img);
    return img;
  };
}

describe('fuzz: decode and load', () => {
  it('reads an EXIF orientation of 1–8 from any mutated JPEG', () => {
    fc.assert(
      fc.property(mutantOf(JPEG_EXIF), (bytes) => {
        const o = readJpegOrientation(bytes);
        expect(o >= 1 && o <= 8).toBe(true);
      }),
      RUNS,
    );
  });

  it('loads any mix of mutated files: each one is kept or rejected with a reason, never thrown', async () => {
    const files = fc.array(anyImageFile, { minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(files, async (list) => {
        fc.pre(!list.some(isZip)); // archives are the zip properties' business
        const inputs: NamedBytes[] = list.map((bytes, i) => ({ name: `f${i}.img`, bytes }));
        const decoded: RgbaImage[] = [];
        const result = await loadImages(inputs, spyDecoder(decoded), { res: 8, background: [0, 0, 0], fit: 'pad', fileLimits: LIMITS });
        const rejected = new Set(result.rejections.map((r) => r.name));
        for (const r of result.rejections) expect(english(r.reason).length).toBeGreaterThan(0);
        expect(result.set.count + rejected.size + result.duplicates).toBe(inputs.length);
        for (const img of decoded) expect(img.width * img.height).toBeLessThanOrEqual(LIMITS.maxPixels);
        expect(result.set.pixels.length).toBe(result.set.count * 8 * 8 * 3);
        for (const v of result.set.pixels) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      }),
      FEW,
    );
  });
});
