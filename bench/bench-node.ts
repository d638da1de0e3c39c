/** Node rows of the benchmark: bare engine steps (bench/step-timing.ts), as the page's bare Worker times them. */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, PRESETS, type PresetName } from '../src/contract/config.ts';
import { makeShapes } from '../src/data/builtin/procedural.ts';
import { timeTrainerSteps } from './step-timing.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import type { StepRow } from './bench-table.ts';
import { useNodeBackend, type NodeBackend } from '../cli/node-backend.ts';

export interface NodePlan {
  backend: NodeBackend;
  preset: PresetName;
  steps: number;
  maxMs: number;
  note: string;
}

export async function benchNode(plan: NodePlan[], report: (r: StepRow) => void): Promise<void> {
  for (const p of plan) {
    await useNodeBackend(p.backend);
    const config = { ...DEFAULT_CONFIG, ...PRESETS[p.preset] };
    const trainer = new GanTrainer(config, makeShapes({ res: config.res }));
    const t = await timeTrainerSteps(trainer, { steps: p.steps, maxMs: p.maxMs, now: () => performance.now() });
    // The CPU backend's one step is the measurement: it compiles nothing, so the first step is typical.
    const single = t.steps === 0 && p.steps === 0;
    report({
      where: 'node',
      backend: p.backend,
      model: 'DCGAN',
      res: config.res,
      width: config.width,
      batch: config.batch,
      msPerStep: single ? t.firstStepMs : t.msPerStep,
      firstStepMs: t.firstStepMs,
      kernelsPerStep: t.kernelsPerStep,
      note: `${p.note}; ${single ? 'one step' : `median of ${t.steps}`}${t.tensorGrowth ? `; ${t.tensorGrowth} tensors leaked` : ''}`,
    });
    trainer.dispose();
    tf.disposeVariables();
  }
}
