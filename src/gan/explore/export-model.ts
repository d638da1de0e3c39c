/**
 * The generator alone as a standard tfjs Layers model, loadable in any page with
 * `tf.loadLayersModel('model.json')` and sampled with `model.predict(tf.randomNormal([n, zDim]))`.
 * DCGAN only (and the autoencoders, whose decoder is the DCGAN generator): its layers exist in
 * tf.layers. Batch norm in a Layers model uses fixed (moving) statistics, so they are measured
 * here on a large batch of latents — what a trained DCGAN does at inference.
 */
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { batchNorm, convUp } from '../nn/layers.ts';
import { codeGaussian, isAutoencoder } from '../nn/models/autoencoder.ts';
import { gActivation, isDcganGenerator, RELU_SLOPE } from '../nn/models/dcgan.ts';
import { dcganLayout } from '../nn/models/dcgan-layout.ts';
import type { GanTrainer } from '../train/trainer.ts';

const STATS_BATCH = 256;

/**
 * G's first dense layer as the exported model needs it (new tensors: dispose them). The
 * autoencoder decodes μ + σ ⊙ z, which folds into the layer, so the export still takes z ~ N(0, I):
 * (μ + σ ⊙ z) W + b = z (diag(σ) W) + (μ W + b).
 */
function inputLayer(trainer: GanTrainer): [tf.Tensor2D, tf.Tensor1D] {
  const model = trainer.model;
  const w = model.generator.params['g.fc.w'] as tf.Tensor2D;
  const b = model.generator.params['g.fc.b'] as tf.Tensor1D;
  return tf.tidy(() => {
    if (!isAutoencoder(model) || model.kind === 'vae') return [tf.clone(w), tf.clone(b)];
    const { mean, std } = codeGaussian(model.buffers);
    return [tf.mul(tf.expandDims(std, 1), w), tf.add(tf.reshape(tf.matMul(tf.expandDims(mean, 0), w), [-1]), b)];
  });
}

/** G's hidden activation slope: 0.2 (leaky ReLU) for a new model, 0 (ReLU) in a project saved before it. */
const slopeOf = (trainer: GanTrainer) => (isDcganGenerator(trainer.model.generator) ? trainer.model.generator.slope : RELU_SLOPE);

/** Mean and variance of each batch-norm input over a batch of latents, in layer order. */
function batchNormStats(trainer: GanTrainer, fc: [tf.Tensor2D, tf.Tensor1D]): { mean: tf.Tensor1D; variance: tf.Tensor1D }[] {
  const slope = slopeOf(trainer);
  const p = trainer.model.generator.params;
  const { zDim, width, res } = trainer.config;
  const { deepest, up } = dcganLayout(res, width);
  const stats: { mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];
  tf.tidy(() => {
    const z = tf.randomNormal([STATS_BATCH, zDim], 0, 1, 'float32', 7) as tf.Tensor2D;
    const keep = (x: tf.Tensor) => {
      const m = tf.moments(x, [0, 1, 2]);
      stats.push({ mean: tf.keep(m.mean as tf.Tensor1D), variance: tf.keep(m.variance as tf.Tensor1D) });
    };
    let x = tf.reshape(tf.add(tf.matMul(z, fc[0]), fc[1]), [STATS_BATCH, 4, 4, deepest]) as tf.Tensor4D;
    keep(x);
    x = gActivation(batchNorm(p, 'g.bn0', x), slope);
    for (const { name, bn } of up) {
      if (!bn) break; // the RGB layer has no batch norm to measure
      x = convUp(p, name, x);
      keep(x);
      x = gActivation(batchNorm(p, bn, x), slope);
    }
  });
  return stats;
}

export function buildLayersGenerator(trainer: GanTrainer): tf.Sequential {
  if (trainer.config.model === 'stylegan')
    throw new Error(
      "only the DCGAN generator (or an autoencoder's decoder, which is one) can be exported as a tfjs Layers model (StyleGAN has no tf.layers equivalent): export the project instead",
    );
  const p = trainer.model.generator.params;
  const { zDim, width, res } = trainer.config;
  const { deepest, up } = dcganLayout(res, width);
  const fc = inputLayer(trainer);
  const stats = batchNormStats(trainer, fc);
  const slope = slopeOf(trainer);
  const model = tf.sequential();
  /** Batch norm `name` with the statistics measured for it (stats are in layer order), then G's activation. */
  const bn = (name: string, i: number) => {
    model.add(tf.layers.batchNormalization({ epsilon: 1e-5 }));
    model.layers[model.layers.length - 1]!.setWeights([p[`${name}.gamma`]!, p[`${name}.beta`]!, stats[i]!.mean, stats[i]!.variance]);
    model.add(slope === 0 ? tf.layers.reLU() : tf.layers.leakyReLU({ alpha: slope }));
  };
  model.add(tf.layers.dense({ units: 16 * deepest, inputShape: [zDim], weights: fc }));
  model.add(tf.layers.reshape({ targetShape: [4, 4, deepest] }));
  bn('g.bn0', 0);
  up.forEach(({ name, cout, bn: norm }, i) => {
    model.add(tf.layers.conv2dTranspose({ filters: cout, kernelSize: 4, strides: 2, padding: 'same', weights: [p[`${name}.w`]!, p[`${name}.b`]!] }));
    if (norm) bn(norm, i + 1);
    else model.add(tf.layers.activation({ activation: 'tanh' }));
  });
  tf.dispose([...fc, ...stats.flatMap((s) => [s.mean, s.variance])]);
  return model;
}

const SNIPPET = (zDim: number) => `# Ganvas generator (tfjs Layers model)

Serve this folder and, in any page with TensorFlow.js loaded:

    const model = await tf.loadLayersModel('model.json');
    const images = model.predict(tf.randomNormal([16, ${zDim}]));   // [16, R, R, 3] in [-1, 1]
    await tf.browser.toPixels(images.slice([0], [1]).squeeze().add(1).div(2), canvas);
`;

/** model.json + weights + a README with the snippet above, as one zip. */
export async function exportGeneratorZip(trainer: GanTrainer): Promise<Uint8Array> {
  const model = buildLayersGenerator(trainer);
  let files: Record<string, Uint8Array> = {};
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: 'Ganvas',
        convertedBy: null,
        weightsManifest: [{ paths: ['generator.weights.bin'], weights: artifacts.weightSpecs }],
      };
      files = {
        'model.json': strToU8(JSON.stringify(json)),
        'generator.weights.bin': new Uint8Array(weightData),
        'README.md': strToU8(SNIPPET(trainer.config.zDim)),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return zipSync(files);
}
