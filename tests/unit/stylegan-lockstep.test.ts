import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, styleganCheck, styleganLockstep, styleMaxGap } from '../../bench/stylegan-lockstep.ts';
import { useFastBackend } from '../helpers/tf.ts';

/**
 * Ganvas's StyleGAN against the PyTorch peer written from NVlabs's stylegan2-ada-pytorch
 * (bench/peer/stylegan.py): same weights, batches, latents, mixing draws and noise. Skipped only
 * where /usr/bin/python3 cannot import torch. The full 50-step run: npm run bench:parity:stylegan.
 */
const hasTorch = peerAvailable();
const dir = mkdtempSync(join(tmpdir(), 'ganvas-style-lockstep-'));

beforeAll(useFastBackend);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasTorch)('StyleGAN lockstep with the PyTorch peer', () => {
  it('one forward and backward: images, logits, losses and every gradient of D, G and R1 agree to float32 rounding', async () => {
    const r = await styleganCheck(dir);
    for (const [what, gap] of Object.entries(r.gaps)) expect(gap, `${what} (worst at ${r.worst[what] ?? '-'})`).toBeLessThan(1e-4);
    r.losses.ganvas.forEach((l, i) => expect(Math.abs(l - r.losses.torch[i]!)).toBeLessThan(1e-5));
  }, 60_000);

  it('10 training rounds with 2 lazy R1 steps and style mixing: every loss within 1e-5', async () => {
    const r = await styleganLockstep(dir, { steps: 10, r1Every: 5, r1Gamma: 1, float64: false });
    expect(r.ganvas.filter((s) => s.r1 !== undefined)).toHaveLength(2);
    expect(r.torch.filter((s) => s.r1 !== undefined)).toHaveLength(2);
    expect(styleMaxGap(r.ganvas, r.torch, 0, 10)).toBeLessThan(1e-5);
  }, 120_000);
});
