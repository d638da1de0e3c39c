import { describe, expect, it } from 'vitest';
import { checkInternals, groupsFor, WORKGROUP } from '../../src/gan/backend/webgpu-runner.ts';

/** The pure parts of the WGSL runner; the dispatch path itself runs on Dawn in webgpu-kernels.test.ts. */
describe('webgpu-runner', () => {
  it('covers every element with workgroups, folding into y past 65,535 per dimension', () => {
    expect(groupsFor(1)).toEqual([1, 1]);
    expect(groupsFor(WORKGROUP)).toEqual([1, 1]);
    expect(groupsFor(WORKGROUP + 1)).toEqual([2, 1]);
    expect(groupsFor(65535 * WORKGROUP)).toEqual([65535, 1]);
    for (const n of [65535 * WORKGROUP + 1, 128 * 64 * 64 * 64, 3e8]) {
      const [x, y] = groupsFor(n);
      expect(x).toBeLessThanOrEqual(65535);
      // The shader's flat index gid.x + gid.y · x · WORKGROUP must reach n − 1.
      expect(x * y * WORKGROUP).toBeGreaterThanOrEqual(n);
    }
  });

  it('names the tfjs internals a backend lacks instead of failing later', () => {
    expect(() => checkInternals({ device: {}, tensorMap: {} })).toThrow(/lacks .*uploadToGPU.*makeUniforms.*commandQueueOwnedIds/);
  });
});
