import * as tf from '@tensorflow/tfjs';

/**
 * Non-saturating logistic GAN loss (Goodfellow et al. 2014, as used by DCGAN and StyleGAN).
 * softplus(-l) = -log σ(l) and softplus(l) = -log(1 - σ(l)), computed stably from logits.
 */

/** D wants σ(real) → 1 and σ(fake) → 0. */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))));
}

/**
 * G wants σ(fake) → 1. Maximising log σ(fake) rather than minimising log(1 − σ(fake)) keeps G's
 * gradient strong early on, when D rejects every fake confidently.
 */
export function generatorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fakeLogits))));
}

/** Mean D output as a probability, the number people read off the chart ("D(real) = 0.5"). */
export function meanProbability(logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sigmoid(logits)));
}
