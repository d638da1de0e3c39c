import * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam.ts';
import { updateCodeStats, type AutoencoderModel } from '../nn/models/autoencoder.ts';
import type { Params } from '../nn/params.ts';
import { gradientsByName } from './steps.ts';

/**
 * One training step of the autoencoder baselines (src/gan/nn/models/autoencoder.ts): encode a real
 * batch, decode it, and take one Adam step on encoder and decoder together from one loss. The
 * trainer keeps two Adam objects (its G and D slots: decoder and encoder); Adam is per parameter,
 * so two with the same settings over disjoint parameters are one optimizer step.
 *
 * Losses, for images in [-1, 1] with P = R·R·3 numbers each:
 *   autoencoder: mean over pixels of (x − x̂)², the plain per-pixel MSE.
 *   VAE:         per image, Σ (x − x̂)² / (2σ²) + KL(q(z|x) ‖ N(0, I)), the negative ELBO of a
 *                Gaussian decoder with fixed pixel variance σ² = VAE_PIXEL_VARIANCE; divided by
 *                P so its size (and Adam's first steps) match the autoencoder's.
 * σ² sets the balance: large, and KL wins (every sample is the same average face); small, and the
 * VAE turns into an autoencoder whose codes leave N(0, I), so prior samples are garbage. See the
 * constant for the measurement behind the value.
 *
 * Both losses return as scalars still on the device, for the trainer's running sums:
 * `recon` is the per-pixel MSE (comparable across kinds), `kl` the KL per latent dimension in
 * nats (0 for the autoencoder). Per dimension, so it stays a small number the divergence guard
 * reads like a loss (a healthy VAE at zDim 100 shows a few tenths).
 */
export interface ReconstructionResult {
  recon: tf.Scalar;
  kl: tf.Scalar;
}

/**
 * Pixel variance of the VAE's Gaussian decoder, in [-1, 1] units; 0.5 makes the loss the textbook
 * "sum of squared errors + KL". Measured on the faces set (zDim 100, batch 16, lr 1e-3; SWD ×1e3
 * of 512 prior samples, lower is better):
 *
 *   σ²      16 px w16, 1,500 steps     32 px w32, 1,000 steps
 *   0.5     62.0                       54.4    recognisable, blurry, mild variety
 *   0.1     45.3                       51.5    more variety, some samples are colour noise
 *   0.02    53.0                       56.4    many samples are noise: codes leave N(0, I)
 *   0.005   62.9                       –       mostly noise
 *
 * 0.5 is what the baseline is for: every sample a recognisable face, every one blurry, at an SWD
 * within ~5% of the best value at 32 px (at 16 px SWD rewards 0.1's noisy detail).
 */
export const VAE_PIXEL_VARIANCE = 0.5;

export interface ReconstructionOptimizers {
  decoder: Adam;
  encoder: Adam;
}

/** `noise` [B, zDim] ~ N(0, I) draws the VAE's reparameterised codes; the autoencoder takes none. */
export function reconstructionStep(
  model: AutoencoderModel,
  opt: ReconstructionOptimizers,
  reals: tf.Tensor4D,
  noise?: tf.Tensor2D,
  pixelVariance = VAE_PIXEL_VARIANCE,
): ReconstructionResult {
  const vae = model.kind === 'vae';
  if (vae && !noise) throw new Error('the VAE step needs a noise batch');
  return tf.tidy(() => {
    const all: Params = { ...model.decoder.params, ...model.encoder.params };
    let recon: tf.Scalar | undefined;
    let kl: tf.Scalar | undefined;
    let codes: tf.Tensor2D | undefined;
    const { grads } = gradientsByName(all, () => {
      const out = model.encoder.apply(reals);
      let z = out;
      let klPerImage: tf.Scalar = tf.scalar(0);
      if (vae) {
        const [mu, logVar] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
        z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), noise!));
        // KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (μ² + σ² − 1 − log σ²), summed over z, mean over the batch.
        klPerImage = tf.div(tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1))), 2 * reals.shape[0]);
      }
      codes = tf.keep(z);
      const mse = tf.mean(tf.squaredDifference(reals, model.decoder.apply(z))) as tf.Scalar;
      recon = tf.keep(mse);
      kl = tf.keep(tf.div(klPerImage, model.zDim) as tf.Scalar);
      if (!vae) return mse;
      const pixels = reals.shape[1] * reals.shape[2] * reals.shape[3];
      return tf.add(tf.div(mse, 2 * pixelVariance), tf.div(klPerImage, pixels)) as tf.Scalar;
    });
    opt.decoder.apply(pick(grads, model.decoder.params));
    opt.encoder.apply(pick(grads, model.encoder.params));
    if (!vae) updateCodeStats(model, codes!);
    codes!.dispose(); // kept past the gradient scope, so no tidy frees it
    return { recon: recon!, kl: kl! };
  });
}

function pick(grads: Record<string, tf.Tensor>, params: Params): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.keys(params).map((n) => [n, grads[n]!]));
}
