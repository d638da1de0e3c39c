import * as tf from '@tensorflow/tfjs';
import { disposeParams, ParamBuilder, type Params } from '../params.ts';
import type { Rng } from '../random.ts';
import { buildStyleDiscriminator } from './stylegan-d.ts';
import { FIR_TAPS, upsample } from '../fir.ts';
import { blockResolutions, channelsAt, eqDense, eqDenseAct, modulatedConv, normaliseRms, styledConvAct, type StyleGanOptions } from './stylegan-layers.ts';
import type { GanModel, Generator } from './types.ts';

export type { StyleGanOptions } from './stylegan-layers.ts';

/**
 * A StyleGAN2-style generator (Karras et al. 2020) at playground scale, with its residual D
 * (stylegan-d.ts).
 *
 * Mapping: z [B, zDim] → RMS-normalised → mappingLayers × (dense, lrelu·√2), lr ×0.01 → w [B, wDim].
 * Synthesis, with ws [B, numWs, wDim] (numWs = 2·blocks; w index i styles the layers below):
 *   4×4:   learned constant [4, 4, C₄] → modconv 3×3 (w₀) → toRGB (w₁)
 *   r = 8…R: modconv 3×3 with ×2 up (w₂ₖ₋₁) → modconv 3×3 (w₂ₖ) → toRGB (w₂ₖ₊₁)
 *   each modconv: demodulated, + noise [B, H, W, 1] · one strength per layer (init 0), + bias,
 *   lrelu·√2; toRGB: 1×1 modulated, not demodulated, + bias; the RGB images of all blocks are
 *   upsampled and summed ("skip" generator), giving [B, R, R, 3], roughly in [−1, 1] (no tanh).
 *   Every ×2 upsampling (in the conv and on the RGB skip) is StyleGAN2's [1, 3, 3, 1] FIR
 *   filter (nn/fir.ts).
 * Styles are learned affines of w with bias 1, so every layer starts unmodulated.
 * The 4×4 block has one conv, as in StyleGAN2 (the constant replaces the first).
 * Checked against NVlabs's stylegan2-ada-pytorch by a PyTorch peer (bench/peer/stylegan.py,
 * docs/parity.md). Not carried over: conv_clamp (NVlabs clamps activations to ±256, a guard for
 * its fp16 layers; float32 activations here stay far below it) and the fixed 'const' noise
 * buffers (fixed noise here is a seed, NoiseMode).
 * Sizes (zDim 100, 4 mapping layers, default channel cap 2·width): res 32, width 32, wDim 128:
 * G 359k (mapping 62k), D 289k parameters; res 32, width 16, wDim 64: G 92k, D 73k.
 * Cost: the 3×3 convs at the two finest resolutions dominate. Per D + G step (lazy R1 included)
 * at batch 16 on WASM, res 32 width 32 costs ~6× a DCGAN "small" step, width 16 (the same
 * channels per resolution as DCGAN width 32 from 16 px up) ~2.3× (docs/bench.md, "StyleGAN's
 * training step").
 */

/** Mapping network learning-rate multiplier (StyleGAN: 0.01), applied as a run-time scale. */
export const MAPPING_LR_MUL = 0.01;

/** Per-pixel noise: fresh draws, none, or draws from a fixed seed (reproducible). */
export type NoiseMode = 'random' | 'zero' | { seed: number };

/**
 * Where a synthesis layer's noise comes from: a [B, H, W, 1] standard normal tensor for the
 * layer'th noise input (0 = the 4×4 conv) of the call with this seed. The default draws on the
 * device (tf.randomNormal seeded by seed and layer); the PyTorch lockstep swaps in draws it can
 * hand over.
 */
export type NoiseSource = (shape: [number, number, number, number], seed: number, layer: number) => tf.Tensor4D;

// +1: tfjs treats a seed of 0 as "no seed" and would draw fresh noise every call.
const deviceNoise: NoiseSource = (shape, seed, layer) => tf.randomNormal(shape, 0, 1, 'float32', seed * 64 + layer + 1);

/**
 * The resampling filter the weights were trained with, saved with every run as 'g.resample'.
 * Projects from before StyleGAN2's FIR filter (2×2 box down, bilinear up) lack it and have one
 * noise strength per channel where this model has one per layer, so they are refused on load
 * (the saved-state check names the parameter that does not fit) rather than run with filters
 * their weights never saw.
 */
export const RESAMPLE_BUFFER = 'g.resample';

export interface StyleGanModel extends GanModel {
  readonly kind: 'stylegan';
  readonly wDim: number;
  /** Number of w vectors synthesis takes, one per style input (2·log2(res) − 2). */
  readonly numWs: number;
  /** Resolution of the block each w index mainly styles (4, 4, 8, 8, …): coarse, middle, fine. */
  readonly layerResolutions: readonly number[];
  /** Moving average of w over training (for truncation); not trained, so not in the params. */
  readonly wAvg: tf.Variable;
  /** State to save alongside the params: { 'g.wAvg': wAvg, 'g.resample': the FIR taps }. */
  readonly buffers: Params;
  /** z [B, zDim] → w [B, wDim]. */
  mapping(z: tf.Tensor2D): tf.Tensor2D;
  /** ws [B, numWs, wDim] → images [B, R, R, 3]. */
  synthesis(ws: tf.Tensor3D, noise: NoiseMode): tf.Tensor4D;
  /** For display: z → w, truncated toward wAvg by psi (1 = none), with the given noise. */
  sample(z: tf.Tensor2D, noise: NoiseMode, psi?: number): tf.Tensor4D;
  /** Where 'random' noise draws continue from; saved with a run so a resume draws the same noise. */
  readonly noiseCounter: { value: number };
  /** Replaces where noise comes from (the lockstep's hand-over); no argument restores the device's. */
  setNoiseSource(source?: NoiseSource): void;
  /** Disposes G's and D's parameters and the buffers. */
  dispose(): void;
}

export function buildStylegan(opts: StyleGanOptions, rng: Rng): StyleGanModel {
  const res = blockResolutions(opts.res);
  const p = buildGeneratorParams(opts, rng);
  const numWs = 2 * res.length;
  const noiseCounter = { value: rng.ints(1, 2 ** 24)[0]! };
  const nextNoiseSeed = noiseSeeds(noiseCounter);
  let noiseSource = deviceNoise;
  const mapping = (z: tf.Tensor2D) => tf.tidy(() => mapZ(p, opts.mappingLayers, z));
  const synth = (ws: tf.Tensor2D[], noise: NoiseMode) =>
    tf.tidy(() => {
      const seed = nextNoiseSeed(noise);
      return synthesize(p, opts, ws, seed === null ? null : (shape, layer) => noiseSource(shape, seed, layer));
    });
  const repeat = (w: tf.Tensor2D) => Array.from({ length: numWs }, () => w);
  const generator: Generator = {
    params: p,
    apply: (z) => tf.tidy(() => synth(repeat(mapZ(p, opts.mappingLayers, z)), 'random')),
  };
  const discriminator = buildStyleDiscriminator(opts, rng);
  const wAvg = tf.tidy(() => tf.variable(tf.zeros([opts.wDim]), false));
  const resample = tf.tidy(() => tf.variable(tf.tensor1d([...FIR_TAPS]), false));
  return {
    kind: 'stylegan',
    generator,
    discriminator,
    zDim: opts.zDim,
    res: opts.res,
    wDim: opts.wDim,
    numWs,
    // w index i feeds the convs of block 4·2^⌊i/2⌋ (and the toRGB before the next block).
    layerResolutions: Array.from({ length: numWs }, (_, i) => 4 * 2 ** Math.floor(i / 2)),
    wAvg,
    buffers: { 'g.wAvg': wAvg, [RESAMPLE_BUFFER]: resample },
    noiseCounter,
    setNoiseSource: (source = deviceNoise) => {
      noiseSource = source;
    },
    mapping,
    synthesis: (ws, noise) => tf.tidy(() => synth(tf.unstack(ws, 1) as tf.Tensor2D[], noise)),
    sample: (z, noise, psi = 1) => tf.tidy(() => synth(repeat(truncate(mapping(z), wAvg, psi)), noise)),
    dispose() {
      disposeParams(generator.params);
      disposeParams(discriminator.params);
      wAvg.dispose();
      resample.dispose();
    },
  };
}

/**
 * Noise seed per synthesis call: null for 'zero', the given seed, or for 'random' the next value
 * of a counter that starts at a seeded draw (so a run's noise depends only on its seed). Below
 * 2^24, so seed·64 + layer stays an exact integer.
 */
function noiseSeeds(counter: { value: number }): (mode: NoiseMode) => number | null {
  return (mode) => (mode === 'zero' ? null : mode === 'random' ? counter.value++ : mode.seed);
}

function buildGeneratorParams(opts: StyleGanOptions, rng: Rng): Params {
  const b = new ParamBuilder(rng);
  for (let i = 0; i < opts.mappingLayers; i++) {
    // Stored with std 1/lrMul: times the run-time gain lrMul/√fan_in gives the usual He init.
    b.normal(`g.map${i}.w`, [i === 0 ? opts.zDim : opts.wDim, opts.wDim], 1 / MAPPING_LR_MUL);
    b.zeros(`g.map${i}.b`, [opts.wDim]);
  }
  const affine = (name: string, cin: number) => {
    b.normal(`${name}.affine.w`, [opts.wDim, cin], 1);
    b.normal(`${name}.affine.b`, [cin], 0, 1); // bias 1: styles start at 1, i.e. unmodulated
  };
  const conv = (block: string, i: number, cin: number, cout: number) => {
    b.normal(`${block}.conv${i}.w`, [3, 3, cin, cout], 1);
    b.zeros(`${block}.conv${i}.b`, [cout]);
    affine(`${block}.conv${i}`, cin);
    b.zeros(`${block}.noise${i}.strength`, [1]); // one per layer (NVlabs noise_strength, a scalar)
  };
  let cin = channelsAt(opts, 4);
  b.normal('g.const', [4, 4, cin], 1);
  for (const r of blockResolutions(opts.res)) {
    const cout = channelsAt(opts, r);
    if (r > 4) conv(`g.b${r}`, 0, cin, cout);
    conv(`g.b${r}`, 1, r > 4 ? cout : cin, cout);
    b.normal(`g.b${r}.rgb.w`, [1, 1, cout, 3], 1);
    b.zeros(`g.b${r}.rgb.b`, [3]);
    affine(`g.b${r}.rgb`, cout);
    cin = cout;
  }
  return b.params;
}

function mapZ(p: Params, layers: number, z: tf.Tensor2D): tf.Tensor2D {
  let x = normaliseRms(z);
  for (let i = 0; i < layers; i++) x = eqDenseAct(p, `g.map${i}`, x, MAPPING_LR_MUL);
  return x;
}

/** Noise for the layer'th noise input of one synthesis call, or null for none. */
type LayerNoise = ((shape: [number, number, number, number], layer: number) => tf.Tensor4D) | null;

/** One synthesis layer: modulated conv (×2 up for conv0 of blocks above 4×4) → + noise → + bias → lrelu. */
function styledConv(p: Params, block: string, i: number, x: tf.Tensor4D, w: tf.Tensor2D, noise: LayerNoise, layer: number): tf.Tensor4D {
  const name = `${block}.conv${i}`;
  const up = i === 0;
  const [b, h, wd] = x.shape;
  const side = up ? 2 : 1;
  const layerNoise = noise === null ? null : { noise: noise([b, h * side, wd * side, 1], layer), strength: p[`${block}.noise${i}.strength`]! };
  return styledConvAct(x, p[`${name}.w`] as tf.Tensor4D, eqDense(p, `${name}.affine`, w), p[`${name}.b`]!, layerNoise, up);
}

function toRgb(p: Params, block: string, x: tf.Tensor4D, w: tf.Tensor2D): tf.Tensor4D {
  const styles = eqDense(p, `${block}.rgb.affine`, w);
  return tf.add(modulatedConv(x, p[`${block}.rgb.w`] as tf.Tensor4D, styles, false), p[`${block}.rgb.b`]!);
}

function synthesize(p: Params, opts: StyleGanOptions, ws: tf.Tensor2D[], noise: LayerNoise): tf.Tensor4D {
  const batch = ws[0]!.shape[0];
  const c4 = channelsAt(opts, 4);
  let x = tf.broadcastTo(p['g.const']!, [batch, 4, 4, c4]) as tf.Tensor4D;
  let layer = 0;
  x = styledConv(p, 'g.b4', 1, x, ws[0]!, noise, layer++);
  let img = toRgb(p, 'g.b4', x, ws[1]!);
  blockResolutions(opts.res)
    .slice(1)
    .forEach((r, k) => {
      x = styledConv(p, `g.b${r}`, 0, x, ws[2 * k + 1]!, noise, layer++);
      x = styledConv(p, `g.b${r}`, 1, x, ws[2 * k + 2]!, noise, layer++);
      img = tf.add(upsample(img), toRgb(p, `g.b${r}`, x, ws[2 * k + 3]!));
    });
  return img;
}

/**
 * Style mixing: ws[:, i] = fromB[i] ? wB : wA, for wA, wB [B, wDim]; fromB has numWs entries.
 * Taking the coarse indices from B gives B's pose and layout with A's colours and detail.
 */
export function mixStyles(wA: tf.Tensor2D, wB: tf.Tensor2D, fromB: readonly boolean[]): tf.Tensor3D {
  return tf.tidy(
    () =>
      tf.stack(
        fromB.map((b) => (b ? wB : wA)),
        1,
      ) as tf.Tensor3D,
  );
}

/** Truncation trick: w̄ + ψ (w − w̄), for w [B, wDim] or ws [B, numWs, wDim]; ψ < 1 trades variety for fidelity. */
export function truncate<T extends tf.Tensor>(w: T, wAvg: tf.Tensor, psi: number): T {
  return tf.tidy(() => tf.add(wAvg, tf.mul(tf.sub(w, wAvg), psi)) as T);
}

/** wAvg ← β·wAvg + (1 − β)·mean(w over the batch); StyleGAN uses β = 0.995 per training batch. */
export function updateWAvg(wAvg: tf.Variable, w: tf.Tensor2D, beta: number): void {
  const next = tf.tidy(() => {
    const mean = tf.mean(w, 0);
    return tf.add(mean, tf.mul(tf.sub(wAvg, mean), beta));
  });
  wAvg.assign(next);
  next.dispose();
}

/** Type guard for code that holds a GanModel and wants the StyleGAN extras. */
export function isStyleGan(model: GanModel): model is StyleGanModel {
  return (model as Partial<StyleGanModel>).kind === 'stylegan';
}
