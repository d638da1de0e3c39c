/// <reference types="vite/client" />
// New data while a model trains: the Worker session decides what it does and always says what the loop is doing.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/contract/protocol.ts';
import { decodeProject } from '../../src/gan/project/checkpoint.ts';
import { loadRun } from '../../src/worker/runs.ts';
import { Session } from '../../src/worker/session/session.ts';
import { tinyConfig } from '../helpers/tf.ts';
import { until, useSessionBackend } from '../helpers/session.ts';

beforeAll(useSessionBackend);

type Of<T extends WorkerEvent['type']> = WorkerEvent & { type: T };
const lastOf = <T extends WorkerEvent['type']>(events: WorkerEvent[], type: T) => events.filter((e): e is Of<T> => e.type === type).at(-1);

describe('new data while training', () => {
  it('starts a fresh model named after the data, saves the old run first, and keeps training', async () => {
    const events: WorkerEvent[] = [];
    const session = new Session((e) => events.push(e));
    await session.handle({ type: 'config', config: tinyConfig({ autosaveMs: 3_600_000 }) });
    await session.handle({ type: 'dataset/builtin', name: 'shapes' });
    expect(lastOf(events, 'dataset/changed')).toBeUndefined(); // the first data replaced no model: nothing to say
    await session.handle({ type: 'train/start' });
    const step = () => lastOf(events, 'step')?.step ?? 0;
    await until(() => step() >= 6, 60_000);
    expect(lastOf(events, 'runs')?.runs ?? []).toEqual([]); // nothing saved yet (autosave is far off)

    events.length = 0;
    await session.handle({ type: 'dataset/builtin', name: 'shapes' });
    // The old run was saved before the new data replaced it, and the page is told both names.
    const saved = lastOf(events, 'runs')!.runs;
    expect(saved).toHaveLength(1);
    expect(saved[0]!.name).toMatch(/^shapes · \d+$/);
    expect(saved[0]!.step).toBeGreaterThanOrEqual(6);
    const change = lastOf(events, 'dataset/changed')!;
    expect(change.change).toBe('fresh');
    expect(change.saved).toBe(saved[0]!.name);
    // A fresh model: the step count went back to 0, and the loop goes on training it.
    expect(events.some((e) => e.type === 'step' && e.step === 0)).toBe(true);
    expect(lastOf(events, 'status')!.state).toBe('training');
    const freshFrom = events.length - 1 - [...events].reverse().findIndex((e) => e.type === 'step' && e.step === 0);
    await until(() => step() >= 3, 60_000);
    expect(events.slice(freshFrom).some((e) => e.type === 'samples')).toBe(true);
    // The new run is not named as current until it is saved (a crash must resume something that exists).
    expect(lastOf(events, 'runs')!.current).toBeUndefined();

    await session.handle({ type: 'train/pause' });
    expect(lastOf(events, 'status')!.state).toBe('paused');
    expect(lastOf(events, 'runs')!.runs).toHaveLength(2);
  });

  it('pauses at once even when the pause arrives behind a load', async () => {
    const events: WorkerEvent[] = [];
    const session = new Session((e) => events.push(e));
    await session.handle({ type: 'config', config: tinyConfig({ autosaveMs: 3_600_000 }) });
    await session.handle({ type: 'dataset/builtin', name: 'shapes' });
    await session.handle({ type: 'train/start' });
    await until(() => (lastOf(events, 'step')?.step ?? 0) >= 2, 60_000);
    // Both sent together, as a person clicking Pause while the images load.
    const load = session.handle({ type: 'dataset/builtin', name: 'shapes' });
    const pause = session.handle({ type: 'train/pause' });
    await Promise.all([load, pause]);
    const after = lastOf(events, 'status')!;
    expect(after.state === 'paused' || after.state === 'idle').toBe(true);
    const stepNow = lastOf(events, 'step')!.step;
    await new Promise((r) => setTimeout(r, 300));
    expect(lastOf(events, 'step')!.step).toBe(stepNow); // the loop really stopped
  });

  it('saves an opened project file as a run before it says so, so a crash right after can resume it', async () => {
    const first: WorkerEvent[] = [];
    const a = new Session((e) => first.push(e));
    await a.handle({ type: 'config', config: tinyConfig({ autosaveMs: 3_600_000 }) });
    await a.handle({ type: 'dataset/builtin', name: 'shapes' });
    for (let i = 0; i < 3; i++) await a.handle({ type: 'train/step' });
    await a.handle({ type: 'project/export' });
    const file = lastOf(first, 'project')!;

    const events: WorkerEvent[] = [];
    const b = new Session((e) => events.push(e));
    await b.handle({ type: 'project/import', file: new File([file.bytes], file.name) });
    const opened = events.findIndex((e) => e.type === 'status' && e.message.key === 'runs.opened');
    expect(opened).toBeGreaterThan(0);
    const saved = events
      .slice(0, opened)
      .filter((e): e is Of<'runs'> => e.type === 'runs')
      .at(-1)!;
    expect(saved.current).toBeDefined(); // named current only once it is in the store
    expect(saved.runs.find((r) => r.id === saved.current)).toMatchObject({ step: 3, name: expect.stringMatching(/^shapes · \d+$/) });
  });

  it('an autosave keeps its images apart from the run file, and a resumed run (a crash, a reload) gets them back', async () => {
    const first: WorkerEvent[] = [];
    const a = new Session((e) => first.push(e));
    await a.handle({ type: 'config', config: tinyConfig({ autosaveMs: 3_600_000 }) });
    await a.handle({ type: 'dataset/builtin', name: 'shapes' });
    for (let i = 0; i < 2; i++) await a.handle({ type: 'train/step' });
    await a.handle({ type: 'train/pause' }); // pausing saves
    const id = lastOf(first, 'runs')!.current!;
    const count = lastOf(first, 'dataset')!.dataset.count;
    const file = decodeProject((await loadRun(id))!);
    expect(file.ok && file.snapshot.step).toBe(2);
    expect(file.ok && file.snapshot.dataset).toBeUndefined();

    const events: WorkerEvent[] = [];
    const b = new Session((e) => events.push(e));
    await b.handle({ type: 'runs/resume', id });
    expect(lastOf(events, 'status')!.message.key).toBe('runs.opened');
    expect(lastOf(events, 'dataset')!.dataset.count).toBe(count);
    expect(lastOf(events, 'step')!.step).toBe(2);
  });
});
