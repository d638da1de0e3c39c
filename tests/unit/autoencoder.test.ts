import * as tf from '@tensorflow/tfjs';
import { inEnglish } from '../helpers/english.ts';
import { english } from '../../src/contract/messages.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromParams, DEFAULT_CONFIG } from '../../src/contract/config.ts';
import type { PreparedSet } from '../../src/data/types.ts';
import { decodeProject, encodeProject } from '../../src/gan/project/checkpoint.ts';
import { interpolationImages } from '../../src/gan/explore/explore.ts';
import { isAutoencoder } from '../../src/gan/nn/models/autoencoder.ts';
import { readParams } from '../../src/gan/nn/params.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { GanTrainer, type ReconstructionReport } from '../../src/gan/train/trainer.ts';
import { tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

/** 16 distinct 16 px images: smooth colour gradients at random angles and offsets. */
function gradients(count = 16, res = 16): PreparedSet {
  const rng = new Rng(11);
  const pixels = new Float32Array(count * res * res * 3);
  for (let i = 0; i < count; i++) {
    const [a, b, o] = [rng.next() * 2 - 1, rng.next() * 2 - 1, rng.next() - 0.5];
    for (let y = 0; y < res; y++)
      for (let x = 0; x < res; x++)
        for (let c = 0; c < 3; c++) pixels[((i * res + y) * res + x) * 3 + c] = Math.tanh(o + (a * (x - 8) + b * (y - 8)) / 8 + (c - 1) * 0.3);
  }
  return { res, count, pixels, names: Array.from({ length: count }, (_, i) => `g${i}`) };
}

const aeConfig = (model: 'autoencoder' | 'vae', extra = {}) => tinyConfig({ model, lrG: 1e-3, lrD: 1e-3, beta1: 0.9, beta2: 0.999, ...extra });

describe('autoencoder and VAE models', () => {
  it('are model kinds with their own optimizer defaults', () => {
    for (const model of ['autoencoder', 'vae'] as const) {
      const { config, issues } = configFromParams(new URLSearchParams({ model }), DEFAULT_CONFIG);
      expect(issues).toEqual([]);
      expect(config.model).toBe(model);
      expect([config.lrG, config.beta1]).toEqual([1e-3, 0.9]);
    }
  });

  it('have the documented shapes: DCGAN decoder, zDim (AE) or 2·zDim (VAE) encoder outputs', () => {
    for (const [model, outputs] of [
      ['autoencoder', 16],
      ['vae', 32],
    ] as const) {
      const trainer = new GanTrainer(aeConfig(model), gradients());
      const m = trainer.model;
      if (!isAutoencoder(m)) throw new Error('not an autoencoder');
      const dcgan = new GanTrainer(tinyConfig(), gradients());
      expect(Object.keys(m.decoder.params)).toEqual(Object.keys(dcgan.model.generator.params));
      expect(trainer.parameterCounts().generator).toBe(dcgan.parameterCounts().generator);
      const [codes, images] = tf.tidy(() => {
        const x = tf.zeros([3, 16, 16, 3]) as tf.Tensor4D;
        return [m.encoder.apply(x).shape, m.sample(tf.randomNormal([3, 16]) as tf.Tensor2D).shape];
      });
      expect(codes).toEqual([3, outputs]);
      expect(images).toEqual([3, 16, 16, 3]);
      expect(Object.keys(m.buffers)).toEqual(model === 'autoencoder' ? ['ae.code.mean', 'ae.code.meanSq'] : []);
      trainer.dispose();
      dcgan.dispose();
    }
  });
});

describe('reconstruction training', () => {
  it('lowers the autoencoder reconstruction loss on 16 images, and fits the code Gaussian', async () => {
    const trainer = new GanTrainer(aeConfig('autoencoder', { reportEvery: 10 }), gradients());
    const losses: number[] = [];
    for (let i = 0; i < 100; i++) {
      trainer.trainStep();
      if ((i + 1) % 10 === 0) {
        const r = (await trainer.report())!;
        if (r.kind !== 'reconstruction') throw new Error('an autoencoder reports its reconstruction');
        expect(r.kl).toBe(0);
        losses.push(r.recon);
      }
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
    // The running code statistics moved away from their N(0, I) start.
    const m = trainer.model;
    if (!isAutoencoder(m)) throw new Error('not an autoencoder');
    const meanSq = (await readParams(m.buffers))['ae.code.meanSq']!;
    expect(Math.max(...meanSq.map((v) => Math.abs(v - 1)))).toBeGreaterThan(0.05);
    trainer.dispose();
  });

  it('VAE: finite KL per dimension, falling reconstruction, prior samples of the right shape and range', async () => {
    const trainer = new GanTrainer(aeConfig('vae', { reportEvery: 20 }), gradients());
    const reports: ReconstructionReport[] = [];
    for (let i = 0; i < 60; i++) {
      trainer.trainStep();
      const r = (i + 1) % 20 === 0 ? (await trainer.report())! : undefined;
      if (r?.kind === 'reconstruction') reports.push(r);
    }
    expect(reports).toHaveLength(3);
    for (const r of reports) {
      expect(Number.isFinite(r.kl)).toBe(true);
      expect(r.kl).toBeGreaterThan(0);
    }
    expect(reports.at(-1)!.recon).toBeLessThan(reports[0]!.recon);
    const pixels = await trainer.samplePixels(12);
    expect(pixels.length).toBe(12 * 16 * 16 * 3);
    expect(pixels.every((v) => v >= -1 && v <= 1)).toBe(true);
    // Samples differ from one another (the decoder does not ignore z).
    const first = pixels.subarray(0, 768);
    const second = pixels.subarray(768, 1536);
    expect(first.some((v, i) => Math.abs(v - second[i]!) > 1e-3)).toBe(true);
    trainer.dispose();
  });

  it('keeps tf.memory().numTensors flat over many steps, reports, grids and interpolations', async () => {
    for (const model of ['autoencoder', 'vae'] as const) {
      const trainer = new GanTrainer(aeConfig(model), gradients());
      trainer.trainStep();
      await trainer.report();
      await trainer.renderGrid();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        trainer.trainStep();
        if (i % 4 === 0) await trainer.report();
        if (i % 7 === 0) await trainer.renderGrid();
      }
      await trainer.report();
      const [a, b] = [trainer.latents([0]), trainer.latents([1])];
      const strip = interpolationImages((z, psi) => trainer.generate(z, psi), undefined, a, b, 5, 0.7);
      expect(strip.shape).toEqual([5, 16, 16, 3]);
      tf.dispose([a, b, strip]);
      expect(tf.memory().numTensors).toBe(before);
      trainer.dispose();
    }
  });
});

describe('autoencoder state', () => {
  it('round-trips through a project file and continues exactly', async () => {
    const config = aeConfig('autoencoder');
    const a = new GanTrainer(config, gradients());
    for (let i = 0; i < 5; i++) a.trainStep();
    await a.report();
    const state = await a.exportState();
    expect(Object.keys(state.params)).toContain('ae.code.mean');
    const meta = { name: 'ae', created: '2026-01-01T00:00:00.000Z', updated: '2026-01-01T00:00:00.000Z', app: 'test' };
    const decoded = decodeProject(encodeProject({ ...state, history: [], meta }));
    if (!decoded.ok) throw new Error(english(decoded.reason));
    expect(decoded.snapshot.config.model).toBe('autoencoder');
    const gridBefore = await a.renderGrid();
    a.trainStep();
    a.trainStep();
    const expected = (await a.report())!;

    const b = new GanTrainer(decoded.snapshot.config, gradients());
    expect(b.importState(decoded.snapshot)).toBeUndefined();
    expect(Array.from((await b.renderGrid()).pixels)).toEqual(Array.from(gridBefore.pixels));
    b.trainStep();
    b.trainStep();
    expect((await b.report())!).toEqual(expected);
    // A DCGAN state does not load into an autoencoder: the names differ.
    const dcgan = new GanTrainer(tinyConfig(), gradients());
    expect(inEnglish(b.importState(await dcgan.exportState()))).toMatch(/has no/);
    [a, b, dcgan].forEach((t) => t.dispose());
  });
});

describe('autoencoder decoder export', () => {
  it('exports a Layers model that takes z ~ N(0, I) and matches trainer.generate (code Gaussian folded in)', async () => {
    const { exportGeneratorZip } = await import('../../src/gan/explore/export-model.ts');
    const { strFromU8, unzipSync } = await import('fflate');
    const trainer = new GanTrainer(aeConfig('autoencoder'), gradients());
    for (let i = 0; i < 30; i++) trainer.trainStep();
    await trainer.report();
    const files = unzipSync(await exportGeneratorZip(trainer));
    const json = JSON.parse(strFromU8(files['model.json']!));
    const bin = files['generator.weights.bin']!;
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      }),
    );
    const z = tf.randomNormal([256, 16], 0, 1, 'float32', 7) as tf.Tensor2D; // the batch the BN statistics came from
    const ours = trainer.generate(z);
    const raw = trainer.model.generator.apply(z); // without the code Gaussian: must differ
    const theirs = model.predict(z) as tf.Tensor4D;
    const gap = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    expect(gap(ours, theirs)).toBeLessThan(1e-3);
    expect(gap(raw, theirs)).toBeGreaterThan(1e-2);
    tf.dispose([z, ours, raw, theirs]);
    model.dispose();
    trainer.dispose();
  });
});
