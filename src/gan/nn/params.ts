import * as tf from '@tensorflow/tfjs';
import type { Rng } from './random.ts';

/**
 * Parameters are named ("g.up1.w"), never indexed by position: names let us count them per
 * network, restrict an optimizer step to one network, and serialise them.
 */
export type Params = Record<string, tf.Variable>;

/** Builds variables from values drawn on the CPU by our seeded RNG (see random.ts). */
export class ParamBuilder {
  readonly params: Params = {};
  constructor(private readonly rng: Rng) {}

  normal(name: string, shape: number[], std: number, mean = 0): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.add(name, tf.tensor(this.rng.normals(size, std, mean), shape));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.zeros(shape));
  }

  private add(name: string, init: tf.Tensor): tf.Variable {
    if (name in this.params) throw new Error(`duplicate parameter name ${name}`);
    // tfjs variable names are global to the engine; ours are per model, so let tfjs pick its own.
    const v = tf.variable(init, true);
    init.dispose();
    this.params[name] = v;
    return v;
  }
}

export function countParams(params: Params): number {
  return Object.values(params).reduce((n, v) => n + v.size, 0);
}

export function disposeParams(params: Params): void {
  for (const v of Object.values(params)) v.dispose();
}

/** Reads every parameter to the CPU, keyed by name (for checkpoints and tests). */
export async function readParams(params: Params): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(params)) out[name] = (await v.data()) as Float32Array;
  return out;
}
