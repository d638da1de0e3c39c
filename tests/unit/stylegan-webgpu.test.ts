import { describe, expect, it } from 'vitest';
import { dawnMissing, relativeError, runDawnCheck, warnIfSkipped } from '../helpers/dawn-check.ts';

/**
 * StyleGAN's fused WebGPU kernels (src/gan/backend/style-ops.ts, webgpu-style-kernels.ts,
 * fused-ema.ts; bias + leaky ReLU with the √2 gain) on tfjs's WebGPU backend (Dawn for Node, the
 * optional dependency `webgpu`, with Chromium's SwiftShader Vulkan driver), in a child process
 * (tests/helpers/stylegan-webgpu-check.ts), against the same layer functions on the CPU backend,
 * where they run their tf ops: forward values, every gradient training or projection asks for,
 * and for D's activation R1's double backward. Skipped, and says so, when either is missing.
 */
warnIfSkipped('stylegan-webgpu');

interface Check {
  adapter: string;
  backend: string;
  names: string[];
  /** [case][quantity][value] (see the helper for each case's quantities). */
  reference: number[][][];
  webgpu: number[][][];
  /** Distinct kernel names of each case's WebGPU run. */
  kernels: string[][];
  leaked: number;
}

/** Quantities per case, as the helper returns them. */
const QUANTITIES: Record<string, number> = {
  'styled conv + noise': 7,
  'styled conv': 5,
  'styled conv + noise up': 7,
  'toRGB modulated conv': 4,
  'bias act 2x5x4x6': 5,
  'bias act 3x300': 5,
  'mapping dense act': 4,
  'affine dense': 4,
  'D conv act': 5,
  'D conv act down': 5,
  ema: 6,
};

/** Kernels a case must use on WebGPU, and tfjs kernels the fusion removed that must not come back. */
const USES: Record<string, { has: string[]; not: string[] }> = {
  'styled conv + noise': {
    has: ['GanvasModulate', 'GanvasDemod', 'GanvasStyleActNoise', 'GanvasStyleActGrad', 'GanvasDemodGrad', 'GanvasModulateGrad'],
    not: ['LeakyRelu', 'Rsqrt', 'Square', 'Step'],
  },
  'styled conv': { has: ['GanvasStyleAct', 'GanvasStyleActGrad'], not: ['LeakyRelu', 'Rsqrt', 'Step'] },
  'toRGB modulated conv': { has: ['GanvasModulate', 'GanvasModulateGrad'], not: [] },
  'bias act 2x5x4x6': { has: ['GanvasBiasLeakyRelu', 'GanvasLeakyReluGrad', 'GanvasColumnSum'], not: ['LeakyRelu', 'Step'] },
  // The equalised-lr gains and lr ×0.01 ride on the fused op and its gradient kernels (the Sum and
  // Multiply left are the check's own loss, Σ r·y).
  'mapping dense act': { has: ['GanvasBiasLeakyRelu', 'GanvasLeakyReluGrad', 'GanvasColumnSum'], not: ['LeakyRelu', 'Add'] },
  'affine dense': { has: ['GanvasBiasLeakyRelu', 'GanvasLeakyReluGrad', 'GanvasColumnSum'], not: ['Add'] },
  'D conv act': { has: ['GanvasBiasLeakyRelu', 'GanvasLeakyReluGrad', 'GanvasColumnSum'], not: ['LeakyRelu', 'Step'] },
  ema: { has: ['GanvasEma', 'GanvasEmaGroup'], not: ['Multiply'] },
};

describe.skipIf(dawnMissing !== undefined)("StyleGAN's fused kernels on WebGPU (Dawn + SwiftShader)", () => {
  let check: Check | Error | undefined;
  const result = (): Check => {
    check ??= runDawnCheck<Check>('tests/helpers/stylegan-webgpu-check.ts', 400_000);
    if (check instanceof Error) throw check;
    return check;
  };

  it('runs on a WebGPU adapter and leaks no tensor', () => {
    const c = result();
    expect(c.backend).toBe('webgpu');
    expect(c.adapter).toMatch(/swiftshader/i);
    expect(c.names).toEqual(Object.keys(QUANTITIES));
    expect(c.leaked).toBe(0);
  }, 420_000);

  it('equals the tf-ops layers on the CPU backend in values and gradients (R1 double backward included) to float32 rounding', () => {
    const c = result();
    c.names.forEach((name, i) => {
      expect(c.reference[i]!.length, name).toBe(QUANTITIES[name]);
      c.reference[i]!.forEach((want, k) => {
        expect(want.length, `${name} quantity ${k}`).toBeGreaterThan(0);
        expect(relativeError(want, c.webgpu[i]![k]!), `${name} quantity ${k}`).toBeLessThan(2e-6);
      });
    });
  }, 420_000);

  it('runs the fused kernels in place of the tf-ops chains', () => {
    const c = result();
    for (const [name, { has, not }] of Object.entries(USES)) {
      const used = c.kernels[c.names.indexOf(name)]!;
      for (const k of has) expect(used, `${name} uses ${k}`).toContain(k);
      for (const k of not) expect(used, `${name} avoids ${k}`).not.toContain(k);
    }
  }, 420_000);
});
