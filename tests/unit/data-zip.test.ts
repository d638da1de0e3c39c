import { describe, expect, it } from 'vitest';
import { inEnglish } from '../helpers/english.ts';
import { zipSync, type Zippable } from 'fflate';
import { DEFAULT_ARCHIVE_LIMITS, expandArchive, isJunkPath, isZip, MAX_ARCHIVE_BYTES, MAX_ARCHIVE_ENTRIES, MAX_ENTRY_BYTES } from '../../src/data/zip.ts';
import { pngOf } from '../../src/data/png.ts';

const png = (shade: number): Uint8Array => pngOf({ width: 4, height: 4, data: new Uint8Array(64).fill(shade) });
const text = (s: string): Uint8Array => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
const archive = (name: string, files: Zippable) => ({ name, bytes: zipSync(files) });
const names = (r: { name: string }[]): string[] => r.map((x) => x.name).sort();

/** Offset of the first central-directory header ("PK\1\2"), where declared sizes live. */
function centralHeader(zip: Uint8Array, nth = 0): number {
  let seen = 0;
  for (let i = 0; i + 4 <= zip.length; i++) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2 && seen++ === nth) return i;
  }
  throw new Error('no central directory');
}
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('expandArchive', () => {
  it('lists images in nested folders by their path, skipping OS junk silently', () => {
    const zip = archive('photos.zip', {
      cats: { 'a.png': png(10), deep: { 'b.png': png(20) } },
      'dogs/c.png': png(30),
      'empty/': new Uint8Array(0),
      '__MACOSX/cats/._a.png': text('resource fork'),
      'cats/._a.png': text('resource fork'),
      'cats/.DS_Store': text('x'),
      'Thumbs.db': text('x'),
      'dogs/desktop.ini': text('x'),
      '.hidden/d.png': png(40),
    });
    const { files, rejections } = expandArchive(zip);
    expect(names(files)).toEqual(['photos.zip/cats/a.png', 'photos.zip/cats/deep/b.png', 'photos.zip/dogs/c.png']);
    expect(files.find((f) => f.name.endsWith('c.png'))?.bytes).toEqual(png(30));
    expect(rejections).toEqual([]);
  });

  it('refuses nested archives, by name or by content', () => {
    const inner = zipSync({ 'x.png': png(1) });
    const { files, rejections } = expandArchive(archive('outer.zip', { 'inner.zip': inner, 'sneaky.png': inner, 'ok.png': png(2) }));
    expect(names(files)).toEqual(['outer.zip/ok.png']);
    expect(inEnglish(rejections)).toEqual([
      { name: 'outer.zip/inner.zip', reason: 'nested archives are not opened' },
      { name: 'outer.zip/sneaky.png', reason: 'nested archives are not opened' },
    ]);
  });

  it('refuses an entry whose declared size is too large, without inflating it', () => {
    const zip = archive('bomb.zip', { 'ok.png': png(1), 'huge.png': new Uint8Array(5000), 'ok2.png': png(2) });
    const small = expandArchive(zip, { ...DEFAULT_ARCHIVE_LIMITS, maxEntryBytes: 1000 });
    expect(names(small.files)).toEqual(['bomb.zip/ok.png', 'bomb.zip/ok2.png']);
    expect(inEnglish(small.rejections)).toEqual([{ name: 'bomb.zip/huge.png', reason: 'file too large: 4.9 KB exceeds the limit of 1000 bytes' }]);

    // A forged directory claiming ~2 GB: had it been inflated, that much would have been allocated.
    const forged = zip.bytes.slice();
    view(forged).setUint32(centralHeader(forged, 1) + 24, 0x7ffffff0, true);
    const r = expandArchive({ name: 'bomb.zip', bytes: forged });
    expect(names(r.files)).toEqual(['bomb.zip/ok.png', 'bomb.zip/ok2.png']);
    expect(inEnglish(r.rejections)).toEqual([{ name: 'bomb.zip/huge.png', reason: 'file too large: 2048 MB exceeds the limit of 64 MB' }]);
  });

  it('stops at the total size limit and at the entry limit, with one archive-level rejection', () => {
    const files = { 'a.png': new Uint8Array(2000), 'b.png': new Uint8Array(2000), 'c.png': new Uint8Array(2000) };
    const bySize = expandArchive(archive('big.zip', files), { ...DEFAULT_ARCHIVE_LIMITS, maxArchiveBytes: 3000 });
    expect(names(bySize.files)).toEqual(['big.zip/a.png']);
    expect(inEnglish(bySize.rejections)).toEqual([{ name: 'big.zip', reason: 'archive too large: over 2.9 KB uncompressed; the rest was not opened' }]);

    const many = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`${i}.png`, png(i)]));
    const byCount = expandArchive(archive('many.zip', many), { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 3 });
    expect(byCount.files).toHaveLength(3);
    expect(inEnglish(byCount.rejections)).toEqual([{ name: 'many.zip', reason: 'archive has more than 3 entries; the rest were not opened' }]);
  });

  it('turns a corrupt or truncated archive into one rejection instead of throwing', () => {
    const corrupt = { name: 'bad.zip', reason: 'corrupt or unreadable zip archive' };
    const garbage = new Uint8Array(300).map((_, i) => (i * 7919) % 256);
    garbage.set([0x50, 0x4b, 3, 4]);
    expect(inEnglish(expandArchive({ name: 'bad.zip', bytes: garbage }))).toEqual({ files: [], rejections: [corrupt] });
    const zip = zipSync({ 'a.png': png(1), 'b.png': png(2) });
    expect(inEnglish(expandArchive({ name: 'bad.zip', bytes: zip.subarray(0, zip.length >> 1) }))).toEqual({ files: [], rejections: [corrupt] });
    expect(inEnglish(expandArchive({ name: 'bad.zip', bytes: new Uint8Array(0) }))).toEqual({ files: [], rejections: [corrupt] });
  });

  it('loses only the damaged entry when one entry cannot be inflated', () => {
    const zip = zipSync({ 'broken.png': png(7), 'fine.png': png(8) });
    const dv = view(zip);
    expect(dv.getUint16(8, true)).toBe(8); // deflated, so its data can be damaged
    const dataStart = 30 + dv.getUint16(26, true) + dv.getUint16(28, true);
    zip[dataStart] = 0x07; // final block of the reserved (invalid) type 3
    const { files, rejections } = expandArchive({ name: 'p.zip', bytes: zip });
    expect(names(files)).toEqual(['p.zip/fine.png']);
    expect(inEnglish(rejections)).toEqual([{ name: 'p.zip/broken.png', reason: 'corrupt entry in zip archive' }]);
  });

  it('names an unsupported compression method', () => {
    const zip = zipSync({ 'a.png': png(1), 'b.png': png(2) });
    view(zip).setUint16(centralHeader(zip) + 10, 12, true); // bzip2
    const { files, rejections } = expandArchive({ name: 'm.zip', bytes: zip });
    expect(names(files)).toEqual(['m.zip/b.png']);
    expect(inEnglish(rejections)).toEqual([{ name: 'm.zip/a.png', reason: 'unsupported zip compression method 12' }]);
  });

  it('has sane default limits', () => {
    expect(MAX_ENTRY_BYTES).toBe(64 * 1024 * 1024);
    expect(MAX_ARCHIVE_BYTES).toBe(512 * 1024 * 1024);
    expect(MAX_ARCHIVE_ENTRIES).toBe(10_000);
  });
});

describe('isJunkPath and isZip', () => {
  it('knows OS junk and folders', () => {
    for (const junk of ['__MACOSX/a/._b.png', '.DS_Store', 'a/.DS_Store', 'x/Thumbs.db', 'DESKTOP.INI', 'dir/', '._photo.jpg', '.git/objects/ab', '']) {
      expect(isJunkPath(junk), junk).toBe(true);
    }
    for (const ok of ['a.png', 'cats/b.JPG', './c.png', '../d.png', 'e.f.png', 'folder.with.dots/g.png']) {
      expect(isJunkPath(ok), ok).toBe(false);
    }
  });

  it('recognises zip signatures, including an empty archive', () => {
    expect(isZip(zipSync({ 'a.txt': text('a') }))).toBe(true);
    expect(isZip(zipSync({}))).toBe(true);
    expect(isZip(png(1))).toBe(false);
    expect(isZip(text('PK'))).toBe(false);
  });
});
