import * as tf from '@tensorflow/tfjs';
import { realSignSum } from './ada.ts';
import type { Adam } from './adam.ts';
import { discriminatorLoss, generatorLoss, meanProbability } from './losses.ts';
import { fusedGanLoss, hasFusedGanLoss } from '../backend/gan-loss.ts';
import type { GanModel } from '../nn/models/index.ts';
import type { Params } from '../nn/params.ts';

/**
 * One optimizer step for each player. Both take every input as a parameter and return their
 * numbers as scalar tensors still on the device: reading them is the caller's choice, so the
 * training loop never waits on the GPU per step.
 */

export interface DStepResult {
  dLoss: tf.Scalar;
  dReal: tf.Scalar;
  dFake: tf.Scalar;
  /** Σ sign(D(real)) over the batch, ADA's overfitting signal. */
  realSigns: tf.Scalar;
}

/**
 * What D looks through: augmentation applied to reals and fakes alike (DiffAugment), so D
 * cannot tell them apart by it and G's gradient flows back through it. Identity when off.
 */
export type Lens = (images: tf.Tensor4D) => tf.Tensor4D;
const identity: Lens = (x) => x;

/** How the step makes fakes from latents (default: G's own forward; StyleGAN adds mixing). */
export interface StepOptions {
  lens?: Lens;
  generate?: (z: tf.Tensor2D) => tf.Tensor4D;
}

/**
 * D's logits for reals and fakes from one pass over [reals; fakes] (D has no batch norm, so this
 * is exact): half the kernel launches and larger, faster convolutions. StyleGAN's minibatch
 * stddev groups consecutive images with a group size dividing the batch, so no group straddles
 * the two halves and each image is grouped as in separate passes (NVlabs's).
 */
function realAndFakeLogits(model: GanModel, reals: tf.Tensor4D, fakes: tf.Tensor4D): [tf.Tensor2D, tf.Tensor2D] {
  return tf.split(model.discriminator.apply(tf.concat([reals, fakes], 0)), 2, 0) as [tf.Tensor2D, tf.Tensor2D];
}

/**
 * D's loss from one pass over [reals; fakes] (as `realAndFakeLogits`), with D(real), D(fake) and
 * Σ sign(D(real)) kept for the caller. One kernel where the backend has it (backend/gan-loss.ts:
 * WebGPU); elsewhere the tf ops below, in the order they always ran.
 */
function discriminatorLossAndStats(model: GanModel, reals: tf.Tensor4D, fakes: tf.Tensor4D): { loss: tf.Scalar; aux: [tf.Scalar, tf.Scalar, tf.Scalar] } {
  if (hasFusedGanLoss()) {
    const { loss, stats } = fusedGanLoss(model.discriminator.apply(tf.concat([reals, fakes], 0)), reals.shape[0], true);
    return { loss, aux: stats as [tf.Scalar, tf.Scalar, tf.Scalar] };
  }
  const [realLogits, fakeLogits] = realAndFakeLogits(model, reals, fakes);
  const aux: [tf.Scalar, tf.Scalar, tf.Scalar] = [tf.keep(meanProbability(realLogits)), tf.keep(meanProbability(fakeLogits)), tf.keep(realSignSum(realLogits))];
  return { loss: discriminatorLoss(realLogits, fakeLogits), aux };
}

/** G's loss on D's logits for fakes, one kernel where the backend has it (as above). */
const generatorLossOf = (fakeLogits: tf.Tensor) => (hasFusedGanLoss() ? fusedGanLoss(fakeLogits, fakeLogits.size, false).loss : generatorLoss(fakeLogits));

/**
 * Gradients of `f` with respect to `params`, keyed by our parameter names. A parameter `f` does
 * not depend on gets no entry (R1 never reaches D's final bias), so an update leaves it alone.
 */
export function gradientsByName(params: Params, f: () => tf.Scalar): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const names = Object.keys(params);
  const { value, grads } = tf.variableGrads(
    f,
    names.map((n) => params[n]!),
  );
  const byName: Record<string, tf.Tensor> = {};
  for (const n of names) {
    const g = grads[params[n]!.name];
    if (g !== undefined) byName[n] = g;
  }
  return { value, grads: byName };
}

/** Updates D only: G's output is computed outside the gradient scope, so G is not touched. */
export function discriminatorStep(model: GanModel, optimizer: Adam, reals: tf.Tensor4D, z: tf.Tensor2D, opts: StepOptions = {}): DStepResult {
  const { lens = identity, generate = (zz: tf.Tensor2D) => model.generator.apply(zz) } = opts;
  return tf.tidy(() => {
    const [seenReal, seenFake] = [lens(reals), lens(generate(z))];
    let aux: [tf.Scalar, tf.Scalar, tf.Scalar] | undefined;
    const { value, grads } = gradientsByName(model.discriminator.params, () => {
      const d = discriminatorLossAndStats(model, seenReal, seenFake);
      aux = d.aux;
      return d.loss;
    });
    optimizer.apply(grads);
    const [dReal, dFake, realSigns] = aux!;
    return { dLoss: value, dReal, dFake, realSigns };
  });
}

/** Updates G only: gradients flow through D to G, but only G's variables are listed. */
export function generatorStep(model: GanModel, optimizer: Adam, z: tf.Tensor2D, opts: StepOptions = {}): tf.Scalar {
  const { lens = identity, generate = (zz: tf.Tensor2D) => model.generator.apply(zz) } = opts;
  return tf.tidy(() => {
    const { value, grads } = gradientsByName(model.generator.params, () => generatorLossOf(model.discriminator.apply(lens(generate(z)))));
    optimizer.apply(grads);
    return value;
  });
}

/**
 * D's numbers on a batch without updating anything: a frozen player (0 steps in a round) still
 * reports where it stands, so the chart does not show a made-up zero.
 */
export function discriminatorEval(model: GanModel, reals: tf.Tensor4D, z: tf.Tensor2D, opts: StepOptions = {}): DStepResult {
  const { lens = identity, generate = (zz: tf.Tensor2D) => model.generator.apply(zz) } = opts;
  return tf.tidy(() => {
    const [realLogits, fakeLogits] = realAndFakeLogits(model, lens(reals), lens(generate(z)));
    return {
      dLoss: discriminatorLoss(realLogits, fakeLogits),
      dReal: meanProbability(realLogits),
      dFake: meanProbability(fakeLogits),
      realSigns: realSignSum(realLogits),
    };
  });
}

/** G's loss without updating it (see `discriminatorEval`). */
export function generatorEval(model: GanModel, z: tf.Tensor2D, opts: StepOptions = {}): tf.Scalar {
  const { lens = identity, generate = (zz: tf.Tensor2D) => model.generator.apply(zz) } = opts;
  return tf.tidy(() => generatorLoss(model.discriminator.apply(lens(generate(z)))));
}
