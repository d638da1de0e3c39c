import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cadence, SIDE_WORK_SHARE } from '../../src/worker/cadence.ts';

let clock = 0;
afterEach(() => vi.restoreAllMocks());

describe('Cadence: side work within its share of the loop', () => {
  it('waits its interval, or longer after a costly run so the share holds', async () => {
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const pace = new Cadence(0.05);
    clock = 0;
    expect(pace.due(500, 700)).toBe(false);
    expect(pace.due(700, 700)).toBe(true);
    // A cheap task: the interval rules.
    clock = 1000;
    await pace.run(async () => void (clock += 10));
    expect(pace.due(1010 + 699, 700)).toBe(false);
    expect(pace.due(1010 + 700, 700)).toBe(true);
    // A 200 ms task at a 5% share waits 200·0.95/0.05 = 3800 ms, far past the 700 ms interval.
    clock = 5000;
    await pace.run(async () => void (clock += 200));
    expect(pace.due(5200 + 3799, 700)).toBe(false);
    expect(pace.due(5200 + 3800, 700)).toBe(true);
  });

  it('keeps all side work under 5% of the loop', () => {
    expect(SIDE_WORK_SHARE).toBeLessThanOrEqual(0.05);
  });
});
