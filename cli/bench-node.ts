/** Node rows of the benchmark: bare engine steps, median of N after a warm-up step. */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, PRESETS } from '../src/contract/config.ts';
import { makeShapes } from '../src/data/builtin/procedural.ts';
import { GanTrainer } from '../src/gan/trainer.ts';
import type { BenchRow } from './bench.ts';
import { useNodeBackend, type NodeBackend } from './node-backend.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeSteps(trainer: GanTrainer, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    trainer.trainStep();
    await trainer.report(); // the read waits for the step to finish
    times.push(performance.now() - t);
  }
  return times;
}

export async function benchNode(steps: number, report: (r: BenchRow) => void): Promise<void> {
  const config = { ...DEFAULT_CONFIG, ...PRESETS.small, batch: 32 };
  const data = makeShapes({ res: config.res, count: 256 });
  const plan: [NodeBackend, number, string][] = [
    ['wasm', steps, 'tfjs-backend-wasm + our training kernels, 1 thread'],
    ['cpu', 1, 'tfjs CPU backend (plain JS)'],
  ];
  for (const [backend, n, note] of plan) {
    await useNodeBackend(backend);
    const trainer = new GanTrainer(config, data);
    const [first] = await timeSteps(trainer, 1);
    const ms = median(await timeSteps(trainer, n));
    report({ where: 'node', backend, note: `${note}, median of ${n}`, msPerStep: ms, imagesPerSec: (config.batch * 1000) / ms, firstStepMs: first! });
    trainer.dispose();
    tf.disposeVariables();
  }
}
