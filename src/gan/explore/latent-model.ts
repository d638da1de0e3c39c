/**
 * A generator seen from its latent space, as a projection searches it: StyleGAN in W with its
 * per-pixel noise inputs reachable, DCGAN in z; the trainer's displayed weights (StyleGAN: the
 * EMA generator) and a fixed noise draw, so a latent always gives the same image.
 */
import * as tf from '@tensorflow/tfjs';
import { type NoiseMode, type StyleGanModel } from '../nn/models/stylegan.ts';
import type { GanTrainer } from '../train/trainer.ts';
import type { Discriminator } from '../nn/models/types.ts';
import { isAutoencoder } from '../nn/models/autoencoder.ts';

/**
 * A generator seen from its latent space. Latents are [B, numWs, dim]: StyleGAN's ws, or z as
 * [B, 1, zDim]. `within` runs a computation with the displayed weights in place (StyleGAN: the
 * EMA generator); `render` must be differentiable and deterministic (fixed noise).
 */
export interface LatentModel {
  readonly space: 'w' | 'z';
  readonly numWs: number;
  readonly dim: number;
  readonly zDim: number;
  readonly res: number;
  /** z [N, zDim] → the points the generator is sampled at: mapping(z) in W, z itself in z. */
  embed(z: tf.Tensor2D): tf.Tensor2D;
  render(latents: tf.Tensor3D): tf.Tensor4D;
  within<T>(fn: () => T): T;
  /** StyleGAN: its per-pixel noise inputs, which a projection may optimise; none for DCGAN. */
  noise?: NoiseHook;
  /** The trained D, whose features the `pyramid+d` objective compares (frozen by the projector). */
  discriminator?: Discriminator;
}

/** A generator's noise inputs, seen from outside the synthesis. */
export interface NoiseHook {
  /** The side (H = W) of each noise input, in the order the synthesis draws them. */
  sides(): number[];
  /** `render`, with these maps ([H, W] each, standard normal) in place of the seeded draws. */
  render(latents: tf.Tensor3D, maps: readonly tf.Tensor2D[]): tf.Tensor4D;
}

/**
 * The model's noise hook (the one the PyTorch lockstep uses), held only for one synthesis call:
 * nothing else sees the maps, and the device's seeded draws come back even if the call throws.
 */
function withNoiseSource<T>(m: StyleGanModel, source: Parameters<StyleGanModel['setNoiseSource']>[0], fn: () => T): T {
  m.setNoiseSource(source);
  try {
    return fn();
  } finally {
    m.setNoiseSource();
  }
}

function styleNoiseHook(m: StyleGanModel): NoiseHook {
  let sides: number[] | undefined;
  return {
    // Read off one synthesis call rather than restated here, so the two cannot disagree.
    sides() {
      if (sides) return sides;
      const seen: number[] = [];
      const probe = (shape: [number, number, number, number], _seed: number, layer: number) => {
        seen[layer] = shape[1];
        return tf.zeros(shape) as tf.Tensor4D;
      };
      withNoiseSource(m, probe, () => tf.tidy(() => m.synthesis(tf.zeros([1, m.numWs, m.wDim]), PROJECTION_NOISE)).dispose());
      return (sides = seen);
    },
    render: (ws, maps) =>
      withNoiseSource(
        m,
        (shape, _seed, layer) => {
          const map = maps[layer];
          if (!map || map.shape[0] !== shape[1] || map.shape[1] !== shape[2])
            throw new RangeError(`no ${shape[1]}×${shape[2]} noise map for noise input ${layer}`);
          return tf.broadcastTo(tf.reshape(map, [1, shape[1], shape[2], 1]), shape) as tf.Tensor4D;
        },
        () => m.synthesis(ws, PROJECTION_NOISE),
      ),
  };
}

/** The noise every projected StyleGAN image is made with: the explorer's default draw. */
export const PROJECTION_NOISE: NoiseMode = { seed: 1 };

/** A StyleGAN generator in W; `within` puts the weights to use in place (default: as they are). */
export function styleLatentModel(m: StyleGanModel, within: <T>(fn: () => T) => T = (fn) => fn()): LatentModel {
  return {
    space: 'w',
    numWs: m.numWs,
    dim: m.wDim,
    zDim: m.zDim,
    res: m.res,
    embed: (z) => m.mapping(z),
    render: (ws) => m.synthesis(ws, PROJECTION_NOISE),
    within,
    noise: styleNoiseHook(m),
  };
}

/** The trainer's displayed generator as a LatentModel (StyleGAN: EMA weights, fixed noise). */
export function latentModelOf(trainer: GanTrainer): LatentModel {
  const style = trainer.styleTraining;
  const { zDim, res } = trainer.model;
  // An autoencoder's `discriminator` slot holds its encoder: no critic to borrow features from.
  const discriminator = isAutoencoder(trainer.model) ? undefined : trainer.model.discriminator;
  if (style) return { ...styleLatentModel(style.model, (fn) => style.withAverage(fn)), discriminator };
  return {
    discriminator,
    space: 'z',
    numWs: 1,
    dim: zDim,
    zDim,
    res,
    embed: (z) => tf.clone(z),
    render: (zs) => tf.tidy(() => trainer.generate(tf.reshape(zs, [zs.shape[0], zDim]) as tf.Tensor2D)),
    within: (fn) => fn(),
  };
}
