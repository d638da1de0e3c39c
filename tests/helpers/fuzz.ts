/**
 * fast-check arbitraries for hostile files: byte-level mutations of a valid file (flips, fields
 * set to extreme values, truncation, insertion, deletion) and structure-aware PNG chunks with a
 * correct CRC, so mutants get past checksums and reach the code behind them.
 */
import fc from 'fast-check';

/** Every property in the fuzz tests runs from this seed, so a failure reproduces (`FUZZ_SEED=n` explores others). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x6a4e5);

export type Mutation =
  | { kind: 'flip'; pos: number; value: number }
  | { kind: 'field'; pos: number; width: 2 | 4; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; pos: number; bytes: Uint8Array }
  | { kind: 'delete'; pos: number; len: number };

/** Values that break size and count fields: zero, one, all ones, sign bits, anything. */
const extreme = fc.oneof(fc.constantFrom(0, 1, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat());

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('field' as const), pos: fc.nat(), width: fc.constantFrom(2 as const, 4 as const), value: extreme }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
);

/** `src` with the mutations applied in order; positions wrap around the current length. */
export function mutate(src: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b: Uint8Array = src.slice();
  for (const m of mutations) {
    const at = (p: number) => (b.length === 0 ? 0 : p % b.length);
    switch (m.kind) {
      case 'flip':
        if (b.length) b[at(m.pos)] = m.value;
        break;
      case 'field': {
        const p = at(m.pos);
        for (let i = 0; i < m.width && p + i < b.length; i++) b[p + i] = (m.value >>> (8 * (m.width - 1 - i))) & 255;
        break;
      }
      case 'truncate':
        b = b.slice(0, at(m.at));
        break;
      case 'insert': {
        const p = at(m.pos);
        b = concat(b.subarray(0, p), m.bytes, b.subarray(p));
        break;
      }
      case 'delete': {
        const p = at(m.pos);
        b = concat(b.subarray(0, p), b.subarray(p + m.len));
        break;
      }
    }
  }
  return b;
}

/** A valid file mutated 1–4 times. */
export const mutantOf = (valid: Uint8Array): fc.Arbitrary<Uint8Array> => fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => mutate(valid, ms));

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG and zip use it. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG chunk with a correct CRC, so decoders that check CRCs read it. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)) >>> 0);
  return out;
}

/** An IHDR body: width, height, 8-bit RGBA, no interlace. */
export function ihdr(width: number, height: number): Uint8Array {
  const d = new Uint8Array(13);
  const view = new DataView(d.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  d.set([8, 6, 0, 0, 0], 8);
  return d;
}

/** Offsets where a PNG's chunks start (after the signature), and its length. */
function chunkStarts(png: Uint8Array): number[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const starts: number[] = [];
  for (let p = 8; p + 12 <= png.length; p += 12 + view.getUint32(p)) starts.push(p);
  starts.push(png.length);
  return starts;
}

/** A well-formed chunk (a valid or oversized IHDR, IDAT, IEND, PLTE, tEXt) inserted between two chunks of `png`. */
export const pngWithExtraChunk = (png: Uint8Array): fc.Arbitrary<Uint8Array> => {
  const starts = chunkStarts(png);
  const chunk = fc.oneof(
    fc.record({ w: fc.integer({ min: 1, max: 2000 }), h: fc.integer({ min: 1, max: 2000 }) }).map(({ w, h }) => pngChunk('IHDR', ihdr(w, h))),
    fc.tuple(fc.constantFrom('IDAT', 'IEND', 'PLTE', 'tEXt', 'IHDR'), fc.uint8Array({ maxLength: 24 })).map(([t, d]) => pngChunk(t, d)),
  );
  return fc.tuple(fc.constantFrom(...starts), chunk).map(([at, c]) => concat(png.subarray(0, at), c, png.subarray(at)));
};
