import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();
const dir = mkdtempSync(join(tmpdir(), 'ganvas-graduate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A run that trained 4 steps in Ganvas (the CLI) and 6 more in PyTorch under torchrun, 2 ranks. */
function twoLegs(): Buffer {
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, {
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, PYTHONPATH: 'python', PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
    });
  const tiny = ['--data', 'shapes', '--res', '16', '--width', '8', '--batch', '8', '--every', '1000'];
  run('npx', ['tsx', 'cli/train.ts', ...tiny, '--steps', '4', '--out', join(dir, 'cli'), '--save', join(dir, 'page.ganvas')]);
  run('/usr/bin/python3', [
    '-m',
    'ganvas_torch.torchrun',
    '--nproc_per_node',
    '2',
    '-m',
    'ganvas_torch.train',
    '--threads',
    '1',
    '--project',
    join(dir, 'page.ganvas'),
    '--steps',
    '6',
    '--out',
    join(dir, 'gpu.ganvas'),
  ]);
  return readFileSync(join(dir, 'gpu.ganvas'));
}

describe('the graduate path', () => {
  it('opens a run continued under torchrun with both legs counted, and offers the command to continue it again', async () => {
    const bytes = twoLegs();
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=8`);
    const { page } = session;
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 1,
      60_000,
      'the page training',
    );
    await page.getByTestId('train-toggle').click();
    await page.getByTestId('import-project').setInputFiles({ name: 'gpu.ganvas', mimeType: 'application/zip', buffer: bytes });
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.includes('opened'),
      30_000,
      'project opened',
    );
    expect(await numberIn(page, 'step-count')).toBe(10);

    await page.getByTestId('graduate-open').click();
    const command = () => textOf(page, 'graduate-command');
    expect(await command()).toMatch(
      /^PYTHONPATH=python torchrun --nproc_per_node 1 -m ganvas_torch\.train --project \S+-step10\.ganvas --steps 10000 --batch 8 --out \S+-step10-gpu\.ganvas --checkpoint-every 1000$/,
    );
    await page.getByTestId('graduate-gpus').fill('3');
    expect(await command()).toContain('--nproc_per_node 3 -m ganvas_torch.train');
    expect(await command()).toContain('--batch 9');
    expect(await textOf(page, 'graduate-dialog')).toContain('does not split evenly over 3 GPUs');
    expect(session.errors).toEqual([]);
  });
});
