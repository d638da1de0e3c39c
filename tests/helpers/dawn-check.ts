import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/**
 * Checks that run tfjs's WebGPU backend on Dawn for Node (the optional dependency `webgpu`) with
 * Chromium's SwiftShader Vulkan driver. Each runs in a child process, because the Vulkan loader is
 * found through LD_LIBRARY_PATH, which only a new process reads; the child writes its result as
 * JSON to the path it is given.
 */
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

function hasDawn(): boolean {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
}

/** Why the WebGPU checks cannot run here, or undefined when they can. */
export const dawnMissing: string | undefined = !hasDawn()
  ? 'the optional package `webgpu` is not installed'
  : !existsSync(SWIFTSHADER)
    ? `no SwiftShader at ${SWIFTSHADER}`
    : undefined;

/** Says once, in the test output, that `suite` is skipped and why. */
export function warnIfSkipped(suite: string): void {
  if (dawnMissing) console.warn(`${suite}: skipped (${dawnMissing})`);
}

/** Lets a check load the Worker's modules, whose wasm binaries are Vite `?url` imports. */
const URL_IMPORTS = new URL('./url-imports.mjs', import.meta.url).href;

/** Runs `script` (a path from the repo root) under Dawn + SwiftShader: its JSON result, or why it failed. */
export function runDawnCheck<T>(script: string, timeoutMs: number): T | Error {
  const dir = mkdtempSync(join(tmpdir(), 'ganvas-dawn-'));
  const out = join(dir, 'check.json');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', URL_IMPORTS, script, out], {
      encoding: 'utf8',
      env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/chromium', VK_ICD_FILENAMES: SWIFTSHADER },
      timeout: timeoutMs,
    });
    if (r.status !== 0) return new Error(`${script} failed (${r.status ?? r.signal}): ${(r.stderr ?? '').slice(-2000)}`);
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * max |a − b| over max |a|, for a check's values against its reference (same length asserted).
 * Float32 rounding of values of order one is ~1e-7, of sums of a few hundred terms ~1e-6.
 */
export function relativeError(a: number[], b: number[]): number {
  expect(b.length).toBe(a.length);
  const scale = Math.max(...a.map(Math.abs), 1e-30);
  return Math.max(0, ...a.map((x, i) => Math.abs(x - b[i]!))) / scale;
}
