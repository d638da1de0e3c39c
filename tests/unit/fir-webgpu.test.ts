import { describe, expect, it } from 'vitest';
import { dawnMissing, relativeError, runDawnCheck, warnIfSkipped } from '../helpers/dawn-check.ts';

/**
 * StyleGAN's FIR resampling on tfjs's WebGPU backend (Dawn for Node, the optional dependency
 * `webgpu`, with Chromium's SwiftShader Vulkan driver), in a child process
 * (tests/helpers/fir-webgpu-check.ts), against the folded form on the CPU backend: the filter
 * pass is our one kernel there (GanvasFirFilter; two depthwise convolutions with per-axis
 * padding elsewhere) under a custom gradient, and R1 needs
 * its double backward on whatever backend trains. Skipped, and says so, when either is missing.
 */
warnIfSkipped('fir-webgpu');

interface Check {
  adapter: string;
  backend: string;
  names: string[];
  /** [case][quantity][value]: forward, ∂f/∂x, ∂f/∂w, ∂q/∂x, ∂q/∂w (see the helper). */
  reference: number[][][];
  webgpu: number[][][];
  leaked: number;
  /** Kernels one filter pass and its gradient ran on WebGPU. */
  kernels: string[];
}

const QUANTITIES = ['forward', 'dfdx', 'dfdw', 'dqdx', 'dqdw'];

describe.skipIf(dawnMissing !== undefined)('FIR resampling on WebGPU (Dawn + SwiftShader)', () => {
  it("equals the folded form on the CPU backend in forward, gradient and R1's double backward, leaking nothing", () => {
    const c = runDawnCheck<Check>('tests/helpers/fir-webgpu-check.ts', 240_000);
    if (c instanceof Error) throw c;
    expect(c.backend).toBe('webgpu');
    expect(c.adapter).toMatch(/swiftshader/i);
    expect(c.names).toEqual(['down', 'skip', 'up']);
    c.names.forEach((name, i) => {
      QUANTITIES.forEach((q, k) => {
        const want = c.reference[i]![k]!;
        expect(want.length, `${name} ${q}`).toBeGreaterThan(0);
        expect(relativeError(want, c.webgpu[i]![k]!), `${name} ${q}`).toBeLessThan(2e-6);
      });
    });
    expect(c.leaked).toBe(0);
    // The filter pass is our one kernel there, forward and back, not tfjs's depthwise pair.
    expect(c.kernels).toContain('GanvasFirFilter');
    expect(c.kernels).not.toContain('DepthwiseConv2dNative');
  }, 300_000);
});
