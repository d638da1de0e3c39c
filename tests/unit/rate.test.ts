import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../src/worker/rate.ts';

describe('RateMeter', () => {
  it('averages over the span, so one slow window does not halve the readout', () => {
    const meter = new RateMeter(3000);
    meter.restart(0, 0);
    // 10 steps/s for 3 s, reported every 100 ms...
    let rate = 0;
    for (let t = 100; t <= 3000; t += 100) rate = meter.stepsPerSec(t / 100, t);
    expect(rate).toBeCloseTo(10, 5);
    // ...then one window of 100 ms in which only a tenth of a step's worth happened (a render):
    // a per-window rate would read 0; over 3 s it stays near 10.
    rate = meter.stepsPerSec(30, 3100);
    expect(rate).toBeGreaterThan(9);
    expect(rate).toBeLessThan(10);
  });

  it('forgets what is older than the span', () => {
    const meter = new RateMeter(1000);
    meter.restart(0, 0);
    for (let t = 100; t <= 2000; t += 100) meter.stepsPerSec(t / 10, t); // 100 steps/s
    let rate = 0;
    for (let t = 2100; t <= 4000; t += 100) rate = meter.stepsPerSec(200 + (t - 2000) / 100, t); // then 10 steps/s
    expect(rate).toBeCloseTo(10, 5);
  });

  it('starts from the restart point', () => {
    const meter = new RateMeter(3000);
    meter.restart(500, 1000);
    expect(meter.stepsPerSec(510, 2000)).toBeCloseTo(10, 5);
  });
});
