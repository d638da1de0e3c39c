/**
 * The explorer's pictures, computed from a trainer between training steps: style mixing
 * (StyleGAN), truncation, and interpolation between two latents. Everything uses the weights
 * shown in the live grid (StyleGAN: the EMA generator, fixed noise).
 */
import * as tf from '@tensorflow/tfjs';
import { mixStyles, truncate, type NoiseMode, type StyleGanModel } from '../nn/models/stylegan.ts';
import { gridTensor, readGrid, type GridImage } from './render.ts';
import { slerpRows } from '../metrics/ppl.ts';
import type { StyleTraining } from '../train/style-training.ts';
import type { GanTrainer } from '../train/trainer.ts';

import type { ExploreRequest, Pin, StyleBand } from '../../contract/explore.ts';
import type { ProjectedLatent } from './projection.ts';

export type { ExploreRequest, Pin, StyleBand };

/** Which w indices count as coarse / middle / fine, by the resolution they style. */
export function bandOf(resolution: number, res: number): StyleBand {
  if (resolution <= 8) return 'coarse';
  return resolution >= res ? 'fine' : 'middle';
}

/**
 * The seed's picture: row 0 holds the B sources, column 0 the A sources, and cell (i, j) takes
 * the styles in `fromB` bands from B_j and the rest from A_i. Returns (n+1)·(m+1) images, the
 * corner blank (mid grey), row by row.
 */
export function styleMixImages(
  style: StyleTraining,
  zA: tf.Tensor2D,
  zB: tf.Tensor2D,
  fromB: readonly StyleBand[],
  psi: number,
  noise: NoiseMode,
): tf.Tensor4D {
  const model: StyleGanModel = style.model;
  return style.withAverage(() =>
    tf.tidy(() => {
      const [n, m] = [zA.shape[0], zB.shape[0]];
      const wA = truncate(model.mapping(zA), model.wAvg, psi);
      const wB = truncate(model.mapping(zB), model.wAvg, psi);
      const mask = model.layerResolutions.map((r) => fromB.includes(bandOf(r, model.res)));
      const imgA = model.synthesis(mixStyles(wA, wA, mask), noise);
      const imgB = model.synthesis(mixStyles(wB, wB, mask), noise);
      // Every (A_i, B_j) pair at once: repeat A along columns and tile B along rows.
      const pairsA = tf.reshape(tf.tile(tf.expandDims(wA, 1), [1, m, 1]), [n * m, -1]) as tf.Tensor2D;
      const pairsB = tf.tile(wB, [n, 1]) as tf.Tensor2D;
      const mixed = model.synthesis(mixStyles(pairsA, pairsB, mask), noise);
      const rows: tf.Tensor4D[] = [tf.concat([tf.zeros([1, model.res, model.res, 3]), imgB], 0)];
      for (let i = 0; i < n; i++) rows.push(tf.concat([tf.slice(imgA, [i, 0, 0, 0], [1, -1, -1, -1]), tf.slice(mixed, [i * m, 0, 0, 0], [m, -1, -1, -1])], 0));
      return tf.concat(rows, 0);
    }),
  );
}

/**
 * The points at `ts` on the great circle from a to b ([1, dim] each), one row per t: the same path
 * the path-length metric takes in z, in one batch of ops. Computed on the device: a synchronous
 * read here would go through tfjs-webgpu's canvas readback, which stalls and, on some drivers,
 * loses the device.
 */
function slerpPath(a: tf.Tensor2D, b: tf.Tensor2D, ts: number[]): tf.Tensor2D {
  return tf.tidy(() => {
    const rows = [ts.length, 1];
    return slerpRows(tf.tile(a, rows), tf.tile(b, rows), tf.tensor2d(ts, [ts.length, 1]));
  });
}

/**
 * `steps` images from A to B: for StyleGAN linear in W (after the mapping, where the paper
 * finds paths smoother), for DCGAN spherical in z.
 */
export function interpolationImages(
  generate: (z: tf.Tensor2D, psi: number) => tf.Tensor4D,
  style: StyleTraining | undefined,
  zA: tf.Tensor2D,
  zB: tf.Tensor2D,
  steps: number,
  psi: number,
  noise: NoiseMode = { seed: 1 },
  space: 'w' | 'z' = 'w',
): tf.Tensor4D {
  const ts = Array.from({ length: steps }, (_, i) => i / (steps - 1));
  if (!style) return tf.tidy(() => generate(slerpPath(zA, zB, ts), psi));
  const model = style.model;
  return style.withAverage(() =>
    tf.tidy(() => {
      const wA = truncate(model.mapping(zA), model.wAvg, psi);
      const wB = truncate(model.mapping(zB), model.wAvg, psi);
      const keep = model.layerResolutions.map(() => false);
      const zs = space === 'z' ? tf.split(slerpPath(zA, zB, ts), steps) : [];
      // One frame at a time: noise is drawn per batch element, and every frame must get the
      // same noise, or the animation would flicker with it.
      const frames = ts.map((t, i) => {
        const w = space === 'w' ? (tf.add(tf.mul(wA, 1 - t), tf.mul(wB, t)) as tf.Tensor2D) : truncate(model.mapping(zs[i] as tf.Tensor2D), model.wAvg, psi);
        return model.synthesis(mixStyles(w, w, keep), noise);
      });
      return tf.concat(frames, 0);
    }),
  );
}

export interface ExplorerImages {
  /** StyleGAN only: 4×5 mixing grid (corner blank, B sources on top, A sources on the left). */
  mix: GridImage | undefined;
  /** Interpolation strip, A to B. */
  interpolation: GridImage;
  /** The pinned A sample under the current ψ and noise, several noise draws side by side. */
  noise: GridImage | undefined;
}

const STRIP = 8;

/** The latent of a projected image by its id (projection.ts), for pins that are not grid samples. */
export type ProjectedLookup = (id: string) => ProjectedLatent | undefined;

/** Grid samples for the mix's other rows and columns: the pin's neighbours, or the grid's first samples after a projected pin. */
function sourcePins(pin: Pin, count: number): Pin[] {
  const start = typeof pin === 'number' ? pin + 1 : 0;
  return [pin, ...Array.from({ length: count - 1 }, (_, i) => start + i)];
}

/** Pins as StyleGAN ws [n, numWs, wDim] on the displayed weights: grid samples mapped and broadcast, projected ones as found. */
function pinWs(trainer: GanTrainer, model: StyleGanModel, pins: Pin[], lookup: ProjectedLookup): tf.Tensor3D {
  return tf.tidy(() =>
    tf.concat(
      pins.map((pin) => {
        const found = typeof pin === 'string' ? lookup(pin) : undefined;
        if (found && found.space !== 'z') return tf.tensor3d(found.values, [1, found.numWs, found.dim]);
        const w = model.mapping(trainer.latents([typeof pin === 'number' ? pin : 0]));
        return tf.stack(Array<tf.Tensor2D>(model.numWs).fill(w), 1) as tf.Tensor3D;
      }),
      0,
    ),
  );
}

/** DCGAN pins as z [1, zDim]: a grid sample's latent or a projected z. */
function pinZ(trainer: GanTrainer, pin: Pin, lookup: ProjectedLookup): tf.Tensor2D {
  const found = typeof pin === 'string' ? lookup(pin) : undefined;
  if (found && found.space === 'z') return tf.tensor2d(found.values, [1, found.dim]);
  return trainer.latents([typeof pin === 'number' ? pin : 0]);
}

/** ws[:, i] = fromB[i] ? wsB[:, i] : wsA[:, i], for ws [B, numWs, wDim] (W+ pins mix layer by layer). */
function mixLayers(wsA: tf.Tensor3D, wsB: tf.Tensor3D, fromB: readonly boolean[]): tf.Tensor3D {
  return tf.tidy(() => {
    const [a, b] = [tf.unstack(wsA, 1), tf.unstack(wsB, 1)];
    return tf.stack(
      fromB.map((m, i) => (m ? b[i]! : a[i]!)),
      1,
    ) as tf.Tensor3D;
  });
}

/** The mixing grid of styleMixImages from ws: rows A (n), columns B (m); truncated toward w̄ by ψ first. */
function styleMixWs(style: StyleTraining, wsA: tf.Tensor3D, wsB: tf.Tensor3D, fromB: readonly StyleBand[], psi: number, noise: NoiseMode): tf.Tensor4D {
  const model = style.model;
  return style.withAverage(() =>
    tf.tidy(() => {
      const [n, m] = [wsA.shape[0], wsB.shape[0]];
      const [a, b] = [truncate(wsA, model.wAvg, psi), truncate(wsB, model.wAvg, psi)];
      const mask = model.layerResolutions.map((r) => fromB.includes(bandOf(r, model.res)));
      const imgA = model.synthesis(a, noise);
      const imgB = model.synthesis(b, noise);
      const pairsA = tf.reshape(tf.tile(tf.expandDims(a, 1), [1, m, 1, 1]), [n * m, model.numWs, -1]) as tf.Tensor3D;
      const pairsB = tf.tile(b, [n, 1, 1]) as tf.Tensor3D;
      const mixed = model.synthesis(mixLayers(pairsA, pairsB, mask), noise);
      const rows: tf.Tensor4D[] = [tf.concat([tf.zeros([1, model.res, model.res, 3]), imgB], 0)];
      for (let i = 0; i < n; i++) rows.push(tf.concat([tf.slice(imgA, [i, 0, 0, 0], [1, -1, -1, -1]), tf.slice(mixed, [i * m, 0, 0, 0], [m, -1, -1, -1])], 0));
      return tf.concat(rows, 0);
    }),
  );
}

/** `steps` frames linear in W (or W+) from wsA to wsB [1, numWs, wDim], one frame at a time so every frame gets the same noise. */
function interpolateWs(style: StyleTraining, wsA: tf.Tensor3D, wsB: tf.Tensor3D, steps: number, psi: number, noise: NoiseMode): tf.Tensor4D {
  const model = style.model;
  return style.withAverage(() =>
    tf.tidy(() => {
      const [a, b] = [truncate(wsA, model.wAvg, psi), truncate(wsB, model.wAvg, psi)];
      const frames = Array.from({ length: steps }, (_, i) => i / (steps - 1)).map((t) =>
        model.synthesis(tf.add(tf.mul(a, 1 - t), tf.mul(b, t)) as tf.Tensor3D, noise),
      );
      return tf.concat(frames, 0);
    }),
  );
}

export async function renderExplorer(trainer: GanTrainer, req: ExploreRequest, lookup: ProjectedLookup = () => undefined): Promise<ExplorerImages> {
  const style = trainer.styleTraining;
  const noise: NoiseMode = req.noiseOff ? 'zero' : { seed: req.noiseSeed };
  if (!style) {
    const [zA, zB] = req.pins.map((p) => pinZ(trainer, p, lookup)) as [tf.Tensor2D, tf.Tensor2D];
    const strip = tf.tidy(() =>
      gridTensor(
        interpolationImages((z, psi) => trainer.generate(z, psi), undefined, zA, zB, STRIP, req.psi),
        1,
        STRIP,
      ),
    );
    tf.dispose([zA, zB]);
    return { mix: undefined, interpolation: await readGrid(strip), noise: undefined };
  }
  const [a, b] = req.pins;
  const model = style.model;
  const projected = typeof a === 'string' || typeof b === 'string';
  const strip = tf.tidy(() => {
    // A projected image has no z: its paths are in W whatever the setting.
    if (!projected) {
      const [zA, zB] = [trainer.latents([a as number]), trainer.latents([b as number])];
      return gridTensor(
        interpolationImages((z, psi) => trainer.generate(z, psi), style, zA, zB, STRIP, req.psi, noise, req.space),
        1,
        STRIP,
      );
    }
    const ends = style.withAverage(() => pinWs(trainer, model, [a, b], lookup));
    const [wsA, wsB] = [tf.slice(ends, [0, 0, 0], [1, -1, -1]), tf.slice(ends, [1, 0, 0], [1, -1, -1])];
    return gridTensor(interpolateWs(style, wsA, wsB, STRIP, req.psi, noise), 1, STRIP);
  });
  const interpolation = await readGrid(strip);
  const mixGrid = tf.tidy(() => {
    const [wsA, wsB] = style.withAverage(() => [pinWs(trainer, model, sourcePins(a, 3), lookup), pinWs(trainer, model, sourcePins(b, 4), lookup)]);
    return gridTensor(styleMixWs(style, wsA!, wsB!, req.fromB, req.psi, noise), 4, 5);
  });
  const mix = await readGrid(mixGrid);
  const noiseGrid = tf.tidy(() => {
    const wsA = style.withAverage(() => truncate(pinWs(trainer, model, [a], lookup), model.wAvg, req.psi));
    const draws = Array.from({ length: 4 }, (_, i) => (req.noiseOff ? 'zero' : { seed: req.noiseSeed + i }) as NoiseMode);
    const images = style.withAverage(() => tf.concat(draws.map((d) => model.synthesis(wsA, d))));
    return gridTensor(images, 1, 4);
  });
  return { mix, interpolation, noise: await readGrid(noiseGrid) };
}
