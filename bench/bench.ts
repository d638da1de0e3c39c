/**
 * npm run bench: how fast Ganvas trains its DCGAN, everywhere it can run here, in one run:
 *   - bare steps (one D + one G Adam step and a loss read): Node WASM per size preset, a Worker
 *     in headless Chromium per browser backend, and the PyTorch peer of each size on 1 and all
 *     threads (bench/torch-peer.ts); every tfjs row as a ratio of PyTorch at the same size;
 *   - the app's own loop in the page per backend: loop vs bare images/s, main-thread long tasks,
 *     Train → first grid, the Worker's tensors and heaps from start to end of the run.
 * Numbers with the machine named, never assertions; paste the Markdown into docs/bench.md.
 *
 *   npm run bench                      # everything (~10 min on 2 cores)
 *   npm run bench -- --quick           # small preset only, page WASM only (~3 min)
 *   npm run bench -- --only node|page|torch
 *   npm run bench -- --only page --backends webgl,cpu
 *   npm run bench -- --node-cpu        # add Node's tfjs CPU backend (one step: minutes)
 *   npm run bench -- --loop-seconds 420  # a longer WASM loop run (tensor count past its caches)
 *   npm run bench -- --threads 2       # the page's WASM on 2 threads (?threads=2; cross-origin isolated)
 */
import { cpus } from 'node:os';
import { PRESETS, type PresetName } from '../src/contract/config.ts';
import { parseArgs } from '../cli/args.ts';
import { benchNode, type NodePlan } from './bench-node.ts';
import { benchPage } from './bench-page.ts';
import { imagesPerSec, loopTable, machineLabel, machineLine, stepTable, type LoopRow, type StepRow } from './bench-table.ts';
import { ensureTorch, torchStepsPerSecond } from './torch-peer.ts';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const quick = args.has('quick');
  const only = args.get('only');
  const runs = (part: string) => only === undefined || only === part;
  const presets: PresetName[] = quick ? ['small'] : ['tiny', 'small', 'full'];
  const machine = machineLabel();
  console.log(`machine: ${machineLine()}`);
  console.log('model: Ganvas DCGAN (src/gan/nn/models/dcgan.ts), zDim 100, Adam; a step is one D + one G step and a loss read\n');
  const steps: StepRow[] = [];
  const loops: LoopRow[] = [];
  const logStep = (r: StepRow) => {
    steps.push(r);
    console.log(
      `  ${r.where} ${r.backend} ${r.res}px b${r.batch}: ${imagesPerSec(r)?.toFixed(1) ?? '–'} images/s, ${r.msPerStep?.toFixed(0) ?? '–'} ms/step, first ${r.firstStepMs?.toFixed(0) ?? '–'} ms, ${r.kernelsPerStep ?? '–'} kernels; ${r.note}`,
    );
  };

  if (runs('node')) {
    const plan: NodePlan[] = presets.map((preset) => ({
      backend: 'wasm',
      preset,
      steps: 8,
      maxMs: 40_000,
      note: 'tfjs-backend-wasm + our kernels, 1 thread, SIMD',
    }));
    if (args.has('node-cpu')) plan.push({ backend: 'cpu', preset: 'small', steps: 0, maxMs: 0, note: 'tfjs CPU backend (plain JS)' });
    await benchNode(plan, logStep);
  }
  if (runs('torch') && ensureTorch((line) => console.log(`  ${line}`))) {
    for (const preset of presets) {
      for (const threads of [...new Set([1, cpus().length])]) {
        const t = torchStepsPerSecond(threads, PRESETS[preset], quick ? 3 : 5, 3);
        if (!t) {
          console.log('  PyTorch: the step script failed');
          continue;
        }
        logStep({
          where: 'pytorch',
          backend: `cpu, ${t.threads} thread${t.threads === 1 ? '' : 's'}`,
          model: 'DCGAN',
          ...PRESETS[preset],
          msPerStep: 1000 / t.stepsPerSec,
          firstStepMs: undefined,
          kernelsPerStep: undefined,
          threads: t.threads,
          note: `PyTorch ${t.version}, mean after 3 warm-up steps`,
        });
      }
    }
  }
  if (runs('page')) {
    const small = PRESETS.small;
    await benchPage(
      {
        backends: args.get('backends')?.split(',') ?? (quick ? ['wasm'] : ['wasm', 'webgl', 'webgpu', 'cpu']),
        query: `preset=small&batch=${small.batch}${args.has('threads') ? `&threads=${Number(args.get('threads'))}` : ''}`,
        ...small,
        bareSteps: 8,
        bareSeconds: 30,
        loopSeconds: (b) => (b === 'wasm' ? Number(args.get('loop-seconds') ?? (quick ? 40 : 90)) : 40),
      },
      logStep,
      (r) => {
        loops.push(r);
        console.log(`  page loop ${r.backend}: ${r.loopImagesPerSec?.toFixed(1) ?? '–'} images/s over ${r.steps} steps; ${r.note}`);
      },
    );
  }
  console.log(`\n${machineLine()}\n\n${stepTable(steps, machine)}`);
  if (loops.length) console.log(`\nThe app's loop in the page (DCGAN small, built-in "shapes"):\n\n${loopTable(loops, steps, machine)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
