import { describe, expect, it } from 'vitest';
import { dawnMissing, runDawnCheck, warnIfSkipped } from '../helpers/dawn-check.ts';
import type { SyncReadsResult } from '../helpers/webgpu-sync-reads-check.ts';

/**
 * The Worker's session on WebGPU reads nothing back synchronously. tfjs-webgpu's synchronous read
 * copies through an OffscreenCanvas; in Chromium on a software adapter that copy destroyed the
 * device (the explorer's first picture lost the Worker, and the Train click sent to it). The
 * session runs in a child process on Dawn for Node (tests/helpers/webgpu-sync-reads-check.ts),
 * through what a person does with a DCGAN and a StyleGAN. Skipped, and says so, without Dawn.
 */
warnIfSkipped('webgpu-sync-reads');

describe.skipIf(dawnMissing !== undefined)('the session on WebGPU', { timeout: 600_000 }, () => {
  let check: SyncReadsResult | Error | undefined;
  /** One child run for both models (~2 min on 2 cores), its failure reported by each. */
  const result = (): SyncReadsResult => {
    check ??= runDawnCheck<SyncReadsResult>('tests/helpers/webgpu-sync-reads-check.ts', 540_000);
    if (check instanceof Error) throw check;
    return check;
  };

  it.each(['dcgan', 'stylegan'])('%s: builds, explores, trains, measures, projects and exports with no synchronous read', (model) => {
    expect(result().backend).toBe('webgpu');
    const run = result().runs.find((r) => r.model === model)!;
    expect(run.phases).toEqual(['build', 'explore', 'train', 'pause', 'nearest', 'path length', 'project', 'explore the pin', 'exports']);
    expect(run.reads).toEqual([]);
    expect(run.errors).toEqual([]);
    // It did the work: pictures, measurements and files came back.
    for (const event of ['samples', 'explorer', 'quality', 'nearest', 'ppl', 'projection/done', 'download', 'project'])
      expect(run.events[event], event).toBeGreaterThan(0);
  });
});
