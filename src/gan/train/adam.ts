import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../contract/config.ts';
import type { Params } from '../nn/params.ts';
import { fusedAdamUpdate, hasFusedAdam } from '../backend/fused-adam.ts';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Both players' Adam settings from the config, at learning rate `lr` (ε is fixed: NVlabs's and PyTorch's 1e-8). */
export function adamOptionsOf(c: Pick<TrainConfig, 'beta1' | 'beta2'>, lr: number): AdamOptions {
  return { lr, beta1: c.beta1, beta2: c.beta2, epsilon: 1e-8 };
}

/**
 * Adam (Kingma & Ba 2015) over named parameters. Ours rather than tf.train.adam because its
 * moment slots are named like the parameters they belong to ("g.up1.w"), so they can be
 * snapshotted, saved and restored exactly, and nothing is left to positional order.
 * The update matches tfjs's: p -= lr · m̂ / (√v̂ + ε) with bias-corrected moments.
 */
export class Adam {
  readonly m: Params = {};
  readonly v: Params = {};
  /** Updates applied so far (for bias correction). */
  t = 0;

  constructor(
    private readonly params: Params,
    public options: AdamOptions,
  ) {
    for (const [name, p] of Object.entries(params)) {
      this.m[name] = zeroSlot(p);
      this.v[name] = zeroSlot(p);
    }
  }

  /** Applies one update from gradients keyed by parameter name (missing names are skipped). */
  apply(grads: Record<string, tf.Tensor>): void {
    this.t++;
    const { lr, beta1, beta2, epsilon } = this.options;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    // One kernel per parameter where the backend has it (WebGPU: src/gan/backend/webgpu-kernels.ts).
    const fused = hasFusedAdam();
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const p = this.params[name];
        if (!p) throw new Error(`gradient for unknown parameter ${name}`);
        const m = this.m[name]!;
        const v = this.v[name]!;
        if (fused) {
          fusedAdamUpdate(p, m, v, g, { beta1, beta2, epsilon, lrOverC1: lr / c1, c2 });
          continue;
        }
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const step = tf.div(tf.mul(m, lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        p.assign(tf.sub(p, step));
      }
    });
  }

  dispose(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
  }
}

/** A variable of zeros shaped like `p`; the temporary it starts from is freed at once. */
function zeroSlot(p: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(p);
  const slot = tf.variable(zeros, false);
  zeros.dispose();
  return slot;
}
