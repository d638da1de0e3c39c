import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportGeneratorZip } from '../../src/gan/explore/export-model.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

describe('generator export as a tfjs Layers model', () => {
  const roundTrip = async (trainer: GanTrainer) => {
    const files = unzipSync(await exportGeneratorZip(trainer));
    expect(Object.keys(files).sort()).toEqual(['README.md', 'generator.weights.bin', 'model.json']);
    expect(strFromU8(files['README.md']!)).toContain('tf.loadLayersModel');
    const json = JSON.parse(strFromU8(files['model.json']!));
    const bin = files['generator.weights.bin']!;
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      }),
    );
    const z = tf.randomNormal([256, 16], 0, 1, 'float32', 7) as tf.Tensor2D; // the batch the statistics were measured on
    const ours = trainer.model.generator.apply(z);
    const theirs = model.predict(z) as tf.Tensor4D;
    expect(theirs.shape).toEqual([256, 16, 16, 3]);
    expect(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]).toBeLessThan(1e-3);
    tf.dispose([z, ours, theirs]);
    model.dispose();
    const layers = json.modelTopology.config.layers as { class_name: string; config: { alpha?: number } }[];
    return layers.filter((l) => l.class_name === 'LeakyReLU' || l.class_name === 'ReLU');
  };

  it('loads with tf.loadLayersModel and reproduces the generator on the latents its statistics came from', async () => {
    const trainer = new GanTrainer(
      tinyConfig(),
      constantSet(16, 4, (x, y) => Math.sin(x * y)),
    );
    for (let i = 0; i < 3; i++) trainer.trainStep();
    await trainer.report();
    // res 16: BN + activation after the dense layer and after the first transposed conv.
    const acts = await roundTrip(trainer);
    expect(acts.map((l) => [l.class_name, l.config.alpha])).toEqual([
      ['LeakyReLU', 0.2],
      ['LeakyReLU', 0.2],
    ]);
    trainer.dispose();
  });

  it("exports a project saved before leaky ReLU (its G's slope 0) with ReLU, still the same images", async () => {
    const trainer = new GanTrainer(
      tinyConfig(),
      constantSet(16, 4, (x, y) => Math.cos(x - y)),
    );
    for (let i = 0; i < 3; i++) trainer.trainStep();
    await trainer.report();
    const state = await trainer.exportState();
    const { ['g.slope']: _, ...older } = state.extras!;
    expect(trainer.importState({ ...state, extras: older })).toBeUndefined();
    expect((await roundTrip(trainer)).map((l) => l.class_name)).toEqual(['ReLU', 'ReLU']);
    trainer.dispose();
  });

  it('refuses StyleGAN with a reason', async () => {
    const trainer = new GanTrainer(
      tinyConfig({ model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2 }),
      constantSet(16, 4, () => 0),
    );
    await expect(exportGeneratorZip(trainer)).rejects.toThrow(/only the DCGAN generator/);
    trainer.dispose();
  });
});
