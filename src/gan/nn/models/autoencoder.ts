import * as tf from '@tensorflow/tfjs';
import type { Params } from '../params.ts';
import type { Rng } from '../random.ts';
import { buildConvDownStack, buildDcganGenerator, type DcganOptions } from './dcgan.ts';
import type { GanModel, Generator, Network } from './types.ts';

/**
 * Autoencoder and VAE baselines: the seed's argument made visible. Trained with per-pixel squared
 * error, they judge "similar" by pixels, so their samples come out blurry where a GAN's learned
 * judge (D) makes them sharp. To keep the comparison about the loss and not the network:
 *
 *   decoder = exactly the DCGAN generator (same builder, same parameter names `g.*`, same
 *             capacity): z [B, zDim] → [B, res, res, 3] in [-1, 1] (tanh).
 *   encoder = the DCGAN discriminator's conv stack (`e.*`): [B, res, res, 3]
 *             → n× [4×4 stride-2 conv, channels w, 2w, …; leaky ReLU 0.2] → [B, 4, 4, w·2^(n-1)]
 *             → flatten → dense → [B, zDim] (autoencoder: the code)
 *                               or [B, 2·zDim] (VAE: mean, then log-variance, of q(z | x)).
 *   No batch norm in the encoder, as in D: codes of one image must not depend on its batchmates.
 *
 * The encoder sits in GanModel's `discriminator` slot, so the trainer's second optimizer,
 * parameter counts, snapshots and project files carry it without special cases. It is not a
 * discriminator: its output is a code, not a logit.
 *
 * Sampling. A VAE is trained to make q(z | x) close to N(0, I), so it decodes z ~ N(0, I). A plain
 * autoencoder has no prior: its codes sit wherever the encoder put them, and N(0, I) may land far
 * from them. So it samples from a diagonal Gaussian fitted to the training codes:
 * generate(z) = decoder(μ + σ ⊙ z), with μ and σ² running averages of the codes' per-dimension
 * mean and second moment over recent training batches. They are non-trainable variables in
 * `buffers` (`ae.code.mean`, `ae.code.meanSq`), so snapshots, rollbacks and project files carry them.
 */
export type AutoencoderKind = 'autoencoder' | 'vae';

/** Encoder: images [B, R, R, 3] → [B, zDim] (autoencoder) or [B, 2·zDim] (VAE). */
export type Encoder = Network<tf.Tensor4D, tf.Tensor2D>;

export interface AutoencoderModel extends GanModel {
  readonly kind: AutoencoderKind;
  readonly encoder: Encoder;
  readonly decoder: Generator;
  /** Running code statistics (autoencoder only; empty for the VAE, whose prior is fixed). */
  readonly buffers: Params;
  /** Images from prior latents z [B, zDim] ~ N(0, I); ψ < 1 pulls z toward the prior's centre. */
  sample(z: tf.Tensor2D, psi?: number): tf.Tensor4D;
}

/** Running averages of the code statistics follow roughly the last 1 / (1 − β) = 100 batches. */
export const CODE_STATS_BETA = 0.99;

function codeBuffers(zDim: number): Params {
  const make = (value: number) => tf.tidy(() => tf.variable(tf.fill([zDim], value), false));
  // Start as N(0, I): before any step the autoencoder samples like a VAE would.
  return { 'ae.code.mean': make(0), 'ae.code.meanSq': make(1) };
}

export function buildAutoencoder(kind: AutoencoderKind, opts: DcganOptions, rng: Rng): AutoencoderModel {
  const decoder = buildDcganGenerator(opts, rng);
  const encoder = buildConvDownStack(opts, 'e', kind === 'vae' ? 2 * opts.zDim : opts.zDim, rng);
  const buffers = kind === 'autoencoder' ? codeBuffers(opts.zDim) : {};
  return {
    kind,
    generator: decoder,
    discriminator: encoder,
    decoder,
    encoder,
    zDim: opts.zDim,
    res: opts.res,
    buffers,
    sample(z, psi = 1) {
      return tf.tidy(() => {
        const scaled = psi === 1 ? z : tf.mul(z, psi);
        if (kind === 'vae') return decoder.apply(scaled as tf.Tensor2D);
        const { mean, std } = codeGaussian(buffers);
        return decoder.apply(tf.add(mean, tf.mul(std, scaled)) as tf.Tensor2D);
      });
    },
  };
}

/** μ and σ of the autoencoder's fitted code distribution (σ from E[z²] − μ², floored). */
export function codeGaussian(buffers: Params): { mean: tf.Tensor1D; std: tf.Tensor1D } {
  const mean = buffers['ae.code.mean'] as tf.Tensor1D;
  const variance = tf.sub(buffers['ae.code.meanSq']!, tf.square(mean));
  return { mean, std: tf.sqrt(tf.maximum(variance, 1e-8)) as tf.Tensor1D };
}

/** Folds the training batch's codes [B, zDim] into the running μ and E[z²] (autoencoder only). */
export function updateCodeStats(model: AutoencoderModel, codes: tf.Tensor2D): void {
  const mean = model.buffers['ae.code.mean'];
  const meanSq = model.buffers['ae.code.meanSq'];
  if (!mean || !meanSq) return;
  const [nextMean, nextSq] = tf.tidy(() => {
    const blend = (avg: tf.Tensor, batch: tf.Tensor) => tf.add(tf.mul(avg, CODE_STATS_BETA), tf.mul(batch, 1 - CODE_STATS_BETA));
    return [blend(mean, tf.mean(codes, 0)), blend(meanSq, tf.mean(tf.square(codes), 0))];
  });
  mean.assign(nextMean);
  meanSq.assign(nextSq);
  tf.dispose([nextMean, nextSq]);
}

/** Type guard for code that holds a GanModel and trains it by reconstruction. */
export function isAutoencoder(model: GanModel): model is AutoencoderModel {
  const kind = (model as Partial<AutoencoderModel>).kind;
  return kind === 'autoencoder' || kind === 'vae';
}
