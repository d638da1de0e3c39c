/**
 * Projection: find the latent whose image is closest to a given picture (Karras et al. 2020,
 * StyleGAN2 §5 and `projector.py` of stylegan2-ada-pytorch), so a person's own image can be
 * mixed, interpolated and truncated like any sample.
 *
 * As in the reference: start from w̄ (the mean of 10,000 mapped z) and optimise w with Adam,
 * learning rate 0.1 ramped up over the first 5% of steps and down (cosine) over the last 25%;
 * for the first 75% of steps a Gaussian of std w_std · 0.05 · (1 − t/0.75)² is added to w, so
 * the search does not settle in the first basin it meets (w_std is the RMS distance of mapped
 * samples from w̄). One w is broadcast to every layer ('w'); 'w+' gives each layer its own w,
 * the common extension (closer fits, latents less like the generator's own). Differences:
 * - Distance: the Laplacian-pyramid distance of the PPL metric (projection-distance.ts), not
 *   LPIPS/VGG16, whose weights would have to be downloaded; it compares the image band by band,
 *   coarse shape and fine texture each with the same weight. With `distance: 'pyramid+d'` the
 *   search adds the frozen trained D's features (projection-features.ts); the distances it
 *   reports stay the pyramid distance alone, so runs with either objective compare.
 * - Per-pixel noise: with `noiseMaps` (StyleGAN), the noise maps are optimised beside w with
 *   NVlabs's regulariser and renormalisation (projection-noise.ts), reaching the synthesis
 *   through the model's noise hook. As in NVlabs, the pin keeps w only: the explorer draws it
 *   with its own noise, so the projector also reports the distance with that noise
 *   (`fixedNoiseDistance`). Without `noiseMaps` the noise is one seeded draw, the explorer's default.
 * - DCGAN has no W: the same optimisation in z, started from the best of a few seeded draws
 *   (z = 0, the "mean" of z, is no image the generator was trained to make).
 */
import * as tf from '@tensorflow/tfjs';
import { mixStyles } from '../nn/models/stylegan.ts';
import { NoiseMaps, NOISE_REGULARISE_WEIGHT } from './projection-noise.ts';
import { Rng } from '../nn/random.ts';
import { Adam } from '../train/adam.ts';
import { pyramidDistance } from './projection-distance.ts';
import { D_FEATURE_BALANCE, D_FEATURE_BLOCKS, FeatureTerm, type ProjectionDistance } from './projection-features.ts';
import type { LatentModel } from './latent-model.ts';

export type { ProjectionDistance };

export type ProjectionSpace = 'w' | 'w+' | 'z';

export interface ProjectionOptions {
  space: ProjectionSpace;
  /** Optimisation steps in all (the schedule is laid out over them). */
  steps: number;
  /** Peak Adam learning rate (reference: 0.1). */
  lr: number;
  /** Share of the steps the learning rate ramps up over (0.05) and down over (0.25). */
  rampUp: number;
  rampDown: number;
  /** Latent noise: w_std times this at the start (0.05), fading out over `noiseRamp` of the steps (0.75). */
  noiseFactor: number;
  noiseRamp: number;
  /** Mapped samples behind w̄ and w_std (reference: 10,000). */
  statsSamples: number;
  /** Seed of the statistics' z, the latent noise, the noise maps' first draw and DCGAN's starting draws. */
  seed: number;
  /** StyleGAN: optimise the per-pixel noise maps too (NVlabs does); ignored for DCGAN. */
  noiseMaps: boolean;
  /** The noise regulariser's weight against the distance (NVlabs: 1e5). */
  noiseWeight: number;
  /** What the search minimises: the pyramid distance, or that plus the frozen D's features. */
  distance: ProjectionDistance;
  /** `pyramid+d`: D's blocks used (from the finest) and the feature term's size against the pyramid's at the start. */
  dBlocks: number;
  dBalance: number;
}

export const PROJECTION_DEFAULTS: ProjectionOptions = {
  space: 'w',
  steps: 300,
  lr: 0.1,
  rampUp: 0.05,
  rampDown: 0.25,
  noiseFactor: 0.05,
  noiseRamp: 0.75,
  statsSamples: 10_000,
  seed: 123,
  // Off: at 16–64 px NVlabs's weight pins the maps (they barely fit), and the pin keeps w only,
  // which fits the explorer's fixed noise best when found with it (docs/projection.md).
  noiseMaps: false,
  noiseWeight: NOISE_REGULARISE_WEIGHT,
  distance: 'pyramid',
  dBlocks: D_FEATURE_BLOCKS,
  dBalance: D_FEATURE_BALANCE,
};

/** The options in force: defaults filled in, the space matched to the model's, the rest checked. */
function resolveOptions(model: LatentModel, options: Partial<ProjectionOptions>): ProjectionOptions {
  const o = { ...PROJECTION_DEFAULTS, ...options };
  if (model.space === 'z') o.space = 'z';
  else if (o.space === 'z') o.space = 'w';
  if (!(Number.isInteger(o.steps) && o.steps > 0)) throw new RangeError(`steps must be a positive integer (got ${o.steps})`);
  if (o.distance === 'pyramid+d' && !model.discriminator) throw new RangeError('the pyramid+d distance needs a trained discriminator');
  return o;
}

/** The reference's schedule at step t of n: learning rate and latent-noise scale (in w_std units). */
export function schedule(step: number, o: Pick<ProjectionOptions, 'steps' | 'lr' | 'rampUp' | 'rampDown' | 'noiseFactor' | 'noiseRamp'>) {
  const t = step / o.steps;
  const down = Math.min(1, (1 - t) / o.rampDown);
  const ramp = (0.5 - 0.5 * Math.cos(down * Math.PI)) * Math.min(1, t / o.rampUp);
  return { lr: o.lr * ramp, noise: o.noiseFactor * Math.max(0, 1 - t / o.noiseRamp) ** 2 };
}

/** A projected latent as plain numbers: [numWs, dim] row-major (z: [1, zDim]). */
export interface ProjectedLatent {
  space: ProjectionSpace;
  numWs: number;
  dim: number;
  values: Float32Array;
}

/**
 * Starting points from the model's own samples: w̄ and w_std in W; in z, zDim as the squared
 * radius. Read back asynchronously, as every read at a projection's start is: a synchronous
 * read on WebGPU goes through a canvas, a stall that some drivers answer by losing the device.
 */
async function latentStats(model: LatentModel, samples: number, rng: Rng): Promise<{ mean: Float32Array; std: number }> {
  if (model.space === 'z') return { mean: new Float32Array(model.dim), std: Math.sqrt(model.dim) };
  const [mean, spread] = model.within(() =>
    tf.tidy(() => {
      const w = model.embed(tf.tensor2d(rng.normals(samples * model.zDim), [samples, model.zDim]));
      const m = tf.mean(w, 0, true);
      return [m, tf.sum(tf.square(tf.sub(w, m)))];
    }),
  );
  const [m, s] = await Promise.all([mean!.data(), spread!.data()]);
  tf.dispose([mean!, spread!]);
  return { mean: m as Float32Array, std: Math.sqrt(s[0]! / samples) };
}

/** DCGAN's start: the best of `n` seeded draws of z, each rendered on its own (G's batch norm sees one image). */
async function bestDraw(model: LatentModel, target: tf.Tensor4D, rng: Rng, n = 8): Promise<Float32Array> {
  const zs = Array.from({ length: n }, () => rng.normals(model.dim));
  const distances = tf.tidy(() => tf.concat(zs.map((z) => tf.reshape(pyramidDistance(model.render(tf.tensor3d(z, [1, 1, model.dim])), target), [1]))));
  const d = await distances.data();
  distances.dispose();
  let best: { d: number; z: Float32Array } = { d: Infinity, z: new Float32Array(model.dim) }; // every draw NaN: z = 0
  d.forEach((di, i) => di < best.d && (best = { d: di, z: zs[i]! }));
  return best.z;
}

/** What a projection starts from, found before its first step. */
interface ProjectionStart {
  rng: Rng;
  /** w_std (W) or √zDim (z): the latent noise's unit. */
  std: number;
  latent: Float32Array;
}

/**
 * One projection in progress, made by `Projector.create`. `run(n)` takes n optimisation steps
 * synchronously (a caller slices the work); distances stay on the device until `drain()` reads
 * them in one go.
 */
export class Projector {
  private readonly latent: tf.Variable;
  private readonly adam: Adam;
  private readonly rng: Rng;
  private readonly std: number;
  /** StyleGAN with `noiseMaps`: the maps being optimised. */
  private readonly noise: NoiseMaps | undefined;
  /** `pyramid+d`: the frozen D's feature term, attached by `create`. */
  private features: FeatureTerm | undefined;
  private pending: tf.Scalar[] = [];
  private done = 0;

  /** Checks the options against the model, then finds the start: w̄ (W), the best seeded draw (z). */
  static async create(model: LatentModel, target: Float32Array, options: Partial<ProjectionOptions> = {}): Promise<Projector> {
    const o = resolveOptions(model, options);
    if (target.length !== model.res * model.res * 3) throw new RangeError(`target must be ${model.res}×${model.res}×3 values (got ${target.length})`);
    const targetImage = tf.tensor4d(target, [1, model.res, model.res, 3]);
    let start: ProjectionStart;
    try {
      const rng = new Rng(o.seed);
      const stats = await latentStats(model, o.statsSamples, rng);
      start = { rng, std: stats.std, latent: model.space === 'z' ? await bestDraw(model, targetImage, rng) : stats.mean };
    } catch (e) {
      targetImage.dispose();
      throw e;
    }
    const projector = new Projector(model, targetImage, o, start);
    if (o.distance === 'pyramid+d')
      await projector.attachFeatures().catch((e: unknown) => {
        projector.dispose();
        throw e;
      });
    return projector;
  }

  private constructor(
    private readonly model: LatentModel,
    private readonly target: tf.Tensor4D,
    readonly options: ProjectionOptions,
    start: ProjectionStart,
  ) {
    this.rng = start.rng;
    this.std = start.std;
    const rows = options.space === 'w+' ? model.numWs : 1;
    this.latent = tf.tidy(() => tf.variable(tf.tile(tf.tensor3d(start.latent, [1, 1, model.dim]), [1, rows, 1]), true));
    this.noise = options.noiseMaps && model.noise ? new NoiseMaps(model.noise.sides(), this.rng) : undefined;
    this.adam = new Adam({ latent: this.latent, ...this.noise?.named() }, { lr: options.lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  }

  /** The feature term, weighted against the pyramid distance of the starting image (no latent noise). */
  private async attachFeatures(): Promise<void> {
    const term = new FeatureTerm(this.model.discriminator!, this.target, this.options.dBlocks);
    this.features = term;
    const start = this.model.within(() => tf.tidy(() => this.render(this.latent as tf.Tensor3D)));
    try {
      const pyramid = tf.tidy(() => tf.sum(pyramidDistance(start, this.target)));
      const [atStart] = await pyramid.data();
      pyramid.dispose();
      await term.calibrate(atStart!, start, this.options.dBalance);
    } finally {
      start.dispose();
    }
  }

  /** `pyramid+d`: the feature term's weight (set at the start); undefined for `pyramid`. */
  get featureWeight(): number | undefined {
    return this.features?.weight;
  }

  get step(): number {
    return this.done;
  }

  get finished(): boolean {
    return this.done >= this.options.steps;
  }

  /** Whether noise maps are being optimised (StyleGAN with `noiseMaps`). */
  get optimisesNoise(): boolean {
    return this.noise !== undefined;
  }

  /** The image of these latents with the noise being optimised (or the fixed draw without). */
  private render(latents: tf.Tensor3D): tf.Tensor4D {
    const ws = this.expanded(latents);
    return this.noise && this.model.noise ? this.model.noise.render(ws, this.noise.maps) : this.model.render(ws);
  }

  /** The latent as the generator takes it: [1, numWs, dim] (one w broadcast to every layer in 'w'). */
  private expanded(latent: tf.Tensor3D): tf.Tensor3D {
    if (this.options.space !== 'w' || this.model.numWs === 1) return latent;
    return mixStyles(tf.squeeze(latent, [1]) as tf.Tensor2D, tf.squeeze(latent, [1]) as tf.Tensor2D, Array(this.model.numWs).fill(false));
  }

  /** Up to `n` optimisation steps; returns how many were taken. */
  run(n: number): number {
    const todo = Math.min(n, this.options.steps - this.done);
    this.model.within(() => {
      for (let i = 0; i < todo; i++) this.pending.push(this.oneStep());
    });
    return todo;
  }

  private oneStep(): tf.Scalar {
    const { lr, noise: shakeScale } = schedule(this.done, this.options);
    this.adam.options = { ...this.adam.options, lr };
    const shake = tf.tensor3d(this.rng.normals(this.latent.size, shakeScale * this.std), this.latent.shape as [number, number, number]);
    const noise = this.noise;
    let distance: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const image = this.render(tf.add(this.latent, shake) as tf.Tensor3D);
      distance = tf.keep(tf.sum(pyramidDistance(image, this.target)) as tf.Scalar);
      const objective: tf.Scalar = this.features ? tf.add(distance, this.features.term(image)) : distance;
      return noise ? tf.add(objective, tf.mul(noise.penalty(), this.options.noiseWeight)) : tf.clone(objective);
    }, [this.latent, ...(noise?.maps ?? [])]);
    const named: Record<string, tf.Tensor> = { latent: grads[this.latent.name]! };
    noise?.maps.forEach((m, i) => (named[`noise${i}`] = grads[m.name]!));
    this.adam.apply(named);
    noise?.normalise();
    tf.dispose([shake, value, ...Object.values(grads)]);
    this.done++;
    return distance!;
  }

  /** The distances of the steps taken since the last drain (measured with that step's latent noise). */
  async drain(): Promise<Float32Array> {
    const taken = this.pending;
    this.pending = [];
    if (taken.length === 0) return new Float32Array(0);
    const stacked = tf.stack(taken);
    tf.dispose(taken);
    const values = (await stacked.data()) as Float32Array;
    stacked.dispose();
    return values;
  }

  /** The reconstruction now, without latent noise: [1, R, R, 3]. */
  image(): tf.Tensor4D {
    return this.model.within(() => tf.tidy(() => this.render(this.latent as tf.Tensor3D)));
  }

  /** The distance of the reconstruction now (no latent noise, the noise maps as found) to the target. */
  async distance(): Promise<number> {
    return this.measure(() => this.render(this.latent as tf.Tensor3D));
  }

  /**
   * The distance of the latent now drawn with the fixed noise instead of the maps found: what the
   * pin shows in the explorer (which keeps the latent only, as NVlabs's projector does). Equal to
   * `distance()` when no maps are optimised.
   */
  async fixedNoiseDistance(): Promise<number> {
    return this.measure(() => this.model.render(this.expanded(this.latent as tf.Tensor3D)));
  }

  private async measure(image: () => tf.Tensor4D): Promise<number> {
    const d = this.model.within(() => tf.tidy(() => pyramidDistance(image(), this.target)));
    const [v] = await d.data();
    d.dispose();
    return v!;
  }

  /** The latent found so far, as the explorer stores a pin: [numWs, dim] in W, [1, zDim] in z. */
  async latentValues(): Promise<ProjectedLatent> {
    // A clone: in W+ and z the expanded latent is the variable itself, which must outlive this read.
    const full = tf.tidy(() => tf.clone(this.expanded(this.latent as tf.Tensor3D)));
    const values = (await full.data()) as Float32Array;
    full.dispose();
    return { space: this.options.space, numWs: full.shape[1], dim: this.model.dim, values };
  }

  /** The noise maps found so far ([H·W] each, row-major), none when they are not optimised. */
  async noiseValues(): Promise<Float32Array[]> {
    return Promise.all((this.noise?.maps ?? []).map(async (m) => (await m.data()) as Float32Array));
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
    this.adam.dispose();
    this.latent.dispose();
    this.noise?.dispose();
    this.features?.dispose();
    this.target.dispose();
  }
}
