/**
 * Headless training on the same engine as the page:
 *   npm run train -- --data faces|shapes|animals|DIR --steps 200 --res 16 --batch 16 --out out/
 * Prints progress, writes the sample grid as PNG and the metrics as JSON lines.
 *   npm run train -- … --save run.ganvas        also writes the run as a project file (the page opens it)
 *   npm run train -- --resume run.ganvas --steps K   continues a project file K more steps
 */
import { english } from '../src/contract/messages.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pngOf } from '../src/data/png.ts';
import { rgbaFromFloat } from '../src/data/prepare.ts';
import { GanTrainer, type StepReport } from '../src/gan/train/trainer.ts';
import { chartColumns } from '../src/gan/train/report.ts';
import { QualityTracker } from '../src/gan/metrics/tracker.ts';
import { pathLength, pathModelOf } from '../src/gan/metrics/ppl.ts';
import { DIVERSITY_IMAGES, referenceSpread, sampleDiversity } from '../src/gan/metrics/diversity.ts';
import { readTrainOptions, usage, UsageError } from './train-options.ts';
import { loadDataset } from './node-data.ts';
import { useNodeBackend } from './node-backend.ts';
import { openProjectFile, ProjectFileError, saveProjectFile } from './node-project.ts';
import type { MetricPoint } from '../src/contract/protocol.ts';
import { newRun } from '../src/worker/project.ts';

async function main(): Promise<void> {
  const options = readTrainOptions(process.argv.slice(2));
  if (options.help) return console.log(usage());
  const { steps, every, out, backend } = options;
  await useNodeBackend(backend);

  const opened = options.resume ? await openProjectFile(options.resume) : undefined;
  const config = opened?.snapshot.config ?? options.config;
  const { set, rejections } = opened?.dataset ? { set: opened.dataset, rejections: [] } : await loadDataset(options.data, config.res);
  for (const r of rejections) console.warn(`skipped ${r.name}: ${english(r.reason)}`);
  if (set.count === 0) throw new Error('no usable images');
  await mkdir(out, { recursive: true });
  const trainer = new GanTrainer(config, set);
  if (opened) {
    const problem = trainer.importState(opened.snapshot);
    if (problem) throw new ProjectFileError(`--resume: ${options.resume} does not fit its own model: ${english(problem)}`);
  }
  const history: MetricPoint[] = opened?.history ?? [];
  const reconstructs = config.model === 'autoencoder' || config.model === 'vae';
  const losses = (r: StepReport) =>
    r.kind === 'reconstruction'
      ? `MSE ${r.recon.toFixed(4)} KL/dim ${r.kl.toFixed(3)}`
      : `G ${r.gLoss.toFixed(3)} D ${r.dLoss.toFixed(3)} D(real) ${r.dReal.toFixed(2)} D(fake) ${r.dFake.toFixed(2)}`;
  const p = trainer.parameterCounts();
  const [g, d] = reconstructs ? ['decoder', 'encoder'] : ['G', 'D'];
  console.log(
    `${set.count} images at ${config.res}px · ${config.model} ${g} ${p.generator} / ${d} ${p.discriminator} params · batch ${config.batch} · ${backend}${
      opened ? ` · resuming ${options.resume} at step ${trainer.step}` : ''
    }`,
  );

  const quality = new QualityTracker();
  quality.setDataset(set);
  const spread = set.count >= 2 ? referenceSpread(set) : NaN;
  const metrics: string[] = [];
  const t0 = performance.now();
  let lastReport = t0;
  for (let s = 1; s <= steps; s++) {
    trainer.trainStep();
    const progress = s % every === 0 || s === steps;
    // A progress line needs the losses up to its step, so it reads a report of its own when
    // `every` is not a multiple of reportEvery (the mean then covers the steps since the last read).
    // Reports fall on the run's own steps (not this process's), so a resumed run reports where it would have.
    if (trainer.step % config.reportEvery === 0 || progress) {
      const r = (await trainer.report())!;
      const now = performance.now();
      history.push({ step: r.step, ...chartColumns(r), imagesPerSec: (r.steps * config.batch * 1000) / Math.max(now - lastReport, 1e-3) });
      lastReport = now;
      if (progress) {
        const secs = (performance.now() - t0) / 1000;
        const eta = (secs / s) * (steps - s);
        const q = (await quality.evaluate(trainer))!;
        const diversity = Number.isFinite(spread) ? sampleDiversity(await trainer.samplePixels(DIVERSITY_IMAGES), DIVERSITY_IMAGES, config.res, spread) : NaN;
        metrics.push(JSON.stringify({ ...r, swd: q.swd, swdPerLevel: q.perLevel, diversity }));
        console.log(
          `step ${s}/${steps} · ${((s * config.batch) / secs).toFixed(1)} img/s · ETA ${eta.toFixed(0)} s · ${losses(r)} · SWD ${q.swd.toFixed(1)} · diversity ${diversity.toFixed(2)}`,
        );
      } else metrics.push(JSON.stringify(r));
    }
  }
  const grid = await trainer.renderGrid();
  await writeFile(join(out, 'grid.png'), pngOf({ width: grid.width, height: grid.height, data: grid.pixels }));
  await writeFile(join(out, 'metrics.jsonl'), metrics.join('\n') + '\n');
  const { samples } = options;
  if (samples > 0) await writeSamples(trainer, samples, config.res, join(out, 'samples'));
  console.log(`wrote ${join(out, 'grid.png')}, ${join(out, 'metrics.jsonl')}${samples > 0 ? ` and ${samples} samples in ${join(out, 'samples')}` : ''}`);
  if (options.save) {
    // Named as the page names a run: after its data and how many images it has.
    const run = opened?.run ?? newRun(`${basename(options.data) || 'run'} · ${set.count}`);
    await saveProjectFile(options.save, { run, trainer, history, dataset: set, earlier: opened?.snapshot.timeline ?? [], grid });
    console.log(`saved the run at step ${trainer.step} to ${options.save}`);
  }
  if (options.ppl > 0) {
    const r = await pathLength(pathModelOf(trainer), { pairs: options.ppl });
    console.log(
      `perceptual path length in ${r.space === 'w' ? 'W (lerp)' : 'z (slerp)'}: ${r.mean.toPrecision(4)} · median ${r.median.toPrecision(4)} · p90 ${r.p90.toPrecision(4)} · ${r.pairs} pairs`,
    );
  }
  trainer.dispose();
}

/** K single sample PNGs from the final generator, so any other tool can score them. */
async function writeSamples(trainer: GanTrainer, k: number, res: number, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const pixels = await trainer.samplePixels(k);
  for (let i = 0; i < k; i++) {
    const data = rgbaFromFloat(pixels, res, res, i * res * res * 3);
    await writeFile(join(dir, `${String(i).padStart(5, '0')}.png`), pngOf({ width: res, height: res, data }));
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  // A wrong command line (exit 2) is told apart from a run that failed (exit 1).
  process.exit(e instanceof UsageError || e instanceof ProjectFileError ? 2 : 1);
});
