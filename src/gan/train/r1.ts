import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../contract/config.ts';
import { gradientsByName, type Lens } from './steps.ts';
import type { Discriminator } from '../nn/models/types.ts';

/**
 * R1 regularisation (Mescheder et al. 2018): penalise the gradient of D at real images,
 * R1 = E_x ||∇ₓ D(x)||². The D loss adds γ/2 · R1; StyleGAN2 evaluates it "lazily", every k-th
 * D step, scaled by k (k = 16), since it changes slowly and costs a double backward pass.
 *
 * Double backward in tfjs 4.22: an inner `tf.grad` records its backward ops on the outer tape,
 * so `tf.variableGrads(() => r1Penalty(d, reals), dVars)` differentiates through ∇ₓD, on the
 * cpu and wasm backends alike, provided every backward op of D has a gradient itself. Measured
 * here: Conv2D (stride 1 and 2), Conv2DBackpropInput, MatMul, Pad, Tile, Concat, Reshape,
 * Mean, Sqrt, Step, Mul and Add do; three common ops do not and throw
 * "gradient function not found": LeakyRelu (its gradient uses Greater), AvgPool (AvgPoolGrad)
 * and ResizeBilinear (ResizeBilinearGrad), ResizeNearestNeighbor likewise. The StyleGAN D
 * (models/stylegan-d.ts) avoids all three. DCGAN's D uses tf.leakyRelu (off WebGPU): its
 * gradient is where(x > 0, dy, α·dy), and only the mask x > 0 lacks a gradient, so
 * installComparisonGradient gives `Greater` its true one (zero: a step function is flat almost
 * everywhere). First-order gradients are untouched; R1 through DCGAN's D then works.
 * DCGAN's D has no batch norm (models/dcgan.ts), so its R1 needs no batch-statistics rule: each
 * sample's ∇ₓD is its own.
 */

let comparisonGradient = false;

/** Registers Greater's gradient (zero for both inputs), once per process; see above. */
export function installComparisonGradient(): void {
  if (comparisonGradient || tf.getGradient('Greater')) return;
  comparisonGradient = true;
  tf.registerGradient({
    kernelName: 'Greater',
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => ({ a: () => tf.zerosLike(saved[0]!), b: () => tf.zerosLike(saved[1]!) }),
  });
}

/**
 * Mean over the batch of ||∇ₓ Σ D(lens(x))||², a scalar differentiable w.r.t. D's parameters.
 * x is the real image before augmentation: the gradient flows back through the lens, as
 * StyleGAN2-ADA takes it (training/loss.py differentiates w.r.t. the un-augmented real, with the
 * augment pipe inside D's forward). The lens draws afresh on every call, as the pipe does.
 * Summing the logits before the gradient gives each sample its own gradient in one pass
 * (exact when samples do not interact; with minibatch stddev they do, slightly, as in StyleGAN2).
 * Multiply by γ/2 (and by the lazy interval) in the D loss.
 */
export function r1Penalty(d: Discriminator, reals: tf.Tensor4D, lens: Lens = (x) => x): tf.Scalar {
  installComparisonGradient();
  return tf.tidy(() => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(d.apply(lens(x as tf.Tensor4D))))(reals);
    return tf.mean(tf.sum(tf.square(g), [1, 2, 3]));
  });
}

/** StyleGAN2-ADA's automatic γ: 0.0002 · res² / batch (res 32, batch 32: γ = 0.0064). */
export function defaultR1Gamma(res: number, batch: number): number {
  return (0.0002 * res * res) / batch;
}

/**
 * The γ a run trains with, for any model: `r1Gamma` when `r1GammaAuto` is off (0: R1 off).
 * `r1GammaAuto` means StyleGAN2-ADA's heuristic for StyleGAN, whose D it was tuned for, and R1
 * off for DCGAN: no heuristic is measured for DCGAN's D, and DCGAN projects saved before DCGAN
 * could train with R1 carry `r1GammaAuto: true` (the old default, ignored then), so they resume
 * as they were trained.
 */
export function r1GammaOf(c: Pick<TrainConfig, 'model' | 'r1Gamma' | 'r1GammaAuto' | 'res' | 'batch'>): number {
  if (!c.r1GammaAuto) return c.r1Gamma;
  return c.model === 'stylegan' ? defaultR1Gamma(c.res, c.batch) : 0;
}

/** What r1Step needs of an optimizer: an update from gradients keyed by parameter name (as adam.ts's Adam). */
export interface NamedOptimizer {
  apply(grads: Record<string, tf.Tensor>): void;
}

/**
 * One lazy R1 step: minimises γ/2 · interval · R1 over D's parameters only. Returns R1
 * (unscaled, on the device) for charts. Call it every `interval` D steps, after the main D step,
 * on the un-augmented reals of that step with D's lens (see r1Penalty).
 * Parameters R1 does not reach (D's final bias shifts every logit alike, so it never changes
 * ∇ₓD) get a zero gradient, as NVlabs's `real_logits * 0 + R1` does: Adam still decays their
 * moments and counts the step, so the update matches stylegan2-ada-pytorch's (leaving them out
 * parted the lockstep from the NVlabs-rule peer at the 7th round).
 */
export function r1Step(d: Discriminator, optimizer: NamedOptimizer, reals: tf.Tensor4D, gamma: number, interval: number, lens?: Lens): tf.Scalar {
  return tf.tidy(() => {
    let penalty: tf.Scalar | undefined;
    const { value, grads } = gradientsByName(d.params, () => {
      penalty = tf.keep(r1Penalty(d, reals, lens));
      return tf.mul(penalty, (gamma / 2) * interval) as tf.Scalar;
    });
    for (const [name, v] of Object.entries(d.params)) grads[name] ??= tf.zerosLike(v);
    optimizer.apply(grads);
    value.dispose();
    return penalty!;
  });
}
