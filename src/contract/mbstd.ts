/*
 * StyleGAN's minibatch-stddev grouping rule, pure, in the contract because both sides need it:
 * the engine's D (gan/nn/models/stylegan-d.ts) groups by it, and the page's graduate dialog picks
 * a global batch whose per-GPU share holds whole groups (python/ganvas_torch/style_round.py
 * refuses one that does not).
 */

/**
 * Minibatch-stddev group size for a training batch B: the largest divisor of B from 2 to
 * `group` (NVlabs: min(group, batch), which must divide it), else B itself (one group, NVlabs's
 * "entire minibatch"), so a group of one (a constant feature that says nothing) only happens at
 * B = 1. A size that divides B also divides 2B, so in D's main step, where reals and fakes go
 * through D as one batch [reals; fakes], consecutive groups never straddle the two halves, and
 * each image is grouped exactly as in the G step and R1, which see B images.
 */
export function mbstdGroupSize(batch: number, group: number): number {
  for (let g = Math.min(group, batch); g > 1; g--) if (batch % g === 0) return g;
  return batch;
}
