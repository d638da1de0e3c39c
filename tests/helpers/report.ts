import type { GanReport, StepReport } from '../../src/gan/train/trainer.ts';

/** A GAN trainer's report, narrowed (a reconstruction report or none fails the test here). */
export function asGan(r: StepReport | undefined): GanReport {
  if (r?.kind !== 'gan') throw new Error(`expected a GAN report, got ${JSON.stringify(r)}`);
  return r;
}
