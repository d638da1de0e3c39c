import type { ModelKind, TrainConfig } from '../../../contract/config.ts';
import type { Rng } from '../random.ts';
import { buildAutoencoder } from './autoencoder.ts';
import { buildDcgan } from './dcgan.ts';
import { buildStylegan } from './stylegan.ts';
import type { GanModel } from './types.ts';

/** Model registry, keyed by the config's `ModelKind` union: adding a kind forces an entry here. */
const BUILDERS: Record<ModelKind, (config: TrainConfig, rng: Rng) => GanModel> = {
  dcgan: (c, rng) => buildDcgan({ res: c.res, width: c.width, zDim: c.zDim }, rng),
  stylegan: (c, rng) => buildStylegan({ res: c.res, width: c.width, zDim: c.zDim, wDim: c.wDim, mappingLayers: c.mappingLayers, batch: c.batch }, rng),
  autoencoder: (c, rng) => buildAutoencoder('autoencoder', { res: c.res, width: c.width, zDim: c.zDim }, rng),
  vae: (c, rng) => buildAutoencoder('vae', { res: c.res, width: c.width, zDim: c.zDim }, rng),
};

export function buildModel(config: TrainConfig, rng: Rng): GanModel {
  return BUILDERS[config.model](config, rng);
}

export type { GanModel, Generator, Discriminator } from './types.ts';
