/// <reference types="vite/client" />
// (The session pulls in the Worker's backend module, whose wasm binaries are Vite `?url` imports.)
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Command, WorkerEvent } from '../../src/contract/protocol.ts';
import { Session } from '../../src/worker/session/session.ts';
import { tinyConfig } from '../helpers/tf.ts';
import { until, useSessionBackend } from '../helpers/session.ts';

beforeAll(useSessionBackend);

type Of<T extends WorkerEvent['type']> = WorkerEvent & { type: T };
const all = <T extends WorkerEvent['type']>(events: WorkerEvent[], type: T) => events.filter((e): e is Of<T> => e.type === type);
const style = () => tinyConfig({ model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2, gridSide: 2, autosaveMs: 3_600_000 });
const explore = (pins: [number | string, number | string]): Command => ({
  type: 'explore',
  request: { psi: 1, fromB: ['coarse'], pins, noiseSeed: 1, noiseOff: false, space: 'w' },
});

describe('projection in the Worker session', () => {
  it('streams progress, pins the result for the explorer, and the pin travels in the project file', async () => {
    const events: WorkerEvent[] = [];
    const a = new Session((e) => events.push(e));
    await a.handle({ type: 'config', config: style() });
    await a.handle({ type: 'dataset/builtin', name: 'shapes' });
    await a.handle({ type: 'train/step' });
    await a.handle({ type: 'projection/start', request: { target: { kind: 'training', index: 2 }, space: 'w+', steps: 12 } });
    await until(() => all(events, 'projection/done').length > 0, 60_000);
    const [started] = all(events, 'projection/started');
    const [done] = all(events, 'projection/done');
    expect(started!.label).toEqual({ key: 'projection.trainingLabel', vars: { n: 3 } });
    expect(done!.pin).toMatchObject({ id: started!.id, space: 'w+', steps: 12, modelStep: 1 });
    expect(done!.pin.distance).toBeGreaterThanOrEqual(0);
    expect(done!.pin.nearest).toMatchObject({ index: 2, distance: 0, far: false }); // a training image is its own nearest
    const curve = all(events, 'projection/progress').flatMap((p) => p.curve);
    expect(curve.length).toBeLessThanOrEqual(12);

    // The explorer draws from the pin.
    events.length = 0;
    await a.handle(explore([done!.pin.id, 1]));
    expect(all(events, 'explorer')).toHaveLength(1);

    // Export, open in a fresh session: the pin comes back, usable by the explorer.
    await a.handle({ type: 'project/export' });
    const file = all(events, 'project').at(-1)!;
    const other: WorkerEvent[] = [];
    const b = new Session((e) => other.push(e));
    await b.handle({ type: 'project/import', file: new File([file.bytes], file.name) });
    const pins = all(other, 'projection/pins').at(-1)!;
    expect(pins.pins.map((p) => [p.id, p.distance])).toEqual([[done!.pin.id, done!.pin.distance]]);
    other.length = 0;
    await b.handle(explore([done!.pin.id, 0]));
    expect(all(other, 'explorer')).toHaveLength(1);
    expect(all(other, 'status').filter((s) => s.state === 'error')).toEqual([]);
  });

  it('optimises the noise maps when asked, and the pin says its distance with the explorer’s noise', async () => {
    const events: WorkerEvent[] = [];
    const s = new Session((e) => events.push(e));
    await s.handle({ type: 'config', config: style() });
    await s.handle({ type: 'dataset/builtin', name: 'shapes' });
    await s.handle({ type: 'projection/start', request: { target: { kind: 'training', index: 1 }, space: 'w', steps: 6, noiseMaps: true } });
    await until(() => all(events, 'projection/done').length > 0, 60_000);
    const pin = all(events, 'projection/done')[0]!.pin;
    expect(pin.fixedNoise).toBeGreaterThanOrEqual(0);
    // Without: no such number (the pin's distance is already the explorer's).
    await s.handle({ type: 'projection/start', request: { target: { kind: 'training', index: 1 }, space: 'w', steps: 6 } });
    await until(() => all(events, 'projection/done').length > 1, 60_000);
    expect(all(events, 'projection/done')[1]!.pin.fixedNoise).toBeUndefined();
  });

  it('searches with the discriminator’s features when asked, and the pin says so (its distance stays the pyramid distance)', async () => {
    const events: WorkerEvent[] = [];
    const s = new Session((e) => events.push(e));
    await s.handle({ type: 'config', config: style() });
    await s.handle({ type: 'dataset/builtin', name: 'shapes' });
    const request = { target: { kind: 'training' as const, index: 1 }, space: 'w+' as const, steps: 6 };
    await s.handle({ type: 'projection/start', request: { ...request, distance: 'pyramid+d' } });
    await until(() => all(events, 'projection/done').length > 0, 60_000);
    await s.handle({ type: 'projection/start', request });
    await until(() => all(events, 'projection/done').length > 1, 60_000);
    const [withD, plain] = all(events, 'projection/done').map((e) => e.pin);
    expect(withD!.objective).toBe('pyramid+d');
    expect(plain!.objective).toBe('pyramid');
    // The same start (w̄, the same target), measured by the same pyramid distance either way.
    expect(withD!.start).toBeCloseTo(plain!.start, 5);
    expect(withD!.distance).not.toBe(plain!.distance);
  });

  it('stops on cancel, and a picture that is no image is refused with the reason', async () => {
    const events: WorkerEvent[] = [];
    const s = new Session((e) => events.push(e));
    await s.handle({ type: 'config', config: style() });
    await s.handle({ type: 'dataset/builtin', name: 'shapes' });
    await s.handle({ type: 'projection/start', request: { target: { kind: 'training', index: 0 }, space: 'w', steps: 5000 } });
    await s.handle({ type: 'projection/cancel' });
    expect(all(events, 'projection/stopped')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(all(events, 'projection/done')).toEqual([]);
    await s.handle({ type: 'projection/start', request: { target: { kind: 'file', file: new File(['not a picture'], 'notes.png') }, space: 'w', steps: 5 } });
    const notice = all(events, 'notice').at(-1)!;
    expect(notice.level).toBe('error');
    expect(notice.message.key).toBe('projection.unreadable');
  });
});
