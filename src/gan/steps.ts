import * as tf from '@tensorflow/tfjs';
import { discriminatorLoss, generatorLoss, meanProbability } from './losses.ts';
import type { GanModel } from './models/index.ts';

/**
 * One optimizer step for each player. Both take every input as a parameter and return their
 * numbers as scalar tensors still on the device: reading them is the caller's choice, so the
 * training loop never waits on the GPU per step.
 */

export interface DStepResult {
  dLoss: tf.Scalar;
  dReal: tf.Scalar;
  dFake: tf.Scalar;
}

/**
 * Updates D only: G's output is computed outside the gradient scope, so G is not touched.
 * Reals and fakes go through D as one batch (D has no batch norm, so this is exact): half the
 * kernel launches and larger, faster convolutions.
 */
export function discriminatorStep(
  model: GanModel,
  optimizer: tf.Optimizer,
  reals: tf.Tensor4D,
  z: tf.Tensor2D,
): DStepResult {
  return tf.tidy(() => {
    const fakes = model.generator.apply(z);
    const vars = Object.values(model.discriminator.params);
    let probs: [tf.Scalar, tf.Scalar] | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.discriminator.apply(tf.concat([reals, fakes], 0));
      const [realLogits, fakeLogits] = tf.split(logits, [reals.shape[0], fakes.shape[0]], 0) as [tf.Tensor2D, tf.Tensor2D];
      probs = [tf.keep(meanProbability(realLogits)), tf.keep(meanProbability(fakeLogits))];
      return discriminatorLoss(realLogits, fakeLogits);
    }, vars);
    optimizer.applyGradients(grads);
    const [dReal, dFake] = probs!;
    return { dLoss: value, dReal, dFake };
  });
}

/** Updates G only: gradients flow through D to G, but only G's variables are listed. */
export function generatorStep(model: GanModel, optimizer: tf.Optimizer, z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const vars = Object.values(model.generator.params);
    const { value, grads } = tf.variableGrads(
      () => generatorLoss(model.discriminator.apply(model.generator.apply(z))),
      vars,
    );
    optimizer.applyGradients(grads);
    return value;
  });
}
