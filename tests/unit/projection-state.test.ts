import { describe, expect, it } from 'vitest';
import type { ProjectedPinInfo } from '../../src/contract/protocol.ts';
import { fitVerdict, initialProjection, reduceProjection } from '../../src/app/projection-state.ts';

const pixels = { width: 1, height: 1, pixels: new ArrayBuffer(4) };
const info = (distance: number, mirror: number, start: number): ProjectedPinInfo => ({
  id: 'p1',
  label: { key: 'projection.fileLabel', vars: { name: 'me.png' } },
  space: 'w',
  steps: 10,
  modelStep: 5,
  distance,
  mirror,
  start,
  ms: 1000,
  nearest: undefined,
});

describe("the page's projection state", () => {
  it('streams a run: the curve grows with each progress event, the result becomes a pin', () => {
    let s = reduceProjection(initialProjection, { type: 'projection/started', id: 'p1', label: info(0, 0, 0).label, total: 10, target: pixels });
    s = reduceProjection(s, { type: 'projection/progress', id: 'p1', step: 3, total: 10, distance: 0.5, curve: [0.9, 0.7, 0.5], view: pixels });
    s = reduceProjection(s, { type: 'projection/progress', id: 'other', step: 9, total: 10, distance: 0.1, curve: [0.1], view: pixels });
    s = reduceProjection(s, { type: 'projection/progress', id: 'p1', step: 5, total: 10, distance: 0.4, curve: [0.45, 0.4], view: pixels });
    expect(s.run!.curve).toEqual([0.9, 0.7, 0.5, 0.45, 0.4]);
    expect([s.run!.step, s.run!.distance, s.run!.state]).toEqual([5, 0.4, 'running']);
    s = reduceProjection(s, { type: 'projection/done', pin: info(0.2, 0.15, 0.9), view: pixels, target: pixels, nearest: undefined });
    expect([s.run!.state, s.run!.distance, s.pins.map((p) => p.id)]).toEqual(['done', 0.2, ['p1']]);
    // A new model drops the pins (the Worker says which remain).
    s = reduceProjection(s, { type: 'projection/pins', pins: [] });
    expect([s.pins, s.run]).toEqual([[], undefined]);
  });

  it('reads a fit against the mirror yardstick and against where the search started', () => {
    expect(fitVerdict(info(0.02, 0.015, 0.3))).toBe('mirror'); // 1.3× the mirror, far below the start
    expect(fitVerdict(info(0.05, 0.015, 0.3))).toBe('near'); // 3.3×
    expect(fitVerdict(info(0.1, 0.015, 0.3))).toBe('far'); // 6.7×
    // A loose yardstick (a picture unlike its mirror) does not pass a search that barely moved.
    expect(fitVerdict(info(0.2, 0.4, 0.21))).toBe('far');
    // Far from every training image: resembled at best, however low the distance.
    expect(fitVerdict({ ...info(0.04, 0.37, 0.4), nearest: { index: 49, distance: 0.79, typicalGap: 0.21, far: true } })).toBe('near');
    // Old pins without a start distance are read by the mirror alone.
    expect(fitVerdict(info(0.02, 0.015, NaN))).toBe('mirror');
  });
});
