import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../contract/config.ts';
import type { Params } from '../nn/params.ts';
import { fusedAdamKind, fusedAdamPairUpdate, fusedAdamUpdate, type AdamSlot } from '../backend/fused-adam.ts';

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
    // One kernel per two parameters, or per parameter, where the backend has them (WebGPU:
    // src/gan/backend/webgpu-kernels.ts); else the update as tf ops.
    const fused = fusedAdamKind();
    tf.tidy(() => {
      const slots = Object.entries(grads).map(([name, g]) => this.slot(name, g));
      if (fused) {
        const attrs = { beta1, beta2, epsilon, lrOverC1: lr / c1, c2 };
        const step = fused === 'pairs' ? 2 : 1;
        for (let i = 0; i < slots.length; i += step) {
          const [a, b] = [slots[i]!, slots[i + 1]];
          if (step === 2 && b) fusedAdamPairUpdate(a, b, attrs);
          else fusedAdamUpdate(a, attrs);
        }
        return;
      }
      for (const { p, m, v, g } of slots) {
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const step = tf.div(tf.mul(m, lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        p.assign(tf.sub(p, step));
      }
    });
  }

  private slot(name: string, g: tf.Tensor): AdamSlot {
    const p = this.params[name];
    if (!p) throw new Error(`gradient for unknown parameter ${name}`);
    return { p, m: this.m[name]!, v: this.v[name]!, g };
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
