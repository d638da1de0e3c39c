/**
 * Page rows of the benchmark: the real page (production build) in headless Chromium, training
 * the same model in its Worker, read from the page's own img/s readout. This is the whole loop
 * (steps, metric reads, grid renders, messages), not bare steps.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { preview } from 'vite';
import { numberIn, openPage, textOf } from '../tests/e2e/browser.ts';
import type { BenchRow } from './bench.ts';

const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

export async function benchPage(seconds: number, report: (r: BenchRow) => void): Promise<void> {
  if (!existsSync('dist/index.html')) execSync('npx vite build', { stdio: 'inherit' });
  const server = await preview({ preview: { host: '127.0.0.1', port: 0 }, logLevel: 'warn' });
  const base = server.resolvedUrls!.local[0]!.replace(/\/$/, '');
  try {
    for (const backend of BACKENDS) {
      const s = await openPage(`${base}/?backend=${backend}&preset=small&batch=32&dataset=shapes&autostart=1&reportEvery=1`);
      try {
        const t0 = Date.now();
        let firstGrid: number | undefined;
        let step = 0;
        while (Date.now() - t0 < seconds * 1000) {
          await new Promise((r) => setTimeout(r, 500));
          step = await numberIn(s.page, 'step-count');
          if (firstGrid === undefined && step > 0) firstGrid = Date.now() - t0;
          if ((await textOf(s.page, 'status')).startsWith('error')) break;
        }
        const used = await textOf(s.page, 'backend');
        const imgs = await numberIn(s.page, 'images-per-sec');
        const note = `in the page's Worker (${used.trim()}), ${step} steps in ${seconds} s; first step after ${((firstGrid ?? NaN) / 1000).toFixed(1)} s of page load`;
        if (!used.startsWith(backend) || !(imgs > 0)) report({ where: 'page', backend, note: `did not train: ${await textOf(s.page, 'status')} (${used})`, msPerStep: NaN, imagesPerSec: 0 });
        else report({ where: 'page', backend, note, msPerStep: (32 * 1000) / imgs, imagesPerSec: imgs });
      } finally {
        await s.close();
      }
    }
  } finally {
    await server.close();
  }
}
