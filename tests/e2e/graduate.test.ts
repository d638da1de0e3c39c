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

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, PYTHONPATH: 'python', PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
  });

/** A run that trained 4 steps in Ganvas (the CLI) and 6 more in PyTorch under torchrun, 2 ranks. */
function twoLegs(): Buffer {
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

/** A StyleGAN run: 3 steps in the CLI, 3 more in PyTorch (one process). */
function styleLegs(): Buffer {
  const tiny = ['--model', 'stylegan', '--data', 'shapes', '--res', '16', '--width', '8', '--batch', '8', '--zDim', '8', '--wDim', '16'];
  run('npx', [
    'tsx',
    'cli/train.ts',
    ...tiny,
    '--mappingLayers',
    '2',
    '--steps',
    '3',
    '--every',
    '1000',
    '--out',
    join(dir, 'scli'),
    '--save',
    join(dir, 'style.ganvas'),
  ]);
  const leg = ['-m', 'ganvas_torch.train', '--threads', '1', '--project', join(dir, 'style.ganvas'), '--steps', '3', '--out', join(dir, 'style-gpu.ganvas')];
  run('/usr/bin/python3', leg);
  return readFileSync(join(dir, 'style-gpu.ganvas'));
}

/**
 * An augmented run: 4 steps in the CLI with ADA and DiffAugment's colour, ADA's p then set to 0.5 in
 * the file (a fresh run's p starts at 0, where ADA's pipeline is the identity), 6 more in PyTorch.
 */
function adaLegs(): Buffer {
  const tiny = ['--data', 'shapes', '--res', '16', '--width', '8', '--batch', '8', '--ada', '1', '--augColor', '1', '--every', '1000'];
  run('npx', ['tsx', 'cli/train.ts', ...tiny, '--steps', '4', '--out', join(dir, 'acli'), '--save', join(dir, 'ada.ganvas')]);
  const setP =
    'import sys; from ganvas_torch.project import read_project, encode_project, float64_to_array as f; ' +
    "s = read_project(sys.argv[1]); s.extras = {**s.extras, 'ada.p': f(0.5)}; open(sys.argv[1], 'wb').write(encode_project(s))";
  run('/usr/bin/python3', ['-c', setP, join(dir, 'ada.ganvas')]);
  run('/usr/bin/python3', [
    '-m',
    'ganvas_torch.train',
    '--threads',
    '1',
    '--project',
    join(dir, 'ada.ganvas'),
    '--steps',
    '6',
    '--out',
    join(dir, 'ada-gpu.ganvas'),
  ]);
  return readFileSync(join(dir, 'ada-gpu.ganvas'));
}

/** The page training a tiny model, paused, then given `bytes` as a project file by Open project. */
async function openedInPage(bytes: Buffer, name: string) {
  const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=8`);
  const { page } = session;
  await waitFor(
    () => numberIn(page, 'step-count'),
    (n) => n >= 1,
    60_000,
    'the page training',
  );
  await page.getByTestId('train-toggle').click();
  await page.getByTestId('import-project').setInputFiles({ name, mimeType: 'application/zip', buffer: bytes });
  await waitFor(
    () => textOf(page, 'status'),
    (t) => t.includes('opened'),
    30_000,
    'project opened',
  );
  return session;
}

describe('the graduate path', () => {
  it('opens a run continued under torchrun with both legs counted, and offers the command to continue it again', async () => {
    const bytes = twoLegs();
    const session = await openedInPage(bytes, 'gpu.ganvas');
    const { page } = session;
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

  it('opens a StyleGAN run continued in PyTorch and offers its command, noise drawn by PyTorch', async () => {
    const bytes = styleLegs();
    const session = await openedInPage(bytes, 'style-gpu.ganvas');
    const { page } = session;
    expect(await numberIn(page, 'step-count')).toBe(6);
    // The explorer works on the weights PyTorch trained: its style-mixing grid is drawn.
    await page.getByTestId('explorer').waitFor();
    await waitFor(
      () => page.getByTestId('style-mix-grid').evaluate((c) => (c as HTMLCanvasElement).width),
      (w) => w > 1,
      30_000,
      'mixing grid drawn',
    );
    await page.getByTestId('graduate-open').click();
    expect(await page.getByTestId('graduate-not-yet').count()).toBe(0);
    expect(await textOf(page, 'graduate-command')).toMatch(/--batch 8 --out \S+-step6-gpu\.ganvas --checkpoint-every 1000 --noise torch$/);
    await page.getByTestId('graduate-gpus').fill('8');
    // 8 GPUs: a DCGAN would take 1 image a GPU; StyleGAN's shares must hold whole minibatch-stddev groups (4 of 4).
    expect(await textOf(page, 'graduate-command')).toContain('--batch 32');
    expect(await textOf(page, 'graduate-noise')).toContain('--noise torch');
    expect(session.errors).toEqual([]);
  });
  it('opens an ADA run continued in PyTorch, goes on training at its p, and offers the command again', async () => {
    const bytes = adaLegs();
    const session = await openedInPage(bytes, 'ada-gpu.ganvas');
    const { page } = session;
    expect(await numberIn(page, 'step-count')).toBe(10);
    await page.getByTestId('graduate-open').click();
    expect(await page.getByTestId('graduate-not-yet').count()).toBe(0);
    expect(await textOf(page, 'graduate-command')).toContain('--steps 10000 --batch 8');
    await page.keyboard.press('Escape');
    // Training on in the page: ADA's p is the one PyTorch wrote (0.5, moved by 48 of 500k images), not 0.
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 12,
      60_000,
      'the page training on',
    );
    await page.getByTestId('augment-p').waitFor();
    expect(await textOf(page, 'augment-p')).toBe('0.50');
    expect(session.errors).toEqual([]);
  });
});
