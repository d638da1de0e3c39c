import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromParams, DEFAULT_CONFIG } from '../../src/contract/config.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { asGan } from '../helpers/report.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const styleConfig = () => tinyConfig({ model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2, r1Every: 2, lrG: 2.5e-3, lrD: 2.5e-3, beta1: 0, beta2: 0.99 });
const data = () => constantSet(16, 8, (x, y, c) => Math.sin(x / 3 + c) * Math.cos(y / 4));

describe('StyleGAN in the trainer', () => {
  it('takes its optimizer defaults from the model choice in the URL', () => {
    const { config } = configFromParams(new URLSearchParams('model=stylegan&lrD=0.001'), DEFAULT_CONFIG);
    expect([config.model, config.lrG, config.lrD, config.beta1, config.beta2]).toEqual(['stylegan', 2.5e-3, 0.001, 0, 0.99]);
  });

  it('keeps numTensors flat across steps with lazy R1, w̄ and EMA updates, and renders a steady grid', async () => {
    const trainer = new GanTrainer(styleConfig(), data());
    trainer.trainStep();
    trainer.trainStep();
    await trainer.report();
    await trainer.renderGrid();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 6; i++) trainer.trainStep();
    const r = asGan(await trainer.report());
    const a = await trainer.renderGrid();
    const b = await trainer.renderGrid();
    expect(Array.from(a.pixels)).toEqual(Array.from(b.pixels)); // fixed noise: no flicker
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss)).toBe(true);
    trainer.dispose();
  });

  it('exports and imports w̄ and the EMA weights: the resumed run renders and trains identically', async () => {
    const a = new GanTrainer(styleConfig(), data());
    for (let i = 0; i < 3; i++) a.trainStep();
    await a.report();
    const state = await a.exportState();
    expect(Object.keys(state.params)).toContain('g.wAvg');
    expect(Object.keys(state.params).some((n) => n.startsWith('ema.'))).toBe(true);
    const b = new GanTrainer(styleConfig(), data());
    expect(b.importState(state)).toBeUndefined();
    expect(Array.from((await b.renderGrid()).pixels)).toEqual(Array.from((await a.renderGrid()).pixels));
    a.trainStep();
    b.trainStep();
    expect(asGan(await b.report()).dLoss).toBe(asGan(await a.report()).dLoss);
    a.dispose();
    b.dispose();
  });
});

describe('style mixing regularisation', () => {
  it('switches to a second latent at a random layer in about 90% of batches', async () => {
    const { Rng } = await import('../../src/gan/nn/random.ts');
    const trainer = new GanTrainer(styleConfig(), data());
    const style = trainer.styleTraining!;
    const model = style.model;
    const calls: number[] = [];
    const synth = model.synthesis;
    (model as { synthesis: typeof synth }).synthesis = (ws, noise) => {
      calls.push(ws.shape[1]);
      return synth(ws, noise);
    };
    const generate = style.mixingGenerator(new Rng(5));
    const z = tf.randomNormal([2, 16]) as tf.Tensor2D;
    for (let i = 0; i < 40; i++) generate(z).dispose();
    (model as { synthesis: typeof synth }).synthesis = synth;
    expect(calls.length).toBeGreaterThan(28); // Binomial(40, 0.9): mixed batches go through synthesis
    expect(calls.length).toBeLessThan(40);
    z.dispose();
    trainer.dispose();
  });
});

describe('disposal', () => {
  it('a disposed trainer leaves no tensors behind, DCGAN and StyleGAN alike', async () => {
    for (const cfg of [tinyConfig(), styleConfig()]) {
      const before = tf.memory().numTensors;
      const t = new GanTrainer(cfg, data());
      t.trainStep();
      t.trainStep();
      await t.report();
      await t.renderGrid();
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
