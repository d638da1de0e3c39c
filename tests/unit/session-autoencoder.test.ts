/// <reference types="vite/client" />
// (The session pulls in the Worker's backend module, whose wasm binaries are Vite `?url` imports.)
import { inEnglish } from '../helpers/english.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/contract/protocol.ts';
import { divergence } from '../../src/worker/guard.ts';
import { Session } from '../../src/worker/session/session.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { tinyConfig } from '../helpers/tf.ts';
import { useSessionBackend } from '../helpers/session.ts';

beforeAll(useSessionBackend);

describe('the Worker session runs the autoencoder kinds like any model', () => {
  it.each(['autoencoder', 'vae'] as const)('%s: steps, metrics the guard accepts, grid, explorer and generator export', async (model) => {
    const events: WorkerEvent[] = [];
    const session = new Session((e) => events.push(e));
    await session.handle({ type: 'config', config: tinyConfig({ model, gridSide: 2, lrG: 1e-3, lrD: 1e-3, beta1: 0.9 }) });
    await session.handle({ type: 'dataset/builtin', name: 'shapes' });
    for (let i = 0; i < 3; i++) await session.handle({ type: 'train/step' });
    await session.handle({ type: 'explore', request: { pins: [0, 1], psi: 0.7, fromB: [], noiseSeed: 1, noiseOff: false, space: 'z' } });
    await session.handle({ type: 'export/generator' });
    expect(events.filter((e) => e.type === 'status' && e.state === 'error')).toEqual([]);
    const points = events.flatMap((e) => (e.type === 'metrics' ? e.points : []));
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) expect(divergence({ ...p, steps: 1 })).toBeUndefined();
    expect(events.some((e) => e.type === 'samples')).toBe(true);
    const explorer = events.find((e) => e.type === 'explorer');
    if (explorer?.type !== 'explorer') throw new Error('no explorer images');
    expect(explorer.interpolation.width).toBeGreaterThan(0);
    expect(explorer.mix).toBeUndefined(); // style mixing is StyleGAN's only
    const download = events.find((e) => e.type === 'download');
    expect(download && download.type === 'download' && download.bytes.byteLength).toBeGreaterThan(1000);
  });
});

describe('the divergence guard on an autoencoder', () => {
  it('sees a poisoned decoder as diverged', async () => {
    const shapes = await import('../../src/data/builtin/procedural.ts');
    const trainer = new GanTrainer(tinyConfig({ model: 'vae' }), shapes.makeShapes({ res: 16 }));
    trainer.trainStep();
    expect(divergence((await trainer.report())!)).toBeUndefined();
    trainer.poison();
    trainer.trainStep();
    expect(inEnglish(divergence((await trainer.report())!))).toMatch(/NaN/);
    trainer.dispose();
  });
});
