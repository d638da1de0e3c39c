import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * StyleGAN's FIR resampling on tfjs's WebGPU backend (Dawn for Node, the optional dependency
 * `webgpu`, with Chromium's SwiftShader Vulkan driver), in a child process
 * (tests/helpers/fir-webgpu-check.ts), against the folded form on the CPU backend: the filter
 * pass is two depthwise convolutions with per-axis padding and a custom gradient, and R1 needs
 * its double backward on whatever backend trains. Skipped, and says so, when either is missing.
 */
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const hasDawn = (() => {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
})();
const canRun = hasDawn && existsSync(SWIFTSHADER);
if (!canRun) console.warn(`fir-webgpu: skipped (${hasDawn ? `no SwiftShader at ${SWIFTSHADER}` : 'the optional package `webgpu` is not installed'})`);

interface Check {
  adapter: string;
  backend: string;
  names: string[];
  /** [case][quantity][value]: forward, ∂f/∂x, ∂f/∂w, ∂q/∂x, ∂q/∂w (see the helper). */
  reference: number[][][];
  webgpu: number[][][];
  leaked: number;
}

const QUANTITIES = ['forward', 'dfdx', 'dfdw', 'dqdx', 'dqdw'];
const dir = mkdtempSync(join(tmpdir(), 'ganvas-fir-webgpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** max |a − b| over max |a|. */
function relativeError(a: number[], b: number[]): number {
  expect(b.length).toBe(a.length);
  const scale = Math.max(...a.map(Math.abs), 1e-30);
  return Math.max(0, ...a.map((x, i) => Math.abs(x - b[i]!))) / scale;
}

describe.skipIf(!canRun)('FIR resampling on WebGPU (Dawn + SwiftShader)', () => {
  it("equals the folded form on the CPU backend in forward, gradient and R1's double backward, leaking nothing", () => {
    const out = join(dir, 'check.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'tests/helpers/fir-webgpu-check.ts', out], {
      encoding: 'utf8',
      env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/chromium', VK_ICD_FILENAMES: SWIFTSHADER },
      timeout: 240_000,
    });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const c = JSON.parse(readFileSync(out, 'utf8')) as Check;
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
  }, 300_000);
});
