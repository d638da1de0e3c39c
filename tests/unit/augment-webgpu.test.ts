import { describe, expect, it } from 'vitest';
import { dawnMissing, relativeError, runDawnCheck, warnIfSkipped } from '../helpers/dawn-check.ts';

/**
 * DiffAugment's fused WebGPU kernels (colour and cutout, src/gan/backend/webgpu-augment-kernels.ts)
 * on Dawn for Node with SwiftShader, in a child process (tests/helpers/augment-webgpu-check.ts),
 * against augment.ts's tf ops on the CPU backend, on the same draws. Skipped, and says so, when
 * Dawn or SwiftShader is missing.
 */
warnIfSkipped('augment-webgpu');

interface Check {
  adapter: string;
  /** [shape][images, gradient, double backward][value] */
  webgpu: number[][][];
  cpu: number[][][];
  leaked: number;
  kernels: string[];
}

describe.skipIf(dawnMissing !== undefined)(
  'DiffAugment on WebGPU (Dawn + SwiftShader)',
  () => {
    const result = (() => {
      let check: Check | Error | undefined;
      return (): Check => {
        check ??= runDawnCheck<Check>('tests/helpers/augment-webgpu-check.ts', 240_000);
        if (check instanceof Error) throw check;
        return check;
      };
    })();

    it('runs colour and cutout as one fused kernel each, translation as one Transform', () => {
      const c = result();
      expect(c.adapter).toMatch(/swiftshader/i);
      const count = (name: string) => c.kernels.filter((k) => k === name).length;
      expect([count('GanvasColorJitter'), count('Transform'), count('GanvasCutout')]).toEqual([1, 1, 1]);
      for (const chain of ['BatchMatMul', 'Mean', 'Multiply', 'Sub']) expect(c.kernels, chain).not.toContain(chain);
    });

    it("gives the CPU backend's images, gradients and double-backward gradients, and leaks no tensor", () => {
      const c = result();
      expect(c.webgpu.length).toBe(3);
      c.cpu.forEach((shape, i) =>
        ['images', 'gradient', 'double backward'].forEach((name, k) => {
          expect(shape[k]!.length, `${name} of shape ${i}`).toBeGreaterThan(0);
          expect(relativeError(shape[k]!, c.webgpu[i]![k]!), `${name} of shape ${i}`).toBeLessThan(2e-6);
        }),
      );
      expect(c.leaked).toBe(0);
    });
  },
  300_000,
);
