/**
 * Bare training steps, timed: what `npm run bench` reports for Node and for a Worker in the page
 * (bench/bench-node.ts, bench/page/bare-steps.worker.ts), measured the same way in both places.
 * A step here is one D + one G step and a read of the losses, so the time includes the device
 * finishing its work (on a GPU, `trainStep()` alone only queues it).
 */
import * as tf from '@tensorflow/tfjs';
import type { GanTrainer } from '../src/gan/train/trainer.ts';

export interface StepTiming {
  /** The first step after the trainer was built: shader compiles, first allocations. */
  firstStepMs: number;
  /** Median of the timed steps after the first; undefined when none fit in the time allowed. */
  msPerStep: number | undefined;
  /** Timed steps after the first. */
  steps: number;
  /** Kernel executions in one step (counted on the second step), or undefined if it never ran. */
  kernelsPerStep: number | undefined;
  /** Tensors alive after the last step minus after the first: 0 unless a step leaks. */
  tensorGrowth: number;
}

export interface TimingOptions {
  /** Timed steps wanted after the first. */
  steps: number;
  /** No further step starts once this many milliseconds have passed since the first began. */
  maxMs: number;
  now: () => number;
  /** Called after every step (0 is the first), e.g. to post progress from a Worker. */
  onStep?: (index: number, ms: number, kernels: number | undefined) => void;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function oneStep(trainer: GanTrainer): Promise<void> {
  trainer.trainStep();
  await trainer.report();
}

export async function timeTrainerSteps(trainer: GanTrainer, opts: TimingOptions): Promise<StepTiming> {
  const start = opts.now();
  await oneStep(trainer);
  const firstStepMs = opts.now() - start;
  opts.onStep?.(0, firstStepMs, undefined);
  const tensorsAfterFirst = tf.memory().numTensors;
  const times: number[] = [];
  let kernelsPerStep: number | undefined;
  while (times.length < opts.steps && opts.now() - start < opts.maxMs) {
    const t = opts.now();
    let kernels: number | undefined;
    // Counted on one timed step: the wrapper costs a function call per kernel, noise next to a kernel.
    if (times.length === 0) kernels = (await countKernels(() => oneStep(trainer))).kernels;
    else await oneStep(trainer);
    times.push(opts.now() - t);
    kernelsPerStep ??= kernels;
    opts.onStep?.(times.length, times.at(-1)!, kernels);
  }
  return {
    firstStepMs,
    msPerStep: times.length ? median(times) : undefined,
    steps: times.length,
    kernelsPerStep,
    tensorGrowth: tf.memory().numTensors - tensorsAfterFirst,
  };
}

type KernelParams = { kernelName?: string };
interface CountableEngine {
  runKernelFunc(params: KernelParams): unknown;
}

/**
 * Counts the registered kernels run while `fn` runs, by wrapping the engine's one dispatch point
 * (`runKernelFunc`, private in tfjs's types). Kernels that our composite kernels dispatch count
 * too (they are real work on the backend); custom-gradient wrappers, which run no kernel of
 * their own, do not.
 */
export async function countKernels<T>(fn: () => Promise<T>): Promise<{ result: T; kernels: number }> {
  const engine = tf.engine() as unknown as CountableEngine;
  const own = Object.prototype.hasOwnProperty.call(engine, 'runKernelFunc');
  const inner = engine.runKernelFunc;
  let kernels = 0;
  engine.runKernelFunc = function (this: CountableEngine, params: KernelParams) {
    if (params.kernelName !== undefined) kernels++;
    return inner.call(this, params);
  };
  try {
    return { result: await fn(), kernels };
  } finally {
    if (own) engine.runKernelFunc = inner;
    else delete (engine as Partial<CountableEngine>).runKernelFunc;
  }
}
