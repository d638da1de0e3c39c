/**
 * Bit-exact comparison of snapshots, for round-trip tests (here and in the trainer's export →
 * import → export). Typed arrays compare by their bytes, so -0 ≠ 0 and NaN payloads count;
 * plain numbers compare with Object.is.
 */
import type { TrainerSnapshot } from './checkpoint-types.ts';

function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function typedDifference(a: ArrayBufferView, b: unknown, path: string): string | undefined {
  if (!ArrayBuffer.isView(b) || a.constructor !== b.constructor) return `${path}: ${a.constructor.name} vs ${String(b?.constructor?.name)}`;
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (x.length !== y.length) return `${path}: ${x.length} bytes vs ${y.length}`;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${path}: byte ${i} differs (${x[i]} vs ${y[i]})`;
  return undefined;
}

function difference(a: unknown, b: unknown, path: string): string | undefined {
  if (ArrayBuffer.isView(a)) return typedDifference(a, b, path);
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: list vs object`;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  const keys = new Set([...ka, ...kb]);
  if (keys.size !== ka.length || keys.size !== kb.length) return `${path}: keys [${ka.join(', ')}] vs [${kb.join(', ')}]`;
  for (const k of keys) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Where two snapshots first differ (e.g. "params.g.up1.w.data: byte 12 differs"), or undefined. */
export function snapshotDifference(a: TrainerSnapshot, b: TrainerSnapshot): string | undefined {
  return difference(a, b, 'snapshot');
}

export function snapshotsEqual(a: TrainerSnapshot, b: TrainerSnapshot): boolean {
  return snapshotDifference(a, b) === undefined;
}
