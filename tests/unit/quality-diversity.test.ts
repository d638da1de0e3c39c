import { describe, expect, it } from 'vitest';
import type { PreparedSet } from '../../src/data/types.ts';
import { QualityTracker, SWD_SAMPLES } from '../../src/gan/metrics/tracker.ts';
import type { GanTrainer, Memento } from '../../src/gan/train/trainer.ts';

// The tracker's collapse signal: the diversity it reports beside SWD, from the same samples, against the dataset the
// tracker was given. Checked on constant images, whose distances have a closed form.
const RES = 16;
const SIZE = RES * RES * 3;

/** `count` images, image i filled with values[i % values.length]. */
function constants(values: number[], count = values.length): Float32Array {
  const out = new Float32Array(count * SIZE);
  for (let i = 0; i < count; i++) out.fill(values[i % values.length]!, i * SIZE, (i + 1) * SIZE);
  return out;
}

const LEVELS = [-0.3, -0.1, 0.1, 0.3];
const dataset: PreparedSet = { res: RES, count: LEVELS.length, pixels: constants(LEVELS), names: LEVELS.map(String) };

/** What the tracker uses of a trainer: its step, its samples and a snapshot for the best point (nothing to hold). */
function fakeTrainer(samples: Float32Array): GanTrainer {
  const memento: Memento = { step: 7, rng: { state: 0, spare: undefined }, adamT: {}, tensors: {} };
  return { step: 7, samplePixels: async () => samples, snapshot: () => memento } as unknown as GanTrainer;
}

async function diversityOf(samples: Float32Array, set = dataset): Promise<number> {
  const tracker = new QualityTracker();
  tracker.setDataset(set);
  const point = await tracker.evaluate(fakeTrainer(samples));
  return point!.diversity;
}

describe('QualityTracker diversity', () => {
  it('is 0 when every sample is the same image (collapse)', async () => {
    expect(await diversityOf(constants([0.1], SWD_SAMPLES))).toBe(0);
  });

  it('is the closed-form ratio when the samples cycle through the dataset', async () => {
    // Dataset: four images a step of 0.2 apart; pair distances |i − j|·0.2·√SIZE, |i − j| summing to 10 over the six pairs.
    // Samples: 128 = 4 × 32 copies; 1,024 pairs per group pair, same-group pairs at distance 0, 8,128 pairs in all.
    // Ratio = (1024 · 10 / 8128) / (10 / 6) = 6144 / 8128.
    expect(await diversityOf(constants(LEVELS, SWD_SAMPLES))).toBeCloseTo(6144 / 8128, 6);
  });

  it('scales with the spread of the samples and is measured against the dataset it was last given', async () => {
    const wide = constants(
      LEVELS.map((v) => 2 * v),
      SWD_SAMPLES,
    );
    expect(await diversityOf(wide)).toBeCloseTo((2 * 6144) / 8128, 6);
    // The same samples against a dataset twice as spread out read half as diverse: the reference is not stale.
    const tracker = new QualityTracker();
    tracker.setDataset(dataset);
    await tracker.evaluate(fakeTrainer(wide));
    tracker.setDataset({ ...dataset, pixels: constants(LEVELS.map((v) => 2 * v)) });
    expect((await tracker.evaluate(fakeTrainer(wide)))!.diversity).toBeCloseTo(6144 / 8128, 6);
  });

  it('is NaN, not an error, for a dataset without spread (one image)', async () => {
    const one: PreparedSet = { res: RES, count: 1, pixels: constants([0.2]), names: ['one'] };
    expect(await diversityOf(constants([0.1], SWD_SAMPLES), one)).toBeNaN();
  });
});
