import { strFromU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/contract/config.ts';
import { english } from '../../src/contract/messages.ts';
import { decodeProject, encodeProject, type TrainerSnapshot } from '../../src/gan/project/checkpoint.ts';
import { sealManifest } from '../../src/gan/project/checkpoint-manifest.ts';
import type { StoredProjection } from '../../src/gan/project/checkpoint-projections.ts';

const snapshot = (): TrainerSnapshot => ({
  config: { ...DEFAULT_CONFIG, model: 'stylegan' },
  step: 12,
  rng: { state: 5, spare: undefined },
  params: { 'g.const': { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } },
  optimizers: {},
  history: [],
  meta: { name: 'run', created: '2026-12-01T00:00:00.000Z', updated: '2026-12-01T00:00:00.000Z', app: 'test' },
});

const pin = (id: string): StoredProjection => ({
  info: {
    id,
    label: { key: 'projection.fileLabel', vars: { name: 'me.png' } },
    space: 'w+',
    steps: 200,
    modelStep: 12,
    distance: 0.0123,
    mirror: 0.004,
    start: 0.2,
    ms: 8100,
    nearest: { index: 3, distance: 0.4, typicalGap: NaN, far: false },
  },
  latent: { space: 'w+', numWs: 2, dim: 3, values: Float32Array.from([0.5, -1, 2, 0, 1e-3, -7]) },
});

/** The file with its manifest edited and resealed, as a hand-made (or future) file would be. */
function withManifest(bytes: Uint8Array, edit: (m: Record<string, unknown>) => void): Uint8Array {
  const files = unzipSync(bytes);
  const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as Record<string, unknown>;
  edit(manifest);
  files['manifest.json'] = sealManifest(manifest as unknown as Parameters<typeof sealManifest>[0]) as Uint8Array<ArrayBuffer>;
  return zipSync(files);
}

describe('projected pins in the project file', () => {
  it('round-trip: every field and every latent value comes back', () => {
    const decoded = decodeProject(encodeProject({ ...snapshot(), projections: [pin('a'), pin('b')] }));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const [a, b] = decoded.snapshot.projections!;
    expect(a!.info).toEqual(pin('a').info);
    expect(b!.info.id).toBe('b');
    expect(Array.from(a!.latent.values)).toEqual(Array.from(pin('a').latent.values));
    expect([a!.latent.numWs, a!.latent.dim, a!.latent.space]).toEqual([2, 3, 'w+']);
  });

  it('keeps the fixed-noise distance of a pin found with its noise maps, and only of such a pin', () => {
    const withMaps: StoredProjection = { ...pin('n'), info: { ...pin('n').info, fixedNoise: 0.031 } };
    const decoded = decodeProject(encodeProject({ ...snapshot(), projections: [withMaps, pin('a')] }));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const [n, a] = decoded.snapshot.projections!;
    expect(n!.info.fixedNoise).toBe(0.031);
    expect('fixedNoise' in a!.info).toBe(false);
    const bad = withManifest(encodeProject({ ...snapshot(), projections: [withMaps] }), (m) => {
      (m.projections as { info: { fixedNoise: unknown } }[])[0]!.info.fixedNoise = -1;
    });
    const refused = decodeProject(bad);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(english(refused.reason)).toContain('info.fixedNoise');
  });

  it('keeps what a pin’s search minimised; a pin without it (older files) reads as before, and an unknown one is refused', () => {
    const withD: StoredProjection = { ...pin('d'), info: { ...pin('d').info, objective: 'pyramid+d' } };
    const decoded = decodeProject(encodeProject({ ...snapshot(), projections: [withD, pin('a')] }));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const [d, a] = decoded.snapshot.projections!;
    expect(d!.info.objective).toBe('pyramid+d');
    expect('objective' in a!.info).toBe(false);
    const bad = withManifest(encodeProject({ ...snapshot(), projections: [withD] }), (m) => {
      (m.projections as { info: { objective: unknown } }[])[0]!.info.objective = 'vgg16';
    });
    const refused = decodeProject(bad);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(english(refused.reason)).toContain('info.objective');
  });

  it('a file without the entry (every file before it) opens with no pins', () => {
    const bytes = encodeProject(snapshot());
    expect(strFromU8(unzipSync(bytes)['manifest.json']!)).not.toContain('projections');
    const decoded = decodeProject(bytes);
    expect(decoded.ok && decoded.snapshot.projections).toBeUndefined();
  });

  it('refuses a malformed pin with a reason, and never half-opens', () => {
    const good = encodeProject({ ...snapshot(), projections: [pin('a')] });
    const cases: [string, (m: Record<string, unknown>) => void][] = [
      ['values', (m) => ((m.projections as { values: unknown[] }[])[0]!.values = [1, 2])],
      ['values[1]', (m) => ((m.projections as { values: unknown[] }[])[0]!.values[1] = 'x')],
      ['info.label', (m) => ((m.projections as { info: { label: unknown } }[])[0]!.info.label = { key: 'session.ready' })],
      ['space', (m) => ((m.projections as { space: unknown }[])[0]!.space = 'q')],
      ['projections', (m) => (m.projections = [...(m.projections as unknown[]), ...(m.projections as unknown[])])],
    ];
    for (const [field, edit] of cases) {
      const decoded = decodeProject(withManifest(good, edit));
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(english(decoded.reason)).toContain(field);
    }
    // The same edit machinery leaves a good file good (so the refusals above are the pins' own).
    expect(decodeProject(withManifest(good, () => undefined)).ok).toBe(true);
  });
});
