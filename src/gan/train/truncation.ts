import * as tf from '@tensorflow/tfjs';
import { Rng } from '../nn/random.ts';

/**
 * The truncation trick of BigGAN (Brock et al. 2019, §3.1) for a generator fed z ~ N(0, I):
 * latent entries whose magnitude exceeds a threshold are drawn again until they fall inside,
 * so z comes from a truncated normal and samples move toward the typical ones.
 *
 * ψ ∈ (0, 1] sets the threshold t = ψ / (1 − ψ): ψ = 1 leaves z alone, ψ = 0.5 keeps |z| ≤ 1
 * (a third of the entries redrawn), ψ = 0.7 keeps |z| ≤ 2.3, ψ → 0 pins z near the origin.
 * Scaling z by ψ (what DCGAN did before) is undone by G's first batch norm; a truncated normal
 * is not, as long as the batch statistics come from untruncated latents (see `withReference`).
 *
 * Redraws come from a stream seeded by `seed` alone, so a given z and ψ always give the same
 * truncated z: the grid does not flicker when ψ is held, and moves smoothly as ψ changes only
 * where an entry crosses the threshold.
 */
export function truncationThreshold(psi: number): number {
  return psi >= 1 ? Infinity : Math.max(psi, 0) / (1 - psi);
}

/**
 * Redraw candidates per entry: an entry still outside after all of them is clamped to ±t.
 * At ψ = 0.5 (73% of redraws land inside) none is left after 16; at ψ = 0.2 (t = 0.25, 20%) 3%.
 */
export const REDRAWS = 16;

/**
 * z [n, d] with every entry beyond ±t(ψ) replaced by the first of its seeded redraws that falls
 * inside (on the device: candidates are uploaded, entries chosen by masks; no read-back).
 */
export function truncateLatents(z: tf.Tensor2D, psi: number, seed: number): tf.Tensor2D {
  const t = truncationThreshold(psi);
  if (t === Infinity) return tf.clone(z);
  const rng = new Rng(seed);
  return tf.tidy(() => {
    let out: tf.Tensor2D = z;
    for (let k = 0; k < REDRAWS; k++) {
      const candidate = tf.tensor2d(rng.normals(z.size), z.shape);
      out = tf.where(tf.greater(tf.abs(out), t), candidate, out);
    }
    return tf.clipByValue(out, -t, t);
  });
}

/** Reference latents per truncated call: batch statistics come mostly from these. */
export const REFERENCE_LATENTS = 64;

/**
 * G's output for truncated latents, with batch norm's statistics taken over them together with
 * `REFERENCE_LATENTS` untruncated ones (a fixed seeded draw): a batch of truncated latents alone
 * would be normalised back to full spread by G's batch norm (as scaling z was). The reference
 * rows are generated and dropped.
 */
export function withReference(apply: (z: tf.Tensor2D) => tf.Tensor4D, z: tf.Tensor2D, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, dim] = z.shape;
    const ref = tf.tensor2d(new Rng(seed).normals(REFERENCE_LATENTS * dim), [REFERENCE_LATENTS, dim]);
    const images = apply(tf.concat([z, ref], 0));
    return tf.slice(images, [0, 0, 0, 0], [n, -1, -1, -1]);
  });
}
